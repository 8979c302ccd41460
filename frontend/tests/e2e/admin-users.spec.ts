import { expect, test } from "@playwright/test";
import { DEMO, signInViaApi, unique } from "./demo";

test("an admin invites a user and sees them under Pending", async ({ page }) => {
  await signInViaApi(page, DEMO.admin);
  await page.goto("/accounts");
  await page.getByRole("link", { name: "Users" }).click();
  await expect(page).toHaveURL(/\/admin\/users/);
  await expect(page.getByTestId("user-row").first()).toBeVisible();

  const email = `invitee-${unique()}@example.com`;
  await page.getByRole("button", { name: "Invite user" }).click();
  const dialog = page.getByRole("dialog", { name: "Invite a user" });
  await dialog.getByLabel("Email").fill(email);
  await dialog.getByLabel("Full name").fill("Ivy Invitee");
  await dialog.getByRole("button", { name: "Send invitation" }).click();
  await expect(page.getByText("Invitation sent")).toBeVisible();

  await page.getByRole("tab", { name: "Pending" }).click();
  await expect(page).toHaveURL(/status=invited/);
  const row = page.getByTestId("user-row").filter({ hasText: email });
  await expect(row).toBeVisible();
  await expect(row).toContainText("CSM");

  // Resending asks first, then confirms it was done.
  await row.getByRole("button", { name: /Actions for/ }).click();
  await page.getByRole("menuitem", { name: "Resend invitation" }).click();
  await page.getByRole("dialog").getByRole("button", { name: "Resend" }).click();
  await expect(page.getByText(`A new invitation was sent to ${email}.`)).toBeVisible();
});

test("admin pages are listed in the navigation and open", async ({ page }) => {
  await signInViaApi(page, DEMO.admin);
  await page.goto("/admin/roles");
  await expect(page.getByRole("heading", { name: "Roles" })).toBeVisible();
  await expect(page.getByTestId("role-card").filter({ hasText: "Admin" }).first()).toContainText("Built-in");

  await page.getByRole("link", { name: "Organisation" }).click();
  await expect(page.getByLabel("Organisation name")).toHaveValue("Demo Co");
  await expect(page.getByText("Require two-factor authentication for everyone")).toBeVisible();

  await page.getByRole("link", { name: "Audit log" }).click();
  await expect(page.getByTestId("audit-total")).toHaveText(/entr(y|ies)/);
});
