import { screen } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { resetSessionForTests, startSession } from "../api/session";
import { fakeApi, json } from "../test/fakeApi";
import { meFixture, renderApp } from "../test/render";

describe("the app's frame", { timeout: 20_000 }, () => {
  beforeEach(() => resetSessionForTests());
  afterEach(() => vi.unstubAllGlobals());

  it("lets a keyboard user skip the header and the navigation", async () => {
    startSession("token");
    fakeApi({ "GET /api/v1/me": () => json(meFixture()) });
    renderApp("/profile");
    const user = userEvent.setup();
    await screen.findByRole("link", { name: "Accounts" });

    await user.tab();
    const skip = screen.getByRole("link", { name: "Skip to content" });
    expect(skip).toHaveFocus();
    await user.click(skip);
    expect(document.getElementById("main-content")).toHaveFocus();
  });
});
