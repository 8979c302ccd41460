import { expect, test } from "@playwright/test";
import { DEMO, signInViaApi, unique } from "./demo";

test("an admin dry-runs then imports a CSV, watching the progress bar, and finds a new account", async ({ page }) => {
  await signInViaApi(page, DEMO.admin);
  await page.goto("/accounts");
  await page.getByRole("link", { name: "Import CSV" }).click();
  await expect(page).toHaveURL(/\/accounts\/import$/);
  await expect(page.getByRole("heading", { name: "Import accounts" })).toBeVisible();

  const id = unique();
  const names = [1, 2, 3].map((n) => `Imported ${id} ${n}`);
  const csv = ["external_id,name,tier", ...names.map((name, n) => `imp-${id}-${n + 1},${name},Tier ${n + 1}`)].join("\n");

  // The template's fields are loaded before a file can be chosen.
  const fileInput = page.locator('input[type="file"]');
  await expect(page.getByTestId("import-file")).toBeEnabled();

  // A file with a row the import would refuse: its dry run says nothing would be imported.
  const refused = csv.replace("Tier 3", "Tier 9");
  await fileInput.setInputFiles({ name: `refused-${id}.csv`, mimeType: "text/csv", buffer: Buffer.from(refused) });
  await page.getByTestId("import-submit").click();
  await expect(page.getByTestId("import-status")).toHaveText("errors found");
  await expect(page.getByTestId("import-counts")).toContainText("Nothing would be imported");
  // Its counts leave out the refused row: "then it would create 2" was not what the fixed file does.
  await expect(page.getByTestId("import-counts")).not.toContainText("would create");
  await expect(page.getByTestId("import-errors")).toContainText("Tier 9");
  // The recent imports say so too, not "succeeded 2 / 0 / 1".
  const refusedRow = page.getByTestId("import-row").filter({ hasText: `refused-${id}.csv` });
  await expect(refusedRow.getByTestId("import-row-status")).toHaveText("errors found");
  await expect(refusedRow.getByTestId("import-row-counts")).toHaveText("— / — / 1");

  await fileInput.setInputFiles({ name: `accounts-${id}.csv`, mimeType: "text/csv", buffer: Buffer.from(csv) });

  // Columns named as fields are mapped already, each shown by its label and key.
  const mapping = page.getByTestId("import-mapping");
  await expect(mapping.getByRole("combobox", { name: "Field for external_id" })).toHaveValue("External id · external_id");
  await expect(mapping.getByRole("combobox", { name: "Field for name" })).toHaveValue("Name · name");
  await expect(mapping.getByRole("combobox", { name: "Field for tier" })).toHaveValue("Tier · tier");

  // A dry run first: nothing written, no errors.
  await page.getByTestId("import-submit").click();
  const progress = page.getByTestId("import-progress");
  await expect(progress).toBeVisible();
  await expect(page.getByTestId("import-status")).toHaveText("succeeded");
  await expect(progress).toHaveAttribute("data-value", "100");
  await expect(page.getByTestId("import-rows")).toHaveText("3 of 3 rows processed");
  await expect(page.getByTestId("import-counts")).toHaveText("Would create 3, would update 0, 0 errors");
  await expect(page.getByTestId("import-errors")).toHaveCount(0);

  // Then the real import.
  await page.getByTestId("import-mode").getByText("Import", { exact: true }).click();
  await page.getByTestId("import-submit").click();
  await expect(page.getByTestId("import-counts")).toHaveText("Created 3, updated 0, 0 errors");
  await expect(page.getByTestId("import-status")).toHaveText("succeeded");
  await expect(progress).toHaveAttribute("data-value", "100");
  await expect(page.getByTestId("recent-imports").getByTestId("import-row").first()).toContainText(`accounts-${id}.csv`);

  // The new accounts are in the explorer.
  await page.getByRole("link", { name: "Accounts" }).first().click();
  await page.getByLabel("Search accounts").fill(names[1]!);
  await expect(page.getByTestId("accounts-total")).toHaveText("1 account matching your search");
  await expect(page.getByTestId("account-name")).toHaveText([names[1]!]);
  await expect(page.getByTestId("account-tier")).toHaveText(["Tier 2"]);
});
