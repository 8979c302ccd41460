import { expect, test, type Page } from "@playwright/test";
import { DEMO, unique } from "./demo";

// Creates an account, a playbook and an alert rule that creates tasks in the demo organisation:
// in the "workspace" project, after the specs that count the demo organisation's accounts.

async function signIn(page: Page): Promise<string> {
  const response = await page.request.post("/api/v1/auth/login", { data: DEMO.admin });
  expect(response.status(), await response.text()).toBe(200);
  return (await response.json()).access_token as string;
}

test("a rule that creates tasks: its alert task reaches the inbox and is closed with an outcome", async ({ page }) => {
  const token = await signIn(page);
  const id = unique();
  const name = `Tasked ${id}`;
  const created = await page.request.post("/api/v1/accounts", {
    data: { name, external_id: `tasked-${id}` },
    headers: { Authorization: `Bearer ${token}` },
  });
  expect(created.status(), await created.text()).toBe(201);

  await page.goto("/admin/playbooks");
  await page.getByTestId("playbook-new").click();
  await page.getByTestId("playbook-name").fill(`Playbook ${id}`);
  await page.getByTestId("playbook-step").getByLabel("Title").fill("Call the sponsor");
  await page.getByTestId("playbook-save").click();
  await expect(page.getByTestId("playbooks-table")).toContainText(`Playbook ${id}`);

  await page.goto("/admin/alert-rules");
  await page.getByTestId("alert-rule-new").click();
  await page.getByTestId("alert-rule-name").fill(`Task rule ${id}`);
  await page.getByRole("button", { name: "Add condition" }).click();
  const row = page.getByTestId("filter-row");
  await row.getByRole("combobox", { name: "Field" }).click();
  await page.getByRole("option", { name: "Name", exact: true }).click();
  await row.getByRole("combobox", { name: "Operator" }).click();
  await page.getByRole("option", { name: "starts with", exact: true }).click();
  await row.getByRole("textbox", { name: "Value for Name" }).fill(name);
  await page.getByTestId("alert-rule-creates-task").check();
  await page.getByTestId("alert-rule-playbook").click();
  await page.getByRole("option", { name: `Playbook ${id}`, exact: true }).click();
  await page.getByTestId("alert-rule-save").click();
  await page.getByTestId("alert-rule-row").filter({ hasText: `Task rule ${id}` }).getByLabel("Run now").click();
  // Run now asks first, saying how many accounts the rule would fire for.
  const confirmRun = page.getByRole("dialog");
  await expect(confirmRun.getByTestId("alert-rule-run-preview")).toContainText("would fire for");
  await confirmRun.getByRole("button", { name: "Run now" }).click();
  await expect(confirmRun).toBeHidden();

  // A worker evaluates the rule; the alert task reaches the inbox.
  await page.goto("/alerts");
  const alert = page.getByTestId("alert-row").filter({ hasText: name });
  await expect(async () => {
    await page.reload();
    await expect(alert).toBeVisible({ timeout: 2_000 });
  }).toPass({ timeout: 30_000 });
  await expect(alert).toContainText("alert task");
  await alert.getByLabel("Close with outcome").click();
  await page.getByRole("menuitem", { name: "Successful", exact: true }).click();
  await expect(alert).toHaveCount(0);

  await page.getByTestId("alerts-status").getByText("Closed tasks").click();
  await expect(alert).toContainText("closed · Successful");

  // Its playbook step is a task of the account's, still open.
  await page.goto("/tasks");
  await page.getByTestId("tasks-tab").getByText("All").click();
  await expect(page.getByTestId("task-row").filter({ hasText: "Call the sponsor" }).filter({ hasText: name })).toBeVisible();
});
