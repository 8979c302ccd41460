import { screen, waitFor } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { refreshSession } from "../../api/client";
import { mayResumeSession, resetSessionForTests } from "../../api/session";
import { fakeApi, json, problem, requestsTo } from "../../test/fakeApi";
import { meFixture, renderApp } from "../../test/render";

const emptyPage = { items: [], total: 0, limit: 25, offset: 0 };

describe("signing in", () => {
  beforeEach(() => resetSessionForTests());
  afterEach(() => vi.unstubAllGlobals());

  async function fillCredentials() {
    const user = userEvent.setup();
    await screen.findByRole("heading", { name: "Sign in" });
    await user.type(screen.getByLabelText("Email"), "csm@demo.example.com");
    await user.type(screen.getByLabelText("Password", { selector: "input" }), "tenure-demo-csm");
    await user.click(screen.getByRole("button", { name: "Sign in" }));
    return user;
  }

  it("asks for a second factor, then lands on the role's landing page", async () => {
    const mock = fakeApi({
      "POST /api/v1/auth/refresh": () => problem(401, "invalid_token"),
      "POST /api/v1/auth/login": () => json({ status: "mfa_required", mfa_token: "mfa-1", mfa_enrolment_required: false }),
      "POST /api/v1/auth/login/mfa": () => json({ status: "authenticated", access_token: "access-1", mfa_enrolment_required: false }),
      "GET /api/v1/me": () => json(meFixture()),
      "GET /api/v1/accounts": () => json(emptyPage),
      "GET /api/v1/users": () => json([]),
    });
    const { router } = renderApp("/login");
    const user = await fillCredentials();

    await user.type(await screen.findByLabelText("Authentication code"), "123456");
    await user.click(screen.getByRole("button", { name: "Verify" }));

    await screen.findByRole("heading", { name: "Accounts" });
    expect(router.state.location.pathname).toBe("/accounts");
    const [mfa] = requestsTo(mock, "POST", "/api/v1/auth/login/mfa");
    expect(await mfa!.clone().json()).toEqual({ mfa_token: "mfa-1", code: "123456" });
  });

  it("accepts a recovery code instead", async () => {
    const mock = fakeApi({
      "POST /api/v1/auth/refresh": () => problem(401, "invalid_token"),
      "POST /api/v1/auth/login": () => json({ status: "mfa_required", mfa_token: "mfa-1", mfa_enrolment_required: false }),
      "POST /api/v1/auth/login/mfa": () => problem(401, "invalid_mfa_code", "Invalid code"),
    });
    renderApp("/login");
    const user = await fillCredentials();

    await user.click(await screen.findByRole("button", { name: "Use a recovery code" }));
    await user.type(screen.getByLabelText("Recovery code"), "abc123-def456");
    await user.click(screen.getByRole("button", { name: "Verify" }));

    expect(await screen.findByTestId("login-error")).toHaveTextContent("That code is not valid");
    const [mfa] = requestsTo(mock, "POST", "/api/v1/auth/login/mfa");
    expect(await mfa!.clone().json()).toEqual({ mfa_token: "mfa-1", recovery_code: "abc123-def456" });
  });

  it("says so when the password is wrong", async () => {
    fakeApi({
      "POST /api/v1/auth/refresh": () => problem(401, "invalid_token"),
      "POST /api/v1/auth/login": () => problem(401, "invalid_credentials", "Invalid email or password"),
    });
    renderApp("/login");
    await fillCredentials();
    expect(await screen.findByTestId("login-error")).toHaveTextContent("The email or password is not right.");
  });

  it("sends a visitor without a session from a private page to the login page", async () => {
    const mock = fakeApi({ "POST /api/v1/auth/refresh": () => problem(401, "invalid_token") });
    const { router } = renderApp("/admin/users?status=invited");
    await screen.findByRole("heading", { name: "Sign in" });
    expect(router.state.location.pathname).toBe("/login");
    expect(router.state.location.search).toBe(`?next=${encodeURIComponent("/admin/users?status=invited")}`);
    // This browser never signed in: no refresh that must fail.
    expect(requestsTo(mock, "POST", "/api/v1/auth/refresh")).toHaveLength(0);
  });

  it("once the refresh cookie is refused, the next page load asks no more; an unreachable server forgets nothing", async () => {
    document.cookie = "tenure_signed_in=1; Path=/";
    vi.stubGlobal("fetch", vi.fn(async () => Promise.reject(new TypeError("fetch failed"))));
    renderApp("/accounts");
    await screen.findByRole("heading", { name: "Sign in" });
    expect(mayResumeSession()).toBe(true);

    const mock = fakeApi({ "POST /api/v1/auth/refresh": () => problem(401, "invalid_token") });
    await refreshSession();
    expect(requestsTo(mock, "POST", "/api/v1/auth/refresh")).toHaveLength(1);
    expect(mayResumeSession()).toBe(false);
  });

  it("confines a user who must enrol in 2FA to the enrolment screen", async () => {
    document.cookie = "tenure_signed_in=1; Path=/";
    fakeApi({
      "POST /api/v1/auth/refresh": () => json({ status: "authenticated", access_token: "a", mfa_enrolment_required: true }),
      "GET /api/v1/me": () => json(meFixture({ mfa_enrolment_required: true, organisation_requires_mfa: true })),
    });
    const { router } = renderApp("/accounts");
    await screen.findByRole("heading", { name: "Set up two-factor authentication" });
    await waitFor(() => expect(router.state.location.pathname).toBe("/setup-2fa"));
  });
});
