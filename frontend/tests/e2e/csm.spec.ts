import { expect, test, type Page } from "@playwright/test";
import { DEMO, freshTotp } from "./demo";

async function accountNames(page: Page): Promise<string[]> {
  return page.getByTestId("account-name").allInnerTexts();
}

test("a CSM signs in with 2FA, sorts and searches their accounts, and signs out", async ({ page }) => {
  await page.goto("/accounts");
  // Not signed in: sent to the login page, which remembers where we were going.
  await expect(page).toHaveURL(/\/login\?next=%2Faccounts/);

  await page.getByLabel("Email").fill(DEMO.csm.email);
  await page.getByLabel("Password", { exact: true }).fill(DEMO.csm.password);
  await page.getByRole("button", { name: "Sign in" }).click();

  const code = page.getByLabel("Authentication code");
  await expect(code).toBeVisible();
  await code.fill(await freshTotp(DEMO.csm.totpSecret));
  await page.getByRole("button", { name: "Verify" }).click();

  await expect(page).toHaveURL(/\/accounts$/);
  await expect(page.getByRole("heading", { name: "Accounts" })).toBeVisible();
  await expect(page.getByTestId("accounts-total")).toHaveText(/^\d+ accounts?$/);
  await expect(page.getByTestId("account-row").first()).toBeVisible();
  // A CSM sees only their own accounts, and has no admin pages.
  await expect(page.getByRole("link", { name: "Users" })).toHaveCount(0);

  const nameHeader = page.getByRole("columnheader", { name: "Name" });
  await expect(nameHeader).toHaveAttribute("aria-sort", "ascending");
  const ascending = await accountNames(page);
  expect(ascending.length).toBeGreaterThan(1);

  // Sort by name, descending.
  await page.getByTestId("sort-name").click();
  await expect(page).toHaveURL(/desc=1/);
  await expect(nameHeader).toHaveAttribute("aria-sort", "descending");
  await expect(page.getByTestId("account-name").first()).not.toHaveText(ascending[0]!);
  const descending = await accountNames(page);
  expect(descending[0]!.localeCompare(descending[descending.length - 1]!)).toBeGreaterThanOrEqual(0);

  // And back.
  await page.getByTestId("sort-name").click();
  await expect(page).not.toHaveURL(/desc=1/);
  await expect(nameHeader).toHaveAttribute("aria-sort", "ascending");
  await expect(page.getByTestId("account-name").first()).toHaveText(ascending[0]!);

  // Search, debounced, kept in the URL.
  await page.getByLabel("Search accounts").fill("acme");
  await expect(page).toHaveURL(/q=acme/);
  await expect(page.getByTestId("account-name").filter({ hasText: /^Acme Corp$/ })).toBeVisible();
  await expect(page.getByTestId("accounts-total")).toHaveText(/matching your search/);

  // Sign out: back to the login page, and the session is really over.
  await page.getByTestId("user-menu").click();
  await page.getByRole("menuitem", { name: "Sign out" }).click();
  await expect(page).toHaveURL(/\/login$/);
  await expect(page.getByRole("heading", { name: "Sign in" })).toBeVisible();
  await page.goto("/accounts");
  await expect(page).toHaveURL(/\/login\?next=/);
});

test("a wrong 2FA code is refused with a clear message", async ({ page }) => {
  await page.goto("/login");
  await page.getByLabel("Email").fill(DEMO.csm.email);
  await page.getByLabel("Password", { exact: true }).fill(DEMO.csm.password);
  await page.getByRole("button", { name: "Sign in" }).click();
  await page.getByLabel("Authentication code").fill("000000");
  await page.getByRole("button", { name: "Verify" }).click();
  await expect(page.getByTestId("login-error")).toContainText("not valid");
  // The recovery-code route is offered too.
  await page.getByRole("button", { name: "Use a recovery code" }).click();
  await expect(page.getByLabel("Recovery code")).toBeVisible();
});
