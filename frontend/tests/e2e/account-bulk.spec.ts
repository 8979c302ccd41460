import { expect, test, type Page } from "@playwright/test";
import { readFileSync } from "node:fs";
import { DEMO, signInViaApi, unique } from "./demo";

test("an admin bulk-assigns two accounts to a CSM", async ({ page }) => {
  const login = await page.request.post("/api/v1/auth/login", { data: DEMO.admin });
  expect(login.status()).toBe(200);
  const token = (await login.json()).access_token as string;
  const id = unique();
  const names = [`Bulk ${id} A`, `Bulk ${id} B`];
  for (const [n, name] of names.entries()) {
    const created = await page.request.post("/api/v1/accounts", {
      headers: { Authorization: `Bearer ${token}` },
      data: { name, external_id: `bulk-${id}-${n}` },
    });
    expect(created.status(), await created.text()).toBe(201);
  }

  await signInViaApi(page, DEMO.admin);
  await page.goto("/accounts");
  await page.getByLabel("Search accounts").fill(`Bulk ${id}`);
  await expect(page.getByTestId("accounts-total")).toHaveText("2 accounts matching your search");
  await expect(page.getByTestId("account-row")).toHaveCount(2);

  await page.getByRole("checkbox", { name: `Select ${names[0]}` }).check();
  await page.getByRole("checkbox", { name: `Select ${names[1]}` }).check();
  await expect(page.getByTestId("selection-count")).toHaveText("2 accounts selected");
  await page.getByTestId("bulk-edit").click();

  const dialog = page.getByRole("dialog", { name: "Bulk edit 2 accounts" });
  await dialog.getByRole("combobox", { name: "Add CSMs" }).click();
  await page.getByRole("option", { name: "Sam Second" }).click();
  // Close the dropdown (it covers the buttons).
  await dialog.getByRole("heading", { name: "Bulk edit 2 accounts" }).click();
  await dialog.getByTestId("bulk-apply").click();
  await expect(dialog.getByTestId("bulk-result")).toHaveText("2 updated");
  await dialog.getByRole("button", { name: "Close" }).first().click();

  const rows = page.getByTestId("account-row");
  await expect(rows.nth(0)).toContainText("Sam Second");
  await expect(rows.nth(1)).toContainText("Sam Second");
});

async function createAccounts(page: Page, names: string[], prefix: string): Promise<string[]> {
  const login = await page.request.post("/api/v1/auth/login", { data: DEMO.admin });
  expect(login.status()).toBe(200);
  const token = (await login.json()).access_token as string;
  const ids: string[] = [];
  for (const [n, name] of names.entries()) {
    const created = await page.request.post("/api/v1/accounts", {
      headers: { Authorization: `Bearer ${token}` },
      data: { name, external_id: `${prefix}-${n}` },
    });
    expect(created.status(), await created.text()).toBe(201);
    ids.push((await created.json()).id as string);
  }
  return ids;
}

test("an admin exports the matching accounts as CSV, and saves and reopens a view", async ({ page }) => {
  const id = unique();
  const names = [`Export ${id} A`, `Export ${id} B`];
  await createAccounts(page, names, `exp-${id}`);
  await signInViaApi(page, DEMO.admin);
  await page.goto("/accounts?sort=external_id&desc=1");
  await page.getByLabel("Search accounts").fill(`Export ${id}`);
  await expect(page.getByTestId("accounts-total")).toHaveText("2 accounts matching your search");

  const download = page.waitForEvent("download");
  await page.getByTestId("export-csv").click();
  const file = await download;
  expect(file.suggestedFilename()).toBe("accounts.csv");
  const text = readFileSync(await file.path(), "utf8");
  const lines = text.trim().split(/\r?\n/);
  expect(lines).toHaveLength(3);
  expect(lines[1]).toContain(names[1]);
  expect(lines[2]).toContain(names[0]);

  // Save the sort as a view, go back to the default list, then open the view again.
  const viewName = `View ${id}`;
  await page.getByTestId("views-menu").click();
  await page.getByTestId("save-view").click();
  const dialog = page.getByRole("dialog", { name: "Save view" });
  await dialog.getByLabel("Name").fill(viewName);
  await dialog.getByRole("button", { name: "Save view" }).click();
  await expect(dialog).toHaveCount(0);

  await page.goto("/accounts");
  await expect(page).not.toHaveURL(/sort=/);
  await page.getByTestId("views-menu").click();
  await page.getByTestId("view-item").filter({ hasText: viewName }).click();
  await expect(page).toHaveURL(/sort=external_id/);
  await expect(page).toHaveURL(/desc=1/);

  await page.getByTestId("views-menu").click();
  await expect(page.getByTestId("view-item").filter({ hasText: viewName })).toHaveCount(1);
  await page.getByLabel(`Delete view ${viewName}`).click();
  await page.getByRole("dialog", { name: "Delete this view?" }).getByRole("button", { name: "Delete view" }).click();
  await expect(page.getByText("View deleted")).toBeVisible();
  await page.getByTestId("views-menu").click();
  await expect(page.getByRole("menu")).toBeVisible();
  await expect(page.getByTestId("view-item").filter({ hasText: viewName })).toHaveCount(0);
});

