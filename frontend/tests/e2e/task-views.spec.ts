import { expect, test, type Page } from "@playwright/test";
import { DEMO, unique } from "./demo";

// Creates an account and tasks in the demo organisation: in the "workspace" project, after the
// specs that count the demo organisation's accounts.

async function signIn(page: Page): Promise<string> {
  const response = await page.request.post("/api/v1/auth/login", { data: DEMO.admin });
  expect(response.status(), await response.text()).toBe(200);
  return (await response.json()).access_token as string;
}

function inDays(days: number): string {
  const day = new Date();
  day.setDate(day.getDate() + days);
  return day.toISOString().slice(0, 10);
}

test("a saved task view groups by due date, opens as the default, and tasks reach the timeline", async ({ page }) => {
  const token = await signIn(page);
  const auth = { Authorization: `Bearer ${token}` };
  const id = unique();
  const tag = `qbr-${id}`;
  const account = await page.request.post("/api/v1/accounts", { data: { name: `Grouped ${id}`, external_id: `grouped-${id}` }, headers: auth });
  expect(account.status(), await account.text()).toBe(201);
  const accountId = (await account.json()).id as string;
  const tasks: Record<string, string> = {};
  for (const [title, due] of [
    ["Late call", inDays(-3)],
    ["Older call", inDays(-10)],
    ["Someday", null],
  ] as const) {
    const created = await page.request.post("/api/v1/tasks", {
      data: { account_id: accountId, title: `${title} ${id}`, due_on: due, tags: [tag] },
      headers: auth,
    });
    expect(created.status(), await created.text()).toBe(201);
    tasks[title] = (await created.json()).id;
  }

  // Filter by the tag, group by due date: two overdue, one without a date.
  await page.goto("/tasks");
  await page.getByTestId("tasks-tab").getByText("All").click();
  await page.getByTestId("tasks-tags").fill(tag);
  await page.getByTestId("tasks-tags").press("Enter");
  await page.getByTestId("tasks-group-by").click();
  await page.getByRole("option", { name: "Group by due date", exact: true }).click();
  const groups = page.getByTestId("task-group");
  await expect(groups).toHaveCount(2);
  await expect(groups.nth(0).getByTestId("task-group-header")).toContainText("Overdue");
  await expect(groups.nth(0).getByTestId("task-group-count")).toHaveText("2");
  await expect(groups.nth(1).getByTestId("task-group-header")).toContainText("No due date");
  await expect(groups.nth(1).getByTestId("task-row")).toContainText(`Someday ${id}`);

  // Collapse a group, and open it again.
  await groups.nth(0).getByTestId("task-group-header").click();
  await expect(groups.nth(0).getByTestId("task-row")).toHaveCount(0);
  await groups.nth(0).getByTestId("task-group-header").click();
  await expect(groups.nth(0).getByTestId("task-row")).toHaveCount(2);

  // Save it and make it the default: the page opens with it.
  await page.getByTestId("task-view-save").click();
  await page.getByTestId("task-view-name").fill(`QBRs ${id}`);
  await page.getByTestId("task-view-confirm").click();
  await expect(page.getByTestId("task-views")).toHaveText(`QBRs ${id}`);
  await page.getByTestId("task-view-default").click();
  await expect(page.getByTestId("task-view-undefault")).toBeVisible();
  await page.reload();
  await expect(page.getByTestId("task-views")).toHaveText(`QBRs ${id}`);
  await expect(page.getByTestId("task-group")).toHaveCount(2);
  await expect(page.getByTestId("task-group").nth(0).getByTestId("task-group-count")).toHaveText("2");

  // A built-in view, then the saved one from the picker, then delete it.
  await page.getByTestId("task-views").click();
  await page.getByRole("menuitem", { name: "My tasks", exact: true }).click();
  await expect(page.getByTestId("task-group")).toHaveCount(0);
  await page.getByTestId("task-views").click();
  await page.getByTestId("task-view-option").filter({ hasText: `QBRs ${id}` }).click();
  await expect(page.getByTestId("task-group")).toHaveCount(2);
  await page.getByTestId("task-view-delete").click();
  await page.getByRole("dialog", { name: "Delete this view?" }).getByRole("button", { name: "Delete view" }).click();
  await expect(page.getByTestId("task-views")).toHaveText("Views");
  const left = await page.request.get("/api/v1/task-views", { headers: auth });
  expect((await left.json()).map((v: { name: string }) => v.name)).not.toContain(`QBRs ${id}`);

  // Closed, a task shows in the account's timeline with its owner; a deleted one is gone.
  const closed = await page.request.post(`/api/v1/tasks/${tasks["Late call"]}/close`, { data: {}, headers: auth });
  expect(closed.status(), await closed.text()).toBe(200);
  const removed = await page.request.delete(`/api/v1/tasks/${tasks["Someday"]}`, { headers: auth });
  expect(removed.status()).toBe(204);
  await page.goto(`/accounts/${accountId}?tab=timeline`);
  const items = page.getByTestId("timeline-item");
  await expect(items.filter({ hasText: `Task closed: Late call ${id}` })).toContainText("Owner:");
  await expect(items.filter({ hasText: `Task: Older call ${id}` })).toBeVisible();
  await expect(items.filter({ hasText: `Someday ${id}` })).toHaveCount(0);
});
