import { expect, test } from "@playwright/test";
import { DEMO, unique } from "./demo";

// The demo's manager signs in without 2FA: they are the one a task is given to.
const MANAGER = { email: "manager@demo.example.com", password: "tenure-demo-manager" };

test("a task given to someone rings their bell; opening it leads to the task and the count drops", async ({ page, request }) => {
  const admin = await request.post("/api/v1/auth/login", { data: DEMO.admin });
  expect(admin.status(), await admin.text()).toBe(200);
  const asAdmin = { Authorization: `Bearer ${(await admin.json()).access_token}` };
  const users = await request.get("/api/v1/users", { headers: asAdmin });
  const manager = ((await users.json()) as { id: string; email: string }[]).find((u) => u.email === MANAGER.email)!;

  // The manager starts with nothing unread.
  const own = await request.post("/api/v1/auth/login", { data: MANAGER });
  const asManager = { Authorization: `Bearer ${(await own.json()).access_token}` };
  expect((await request.post("/api/v1/notifications/read-all", { headers: asManager })).status()).toBe(200);

  const id = unique();
  const account = await request.post("/api/v1/accounts", {
    data: { name: `Bell ${id}`, external_id: `bell-${id}`, csm_ids: [manager.id] },
    headers: asAdmin,
  });
  expect(account.status(), await account.text()).toBe(201);
  const accountId = (await account.json()).id as string;
  const task = await request.post("/api/v1/tasks", {
    data: { account_id: accountId, title: `Renewal call ${id}`, owner_id: manager.id, due_on: "2030-01-15" },
    headers: asAdmin,
  });
  expect(task.status(), await task.text()).toBe(201);
  const taskId = (await task.json()).id as string;

  await page.goto("/login");
  await page.getByLabel("Email").fill(MANAGER.email);
  await page.getByLabel("Password", { exact: true }).fill(MANAGER.password);
  await page.getByRole("button", { name: "Sign in" }).click();

  const bell = page.getByTestId("notification-bell");
  await expect(bell).toHaveAttribute("aria-label", "Notifications, 1 unread");
  await expect(page.getByTestId("notification-count")).toContainText("1");

  await bell.click();
  const item = page.getByTestId("notification-panel").getByTestId("notification-item").filter({ hasText: `New task: Renewal call ${id}` });
  await expect(item).toHaveAttribute("data-unread", "true");
  await expect(item).toContainText(`On Bell ${id}, due Jan 15, 2030`);
  await item.click();

  await expect(page).toHaveURL(new RegExp(`/accounts/${accountId}\\?task=${taskId}$`));
  const marked = page.getByTestId("task-row").filter({ hasText: `Renewal call ${id}` });
  await expect(marked).toHaveAttribute("data-marked", "true");
  // Far down the account's page, it is brought into view.
  await expect(marked).toBeInViewport();
  await expect(bell).toHaveAttribute("aria-label", "Notifications");

  // Read now: the panel lists it as read, and "mark all read" has nothing left to do.
  await bell.click();
  await expect(item).toHaveAttribute("data-unread", "false");
  await expect(page.getByTestId("notification-panel").getByRole("button", { name: "Mark all read" })).toBeDisabled();
});
