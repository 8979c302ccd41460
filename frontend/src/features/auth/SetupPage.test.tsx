import { screen } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { resetSessionForTests } from "../../api/session";
import { fakeApi, json, problem, requestsTo } from "../../test/fakeApi";
import { meFixture, renderApp } from "../../test/render";

const emptyPage = { items: [], total: 0, limit: 25, offset: 0 };

describe("first-run setup", () => {
  beforeEach(() => resetSessionForTests());
  afterEach(() => vi.unstubAllGlobals());

  it("sends a new Tenure's sign-in page to the setup, creates the organisation and signs its admin in", async () => {
    const mock = fakeApi({
      "POST /api/v1/auth/refresh": () => problem(401, "invalid_token"),
      "GET /api/v1/setup": () => json({ needed: true }),
      "POST /api/v1/setup": () => json({ id: "o1", name: "Acme CS" }, 201),
      "POST /api/v1/auth/login": () => json({ status: "authenticated", access_token: "access-1", mfa_enrolment_required: false }),
      "GET /api/v1/me": () => json(meFixture()),
      "GET /api/v1/accounts": () => json(emptyPage),
      "GET /api/v1/users": () => json([]),
    });
    const { router } = renderApp("/login");
    await screen.findByRole("heading", { name: "Set up Tenure" });
    expect(router.state.location.pathname).toBe("/setup");

    // No pause between keystrokes: the form has five fields to fill.
    const user = userEvent.setup({ delay: null });
    await user.click(screen.getByRole("button", { name: "Create organisation" }));
    expect(await screen.findByText("Name your organisation")).toBeTruthy();
    expect(requestsTo(mock, "POST", "/api/v1/setup")).toHaveLength(0);

    await user.type(screen.getByLabelText("Organisation"), "Acme CS");
    await user.type(screen.getByLabelText("Your name"), "Dana Ops");
    await user.type(screen.getByLabelText("Email"), "dana@acme.example");
    await user.type(screen.getByLabelText("Password", { selector: "input" }), "a long passphrase");
    await user.type(screen.getByLabelText("Confirm password", { selector: "input" }), "a long passphrase");
    await user.click(screen.getByRole("button", { name: "Create organisation" }));

    await screen.findByRole("heading", { name: "Accounts" });
    const [setup] = requestsTo(mock, "POST", "/api/v1/setup");
    expect(await setup!.clone().json()).toMatchObject({
      organisation_name: "Acme CS",
      admin_name: "Dana Ops",
      admin_email: "dana@acme.example",
      admin_password: "a long passphrase",
      base_currency: "USD",
    });
    const [login] = requestsTo(mock, "POST", "/api/v1/auth/login");
    expect(await login!.clone().json()).toEqual({ email: "dana@acme.example", password: "a long passphrase" });
    // The whole journey, from the sign-in page to the rendered account list: slow on a busy
    // 2-core machine (15 s seen), so it gets more than the suite's 20 s.
  }, 60_000);

  it("is never shown once an organisation exists", async () => {
    fakeApi({
      "POST /api/v1/auth/refresh": () => problem(401, "invalid_token"),
      "GET /api/v1/setup": () => json({ needed: false }),
    });
    const { router } = renderApp("/setup");
    await screen.findByRole("heading", { name: "Sign in" });
    expect(router.state.location.pathname).toBe("/login");
  });
});
