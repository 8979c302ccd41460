import { expect, test } from "@playwright/test";
import { DEMO, signInViaApi } from "./demo";

test("the profile page offers 2FA enrolment with a QR code", async ({ page }) => {
  await signInViaApi(page, DEMO.admin);
  await page.goto("/accounts");
  await page.getByTestId("user-menu").click();
  await page.getByRole("menuitem", { name: "Profile" }).click();
  await expect(page).toHaveURL(/\/profile$/);
  await expect(page.getByLabel("Current password")).toBeVisible();
  await expect(page.getByTestId("mfa-status")).toHaveText("Off");

  // Start enrolment, but do not confirm it: the demo admin keeps signing in without 2FA.
  await page.getByRole("button", { name: "Set up two-factor authentication" }).click();
  await expect(page.getByRole("img", { name: /QR code/ })).toBeVisible();
  await expect(page.getByTestId("mfa-secret")).toHaveText(/^[A-Z2-7 ]{16,}$/);
  await expect(page.getByLabel("Authentication code")).toBeVisible();
  await expect(page.getByRole("button", { name: "Verify and turn on" })).toBeVisible();
});

test("signed-out pages: forgot password", async ({ page }) => {
  await page.goto("/login");
  await page.getByRole("link", { name: "Forgot password?" }).click();
  await page.getByLabel("Email").fill("nobody@example.com");
  await page.getByRole("button", { name: "Send reset link" }).click();
  await expect(page.getByTestId("reset-requested")).toBeVisible();
});
