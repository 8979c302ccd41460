import { screen, waitFor, within } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { getSessionStatus, resetSessionForTests, startSession } from "../../api/session";
import { fakeApi, json, problem, requestsTo, type Handler } from "../../test/fakeApi";
import { meFixture, renderApp } from "../../test/render";

const LOAD = { timeout: 5_000 };

function signedInApi(changePassword: Handler, routes: Record<string, Handler> = {}) {
  startSession("token");
  return fakeApi({
    "GET /api/v1/me": () => json(meFixture()),
    "POST /api/v1/me/password": changePassword,
    ...routes,
  });
}

async function changePassword(current: string) {
  const user = userEvent.setup({ delay: null });
  const form = (await screen.findByRole("button", { name: "Change password" }, LOAD)).closest("form")!;
  await user.type(within(form).getByLabelText("Current password"), current);
  await user.type(within(form).getByLabelText("New password"), "a-brand-new-password");
  await user.type(within(form).getByLabelText("Confirm new password"), "a-brand-new-password");
  await user.click(within(form).getByRole("button", { name: "Change password" }));
  return form;
}

describe("changing one's password", { timeout: 20_000 }, () => {
  beforeEach(() => resetSessionForTests());
  afterEach(() => vi.unstubAllGlobals());

  it("shows a wrong current password on its field and stays signed in", async () => {
    const mock = signedInApi(() => problem(403, "wrong_password", "The password is incorrect"));
    renderApp("/profile");

    const form = await changePassword("not-my-password");

    expect(await within(form).findByText("The password is incorrect")).toBeInTheDocument();
    expect(getSessionStatus()).toBe("signed-in");
    // Sent once: not replayed after a refresh, as a 401 would have been.
    expect(requestsTo(mock, "POST", "/api/v1/me/password")).toHaveLength(1);
    expect(requestsTo(mock, "POST", "/api/v1/auth/refresh")).toHaveLength(0);
  });

  it("says when too many wrong passwords were tried", async () => {
    signedInApi(() => problem(429, "login_throttled", "Too many wrong passwords or codes. Try again later.", {}, { "Retry-After": "600" }));
    renderApp("/profile");

    const form = await changePassword("guess");

    expect(await within(form).findByRole("alert")).toHaveTextContent("Too many wrong passwords or codes. Try again later.");
    expect(getSessionStatus()).toBe("signed-in");
  });
});

describe("turning two-factor off", { timeout: 20_000 }, () => {
  beforeEach(() => resetSessionForTests());
  afterEach(() => vi.unstubAllGlobals());

  it("shows a wrong code in the dialog and stays signed in", async () => {
    const mock = signedInApi(() => json(null), {
      "GET /api/v1/me": () => json(meFixture({ mfa_enabled: true })),
      "POST /api/v1/me/mfa/disable": () => problem(403, "invalid_mfa_code", "The authentication code is not valid"),
    });
    renderApp("/profile");
    const user = userEvent.setup({ delay: null });

    await user.click(await screen.findByRole("button", { name: "Turn off" }, LOAD));
    const dialog = await screen.findByRole("dialog", { name: "Turn off two-factor authentication?" });
    await user.type(within(dialog).getByLabelText("Password"), "correct-horse-battery");
    await user.type(within(dialog).getByLabelText("Authentication code"), "000000");
    await user.click(within(dialog).getByRole("button", { name: "Turn off" }));

    expect(await within(dialog).findByRole("alert")).toHaveTextContent("The authentication code is not valid");
    expect(getSessionStatus()).toBe("signed-in");
    expect(requestsTo(mock, "POST", "/api/v1/me/mfa/disable")).toHaveLength(1);
  });
});

describe("the profile's two-factor card", () => {
  beforeEach(() => resetSessionForTests());
  afterEach(() => vi.unstubAllGlobals());

  it("says On as soon as a code confirms the set-up, beside the recovery codes to save", async () => {
    startSession("token");
    let confirmed = false;
    fakeApi({
      "GET /api/v1/me": () => json(meFixture({ mfa_enabled: confirmed })),
      "POST /api/v1/me/mfa/enrolment": () => json({ secret: "JBSWY3DPEHPK3PXP", otpauth_uri: "otpauth://totp/Tenure:ada?secret=JBSWY3DPEHPK3PXP" }),
      "POST /api/v1/me/mfa/confirm": () => {
        confirmed = true;
        return json({ codes: ["aaaa-bbbb", "cccc-dddd"] });
      },
    });
    renderApp("/profile");
    const user = userEvent.setup();
    expect(await screen.findByTestId("mfa-status")).toHaveTextContent("Off");

    await user.click(screen.getByRole("button", { name: "Set up two-factor authentication" }));
    await user.type(await screen.findByLabelText("Authentication code"), "123456");
    await user.click(screen.getByRole("button", { name: "Verify and turn on" }));

    const codes = await screen.findByTestId("recovery-codes");
    expect(within(codes).getByText("Save your recovery codes now")).toBeInTheDocument();
    await waitFor(() => expect(screen.getByTestId("mfa-status")).toHaveTextContent("On"));
    // Still there to be saved.
    expect(screen.getByTestId("recovery-codes")).toBeInTheDocument();

    await user.click(within(codes).getByRole("button", { name: "I've saved these codes" }));
    expect(await screen.findByText(/Two-factor authentication is on\. If you lose your phone/)).toBeInTheDocument();
  });
});
