import { expect, test, type Page } from "@playwright/test";
import { DEMO, unique } from "./demo";

// Creates an account and an alert rule in the demo organisation: in the "workspace" project,
// after the specs that count the demo organisation's accounts.

async function signIn(page: Page): Promise<string> {
  const response = await page.request.post("/api/v1/auth/login", { data: DEMO.admin });
  expect(response.status(), await response.text()).toBe(200);
  return (await response.json()).access_token as string;
}

test("an admin creates a rule, previews it, runs it and dismisses the alert on the account page", async ({ page }) => {
  const token = await signIn(page);
  const id = unique();
  const name = `Alerted ${id}`;
  const created = await page.request.post("/api/v1/accounts", {
    data: { name, external_id: `alerted-${id}` },
    headers: { Authorization: `Bearer ${token}` },
  });
  expect(created.status(), await created.text()).toBe(201);

  await page.goto("/admin/alert-rules");
  await expect(page.getByRole("heading", { name: "Alert rules", exact: true })).toBeVisible();
  await page.getByTestId("alert-rule-new").click();
  await page.getByTestId("alert-rule-name").fill(`Rule ${id}`);
  await page.getByLabel("Reason shown to CSMs").fill("Named for the test");
  await page.getByRole("button", { name: "Add condition" }).click();
  const row = page.getByTestId("filter-row");
  await row.getByRole("combobox", { name: "Field" }).click();
  await page.getByRole("option", { name: "Name", exact: true }).click();
  await row.getByRole("combobox", { name: "Operator" }).click();
  await page.getByRole("option", { name: "starts with", exact: true }).click();
  await row.getByRole("textbox", { name: "Value for Name" }).fill(name);
  await expect(page.getByTestId("alert-rule-preview")).toContainText("Matches 1 of your accounts now; 1 would fire");
  await page.getByTestId("alert-rule-save").click();

  const rule = page.getByTestId("alert-rule-row").filter({ hasText: `Rule ${id}` });
  await expect(rule).toContainText("Never");
  await expect(rule.getByTestId("alert-rule-condition")).toHaveText(`When Name starts with “${name}”`);
  await rule.getByLabel("Run now").click();
  // Run now asks first, saying how many accounts the rule would fire for.
  const confirmRun = page.getByRole("dialog");
  await expect(confirmRun.getByTestId("alert-rule-run-preview")).toContainText("would fire for");
  await confirmRun.getByRole("button", { name: "Run now" }).click();
  await expect(confirmRun).toBeHidden();

  // A worker evaluates the rule; the alert reaches the inbox.
  await page.goto("/alerts");
  const alert = page.getByTestId("alert-row").filter({ hasText: name });
  await expect(async () => {
    await page.reload();
    await expect(alert).toBeVisible({ timeout: 2_000 });
  }).toPass({ timeout: 30_000 });
  await expect(alert).toContainText("Named for the test");
  await expect(alert).toContainText(`Name: ${name}`);

  // The account page shows the open alert and why the rule holds back now; dismissed there,
  // the alert leaves the inbox and both events stay in the account's timeline.
  const accountId = (await created.json()).id as string;
  await page.goto(`/accounts/${accountId}?tab=alerts`);
  const open = page.getByTestId("account-alert").filter({ hasText: `Rule ${id}` });
  await expect(open).toContainText("Named for the test");
  await expect(open).toContainText(`Name: ${name}`);
  const verdict = page.getByTestId("account-alert-verdict").filter({ hasText: `Rule ${id}` });
  await expect(verdict).toContainText("An alert of the rule is still open");
  await open.getByLabel("Dismiss").click();
  await expect(open).toHaveCount(0);
  // The rule's default retrigger delay: 7 days from when it fired.
  await expect(verdict).toContainText("Within the retrigger delay (may alert from");

  await page.goto(`/accounts/${accountId}?tab=timeline`);
  const items = page.getByTestId("timeline-item");
  await expect(items.filter({ hasText: `Alert dismissed: Rule ${id}` })).toHaveCount(1);
  await expect(items.filter({ hasText: `Alert: Rule ${id}` })).toContainText("Named for the test");

  await page.goto("/alerts");
  await expect(page.getByTestId("alert-row").filter({ hasText: name })).toHaveCount(0);

  await page.goto("/admin/alert-rules");
  await expect(rule.getByRole("cell").nth(3)).toHaveText("1");
});