test("an admin logs an interaction and adds a ticket on an account", async ({ page }) => {
  const id = unique();
  const [accountId] = await createAccounts(page, [`Activity ${id}`], `act-${id}`);
  await signInViaApi(page, DEMO.admin);

  await page.goto(`/accounts/${accountId}?tab=interactions`);
  await page.getByTestId("log-interaction").click();
  const log = page.getByRole("dialog", { name: "Log interaction" });
  await log.getByLabel("Subject").fill(`Kickoff ${id}`);
  await log.getByLabel("Outcome").fill("Agreed next steps");
  await log.getByRole("button", { name: "Log interaction" }).click();
  await expect(log).toHaveCount(0);
  await expect(page.getByTestId("interaction-row")).toHaveCount(1);
  await expect(page.getByTestId("interaction-row")).toContainText(`Kickoff ${id}`);

  await page.getByRole("tab", { name: "Tickets" }).click();
  await page.getByTestId("new-ticket").click();
  const ticket = page.getByRole("dialog", { name: "New ticket" });
  await ticket.getByLabel("Subject").fill(`Login broken ${id}`);
  await ticket.getByRole("button", { name: "Add ticket" }).click();
  await expect(ticket).toHaveCount(0);
  await expect(page.getByTestId("ticket-row")).toHaveCount(1);
  await expect(page.getByTestId("ticket-row")).toContainText(`Login broken ${id}`);
});

test("an admin bulk-sets a renewal date", async ({ page }) => {
  const id = unique();
  const names = [`Renew ${id} A`, `Renew ${id} B`];
  await createAccounts(page, names, `ren-${id}`);
  await signInViaApi(page, DEMO.admin);
  await page.goto(`/accounts?q=${encodeURIComponent(`Renew ${id}`)}`);
  await expect(page.getByTestId("accounts-total")).toHaveText("2 accounts matching your search");

  await page.getByRole("checkbox", { name: `Select ${names[0]}` }).check();
  await page.getByRole("checkbox", { name: `Select ${names[1]}` }).check();
  await expect(page.getByTestId("selection-count")).toHaveText("2 accounts selected");
  await page.getByTestId("bulk-edit").click();
  const dialog = page.getByRole("dialog", { name: "Bulk edit 2 accounts" });
  await dialog.getByLabel("Renewal date", { exact: true }).fill("2031-05-20");
  await dialog.getByTestId("bulk-apply").click();
  await expect(dialog.getByTestId("bulk-result")).toHaveText("2 updated");
  await dialog.getByRole("button", { name: "Close" }).first().click();

  const rows = page.getByTestId("account-row");
  await expect(rows.nth(0).getByTestId("cell-renewal_on")).toContainText("2031");
  await expect(rows.nth(1).getByTestId("cell-renewal_on")).toContainText("2031");
});

