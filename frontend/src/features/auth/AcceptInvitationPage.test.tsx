import { screen } from "@testing-library/react";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { resetSessionForTests } from "../../api/session";
import { fakeApi, json, requestsTo } from "../../test/fakeApi";
import { renderApp } from "../../test/render";

describe("accepting an invitation", () => {
  beforeEach(() => resetSessionForTests());
  afterEach(() => vi.unstubAllGlobals());

  it("shows the form to a browser that never signed in, on the first page load", async () => {
    const mock = fakeApi({
      "GET /api/v1/auth/invitations/tok-1": () =>
        json({ email: "nina@demo.example.com", full_name: "Nina New", organisation_name: "Demo Co" }),
    });
    renderApp("/accept-invitation?token=tok-1");

    expect(await screen.findByRole("heading", { name: "Join Demo Co" })).toBeInTheDocument();
    expect(screen.getByLabelText("Email")).toHaveValue("nina@demo.example.com");
    expect(screen.getByRole("button", { name: "Create account" })).toBeInTheDocument();
    expect(requestsTo(mock, "GET", "/api/v1/auth/invitations/tok-1")).toHaveLength(1);
  });
});
