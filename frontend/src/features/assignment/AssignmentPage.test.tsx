import { screen } from "@testing-library/react";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { resetSessionForTests, startSession } from "../../api/session";
import { fakeApi, json } from "../../test/fakeApi";
import { meFixture, renderApp } from "../../test/render";

const LOAD = { timeout: 5_000 };

describe("the account assignment page", { timeout: 20_000 }, () => {
  beforeEach(() => resetSessionForTests());
  afterEach(() => vi.unstubAllGlobals());

  it("is neither shown nor open to a CSM, who sees only their own accounts", async () => {
    startSession("token");
    fakeApi({ "GET /api/v1/me": () => json(meFixture({}, ["csm_seat", "update_accounts"])) });
    renderApp("/accounts/assignment");

    expect(await screen.findByTestId("no-access", {}, LOAD)).toBeInTheDocument();
    expect(screen.getByRole("link", { name: "Accounts" })).toBeInTheDocument();
    expect(screen.queryByRole("link", { name: "Account assignment" })).not.toBeInTheDocument();
  });
});