test("an admin picks columns, saves them with a view and sees them after a reload", async ({ page }) => {
  const id = unique();
  await createAccounts(page, [`Columns ${id}`], `col-${id}`);
  await signInViaApi(page, DEMO.admin);
  await page.goto(`/accounts?q=${encodeURIComponent(`Columns ${id}`)}`);
  await expect(page.getByTestId("accounts-total")).toHaveText("1 account matching your search");
  await expect(page.getByRole("columnheader", { name: "External ID" })).toBeVisible();
  await expect(page.getByRole("columnheader", { name: "Domain" })).toHaveCount(0);

  // Swap External ID for Domain and Days to renewal, and move Domain first.
  await page.getByTestId("columns-menu").click();
  const picker = page.getByTestId("column-picker");
  await picker.getByRole("button", { name: "Remove column External ID" }).click();
  await picker.getByRole("combobox", { name: "Add column" }).click();
  await picker.getByRole("option", { name: "Domain", exact: true }).click();
  await picker.getByRole("combobox", { name: "Add column" }).click();
  await picker.getByRole("option", { name: "Days to renewal", exact: true }).click();
  // The twelve default columns, less External ID, plus two: Domain is twelfth.
  await expect(picker.getByTestId("picked-column")).toHaveCount(13);
  for (let i = 0; i < 11; i++) await picker.getByRole("button", { name: "Move Domain up" }).click();
  await expect(picker.getByTestId("picked-column").first()).toHaveText("Domain");
  // Close the picker (Escape would only close the Select's own dropdown).
  await page.getByTestId("columns-menu").click();
  await expect(picker).toBeHidden();
  const headers = page.getByRole("columnheader");
  await expect(page.getByRole("columnheader", { name: "Domain" })).toBeVisible();
  await expect(page.getByRole("columnheader", { name: "Days to renewal" })).toBeVisible();
  await expect(page.getByRole("columnheader", { name: "External ID" })).toHaveCount(0);

  const viewName = `Columns view ${id}`;
  await page.getByTestId("views-menu").click();
  await page.getByTestId("save-view").click();
  const dialog = page.getByRole("dialog", { name: "Save view" });
  await dialog.getByLabel("Name").fill(viewName);
  await dialog.getByRole("button", { name: "Save view" }).click();
  await expect(dialog).toHaveCount(0);
  await expect(page).toHaveURL(/view=/);
  await expect(page).not.toHaveURL(/cols=/);
  await expect(page.getByTestId("views-menu")).toHaveText(viewName);

  // The columns come from the saved view now: a reload shows them.
  await page.reload();
  await expect(page.getByTestId("views-menu")).toHaveText(viewName);
  await expect(page.getByRole("columnheader", { name: "Domain" })).toBeVisible();
  await expect(headers.filter({ hasText: /\S/ }).first()).toHaveText("Domain");
  await expect(page.getByRole("columnheader", { name: "Days to renewal" })).toBeVisible();
  await expect(page.getByRole("columnheader", { name: "External ID" })).toHaveCount(0);

  // Without the view, the default columns; opening it applies its columns again.
  await page.goto("/accounts");
  await expect(page.getByRole("columnheader", { name: "External ID" })).toBeVisible();
  await page.getByTestId("views-menu").click();
  await page.getByTestId("view-item").filter({ hasText: viewName }).click();
  await expect(page.getByRole("columnheader", { name: "Domain" })).toBeVisible();
  await expect(page.getByRole("columnheader", { name: "External ID" })).toHaveCount(0);
});

test("an admin renames a saved view", async ({ page }) => {
  const login = await page.request.post("/api/v1/auth/login", { data: DEMO.admin });
  expect(login.status()).toBe(200);
  const token = (await login.json()).access_token as string;
  const viewName = `Rename me ${unique()}`;
  const created = await page.request.post("/api/v1/account-views", {
    headers: { Authorization: `Bearer ${token}` },
    data: { name: viewName, columns: ["name", "domain"], sort: "name" },
  });
  expect(created.status(), await created.text()).toBe(201);
  const viewId = (await created.json()).id as string;

  await signInViaApi(page, DEMO.admin);
  await page.goto(`/accounts?view=${viewId}`);
  await expect(page.getByTestId("views-menu")).toHaveText(viewName);
  await expect(page.getByRole("columnheader", { name: "Domain" })).toBeVisible();

  const renamed = `${viewName} renamed`;
  await page.getByTestId("views-menu").click();
  await page.getByLabel(`Rename view ${viewName}`).click();
  const edit = page.getByRole("dialog", { name: "Edit view" });
  await edit.getByLabel("Name").fill(renamed);
  await edit.getByRole("button", { name: "Save" }).click();
  await expect(edit).toHaveCount(0);
  await expect(page.getByTestId("views-menu")).toHaveText(renamed);

  // Renamed, not changed: the API has the new name and the same columns.
  const view = (await (await page.request.get("/api/v1/account-views", { headers: { Authorization: `Bearer ${token}` } })).json()).find(
    (v: { id: string }) => v.id === viewId,
  );
  expect(view).toMatchObject({ name: renamed, columns: ["name", "domain"] });
});

function inDays(days: number): string {
  return new Date(Date.now() + days * 86_400_000).toISOString().slice(0, 10);
}

