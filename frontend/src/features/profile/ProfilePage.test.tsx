import { screen, waitFor, within } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { resetSessionForTests, startSession } from "../../api/session";
import { fakeApi, json } from "../../test/fakeApi";
import { meFixture, renderApp } from "../../test/render";

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
