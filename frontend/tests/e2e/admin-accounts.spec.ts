import { expect, test } from "@playwright/test";
import { DEMO, signInViaApi, unique } from "./demo";

test("an admin signs in and pages through the account list", async ({ page }) => {
  await page.goto("/login");
  await page.getByLabel("Email").fill(DEMO.admin.email);
  await page.getByLabel("Password", { exact: true }).fill(DEMO.admin.password);
  await page.getByRole("button", { name: "Sign in" }).click();

  // The admin role's landing page.
  await expect(page).toHaveURL(/\/accounts$/);
  const total = page.getByTestId("accounts-total");
  await expect(total).toHaveText(/^[\d,]+ accounts$/);
  const count = Number((await total.innerText()).replace(/\D/g, ""));
  expect(count).toBeGreaterThanOrEqual(120);

  const range = page.getByTestId("accounts-range");
  await expect(range).toHaveText(`Showing 1–25 of ${count.toLocaleString("en-US")}`);
  await expect(page.getByTestId("account-row")).toHaveCount(25);

  await page.getByRole("button", { name: "next page" }).click();
  await expect(page).toHaveURL(/page=2/);
  await expect(range).toHaveText(`Showing 26–50 of ${count.toLocaleString("en-US")}`);

  // A bigger page starts again from the first.
  await page.getByRole("combobox", { name: "Rows per page" }).click();
  await page.getByRole("option", { name: "50 per page" }).click();
  await expect(page).toHaveURL(/size=50/);
  await expect(page).not.toHaveURL(/page=2/);
  await expect(range).toHaveText(`Showing 1–50 of ${count.toLocaleString("en-US")}`);
  await expect(page.getByTestId("account-row")).toHaveCount(50);

  // The page is in the URL: a reload lands on the same view.
  await page.getByRole("button", { name: "next page" }).click();
  await expect(range).toHaveText(`Showing 51–100 of ${count.toLocaleString("en-US")}`);
  await page.reload();
  await expect(range).toHaveText(`Showing 51–100 of ${count.toLocaleString("en-US")}`);
});

test("an admin creates an account, finds it by search, deletes and restores it", async ({ page }) => {
  await signInViaApi(page, DEMO.admin);
  await page.goto("/accounts");
  const id = unique();
  const name = `Zenith Test ${id}`;

  await page.getByRole("button", { name: "New account" }).click();
  const dialog = page.getByRole("dialog", { name: "New account" });
  await dialog.getByLabel("Name").fill(name);
  await dialog.getByLabel("External ID").fill(`e2e-${id}`);
  await dialog.getByLabel("Domain").fill(`zenith-${id}.example`);
  await dialog.getByRole("button", { name: "Create account" }).click();

  // Created: straight to its page.
  await expect(page.getByTestId("account-title")).toHaveText(name);
  await expect(page.getByTestId("account-external-id")).toHaveText(`e2e-${id}`);

  await page.getByRole("link", { name: "Accounts" }).first().click();
  await page.getByLabel("Search accounts").fill(id);
  await expect(page.getByTestId("accounts-total")).toHaveText("1 account matching your search");
  await expect(page.getByTestId("account-name")).toHaveText([name]);

  // A duplicate external id is refused on the field.
  await page.getByRole("button", { name: "New account" }).click();
  const again = page.getByRole("dialog", { name: "New account" });
  await again.getByLabel("Name").fill(`${name} copy`);
  await again.getByLabel("External ID").fill(`e2e-${id}`);
  await again.getByRole("button", { name: "Create account" }).click();
  await expect(again.getByText(/already|exists|taken|use/i)).toBeVisible();
  await again.getByRole("button", { name: "Cancel" }).click();

  // Delete it, with a confirmation...
  await page.getByTestId("account-name").first().click();
  await page.getByRole("button", { name: "Delete" }).click();
  await page.getByRole("dialog").getByRole("button", { name: "Delete account" }).click();
  await expect(page).toHaveURL(/\/accounts(\?|$)/);

  // ...and restore it from the deleted accounts.
  await page.getByLabel("Search accounts").fill(id);
  await expect(page.getByText("No accounts match")).toBeVisible();
  await page.getByRole("switch", { name: "Show deleted" }).click();
  await expect(page.getByTestId("account-name")).toHaveText([name]);
  await page.getByRole("button", { name: "Restore" }).click();
  await expect(page.getByText("Account restored")).toBeVisible();
  await page.getByRole("switch", { name: "Show deleted" }).click();
  await expect(page.getByTestId("account-name")).toHaveText([name]);
});