test("an admin adds a metric and a custom-field column, sorts by them and exports them", async ({ page }) => {
  test.setTimeout(60_000);
  const login = await page.request.post("/api/v1/auth/login", { data: DEMO.admin });
  expect(login.status()).toBe(200);
  const headers = { Authorization: `Bearer ${(await login.json()).access_token as string}` };
  const id = unique();
  const key = `budget_${id}`;
  const label = `Budget ${id}`;
  const metricLabel = `Weeks to renewal ${id}`;
  // A computed metric needs no refresh job (the worker shares Redis with other runs here).
  const metric = await page.request.post("/api/v1/computed-metrics", {
    headers,
    data: { key: `weeks_${id}`, label: metricLabel, formula: "days_to_renewal / 7" },
  });
  expect(metric.status(), await metric.text()).toBe(201);

  // The admin defines a money field on the settings page.
  await signInViaApi(page, DEMO.admin);
  await page.goto("/admin/account-settings");
  await page.getByTestId("custom-fields-card").getByRole("button", { name: "New field" }).click();
  const define = page.getByRole("dialog", { name: "New custom field" });
  await define.getByLabel("Key").fill(key);
  await define.getByLabel("Label").fill(label);
  await define.getByRole("combobox", { name: "Type" }).click();
  await page.getByRole("option", { name: "Number", exact: true }).click();
  await define.getByRole("combobox", { name: "Format" }).click();
  await page.getByRole("option", { name: "Money (base currency)" }).click();
  await define.getByRole("button", { name: "Add field" }).click();
  await expect(define).toHaveCount(0);
  const row = page.getByTestId("custom-field-row").filter({ hasText: key });
  await expect(row.getByTestId("custom-field-format-label")).toHaveText("Money (base currency)");

  // A: budget 900, renews in 2 weeks; B: 15,000 and 1 week; C: neither.
  const accounts = [
    { name: `Cols ${id} A`, budget: 900, renewal: inDays(14) },
    { name: `Cols ${id} B`, budget: 15000, renewal: inDays(7) },
    { name: `Cols ${id} C`, budget: null, renewal: null },
  ];
  for (const [n, account] of accounts.entries()) {
    const created = await page.request.post("/api/v1/accounts", {
      headers,
      data: {
        name: account.name,
        external_id: `cols-${id}-${n}`,
        renewal_on: account.renewal,
        custom_values: account.budget === null ? {} : { [key]: account.budget },
      },
    });
    expect(created.status(), await created.text()).toBe(201);
  }
  const [a, b, c] = accounts.map((account) => account.name);

  await page.goto(`/accounts?q=${encodeURIComponent(`Cols ${id}`)}`);
  await expect(page.getByTestId("accounts-total")).toHaveText("3 accounts matching your search");
  await page.getByTestId("columns-menu").click();
  const picker = page.getByTestId("column-picker");
  await picker.getByRole("combobox", { name: "Add column" }).click();
  await picker.getByRole("option", { name: metricLabel, exact: true }).click();
  await picker.getByRole("combobox", { name: "Add column" }).click();
  await picker.getByRole("option", { name: label, exact: true }).click();
  await page.getByTestId("columns-menu").click();
  await expect(picker).toBeHidden();

  const rows = page.getByTestId("account-row");
  const names = () => rows.getByTestId("account-name").allInnerTexts();
  await expect(rows.nth(0).getByTestId(`cell-metric.weeks_${id}`)).toHaveText("2");
  await expect(rows.nth(1).getByTestId(`cell-metric.weeks_${id}`)).toHaveText("1");
  await expect(rows.nth(2).getByTestId(`cell-metric.weeks_${id}`)).toHaveText("—");
  await expect(rows.nth(0).getByTestId(`cell-custom.${key}`)).toHaveText("$900.00");
  await expect(rows.nth(1).getByTestId(`cell-custom.${key}`)).toHaveText("$15,000.00");
  await expect(rows.nth(2).getByTestId(`cell-custom.${key}`)).toHaveText("—");

  // By budget: numerically, no budget last either way.
  await page.getByTestId(`sort-custom.${key}`).click();
  await expect(page).toHaveURL(new RegExp(`sort=custom.${key}`));
  await expect.poll(names).toEqual([a, b, c]);
  await page.getByTestId(`sort-custom.${key}`).click();
  await expect(page).toHaveURL(/desc=1/);
  await expect.poll(names).toEqual([b, a, c]);
  // By the metric, soonest renewal first.
  await page.getByTestId(`sort-metric.weeks_${id}`).click();
  await expect(page).toHaveURL(new RegExp(`sort=metric.weeks_${id}`));
  await expect.poll(names).toEqual([b, a, c]);

  const download = page.waitForEvent("download");
  await page.getByTestId("export-csv").click();
  const lines = readFileSync(await (await download).path(), "utf8").trim().split(/\r?\n/);
  expect(lines[0]).toContain(`${metricLabel},${label}`);
  expect(lines.slice(1).map((line) => line.split(",")[0])).toEqual([b, a, c]);
  expect(lines[1]).toMatch(/,1,15000$/);
  expect(lines[2]).toMatch(/,2,900$/);
  expect(lines[3]).toMatch(/,,$/);

  // The account page shows the field in its format too.
  await page.getByTestId("account-name").filter({ hasText: a }).click();
  await expect(page.getByTestId(`custom-${key}`)).toHaveText("$900.00");
});

test("a saved view keeps the Active/Churned/All choice", async ({ page }) => {
  const id = unique();
  await signInViaApi(page, DEMO.admin);
  await page.goto("/accounts");
  // The list first, then the choice, as a user would: on a slow machine a choice made while the page
  // was still loading did not reach the URL.
  await expect(page.getByTestId("accounts-total")).toBeVisible();
  await page.getByTestId("segment").getByText("Churned", { exact: true }).click();
  await expect(page).toHaveURL(/segment=churned/);
  await expect(page.getByTestId("accounts-total")).toContainText("churned account");
  const viewName = `Churned view ${id}`;
  await page.getByTestId("views-menu").click();
  await page.getByTestId("save-view").click();
  const dialog = page.getByRole("dialog", { name: "Save view" });
  await dialog.getByLabel("Name").fill(viewName);
  await dialog.getByRole("button", { name: "Save view" }).click();
  await expect(dialog).toHaveCount(0);

  await page.goto("/accounts");
  await expect(page).not.toHaveURL(/segment=/);
  await page.getByTestId("views-menu").click();
  await page.getByTestId("view-item").filter({ hasText: viewName }).click();
  await expect(page).toHaveURL(/segment=churned/);
  await expect(page.getByTestId("accounts-total")).toContainText("churned account");
});

test("an admin bulk-marks accounts churned, then reactivates them from the churned list", async ({ page }) => {
  const id = unique();
  const names = [`Lost ${id} A`, `Lost ${id} B`];
  await createAccounts(page, names, `lost-${id}`);
  await signInViaApi(page, DEMO.admin);
  await page.goto(`/accounts?q=${encodeURIComponent(`Lost ${id}`)}`);
  await expect(page.getByTestId("accounts-total")).toHaveText("2 accounts matching your search");

  await page.getByRole("checkbox", { name: `Select ${names[0]}` }).check();
  await page.getByRole("checkbox", { name: `Select ${names[1]}` }).check();
  await page.getByTestId("bulk-edit").click();
  const dialog = page.getByRole("dialog", { name: "Bulk edit 2 accounts" });
  await dialog.getByRole("combobox", { name: "Churn status" }).click();
  await page.getByRole("option", { name: "Mark churned" }).click();
  // A churn needs its reason before it can be applied.
  await expect(dialog.getByTestId("bulk-apply")).toBeDisabled();
  await dialog.getByLabel("Churn reason").fill("Budget cuts");
  await dialog.getByTestId("bulk-apply").click();
  await expect(dialog.getByTestId("bulk-result")).toHaveText("2 updated");
  await dialog.getByRole("button", { name: "Close" }).first().click();

  // They left the active book and are listed under Churned.
  await expect(page.getByText("No accounts match")).toBeVisible();
  await page.getByTestId("segment").getByText("Churned", { exact: true }).click();
  await expect(page.getByTestId("account-name")).toHaveText([names[0]!, names[1]!]);

  await page.getByRole("checkbox", { name: `Select ${names[0]}` }).check();
  await page.getByRole("checkbox", { name: `Select ${names[1]}` }).check();
  await page.getByTestId("bulk-edit").click();
  await dialog.getByRole("combobox", { name: "Churn status" }).click();
  await page.getByRole("option", { name: "Reactivate" }).click();
  await dialog.getByTestId("bulk-apply").click();
  await expect(dialog.getByTestId("bulk-result")).toHaveText("2 updated");
  await dialog.getByRole("button", { name: "Close" }).first().click();
  await expect(page.getByText("No accounts match")).toBeVisible();

  // The churn and the reactivation are on the account's timeline, as for a single change.
  await page.getByTestId("segment").getByText("Active", { exact: true }).click();
  await page.getByTestId("account-name").filter({ hasText: names[0]! }).click();
  await page.getByRole("tab", { name: "Timeline" }).click();
  await expect(page.getByTestId("timeline")).toContainText("Budget cuts");
});
