import { expect, test } from "@playwright/test";
import { DEMO } from "./demo";

// The demo organisation loads a year of history and trains its churn model on it: the admin
// page shows what the model learnt, "Train now" queues another run, and an account's Health
// tab shows its probability with the metrics that drive it.

test("an admin sees the trained churn model and an account's drivers", async ({ page }) => {
  // Training fits a year of the demo's snapshots twice (the model and its backtest).
  test.setTimeout(120_000);
  const login = await page.request.post("/api/v1/auth/login", { data: DEMO.admin });
  expect(login.status(), await login.text()).toBe(200);
  const headers = { Authorization: `Bearer ${(await login.json()).access_token}` };
  const get = async (url: string) => {
    const response = await page.request.get(url, { headers });
    expect(response.status(), await response.text()).toBe(200);
    return response.json();
  };

  await page.goto("/admin/health");
  const card = page.getByTestId("churn-model");
  await expect(card.getByRole("heading", { name: "Predictive churn" })).toBeVisible();
  await expect(card.getByTestId("churn-features")).toBeVisible();
  await expect(card.getByTestId("churn-missing")).toHaveCount(0);

  const before = await get("/api/v1/churn/model");
  await card.getByTestId("churn-train").click();
  await expect(page.getByText("Training queued")).toBeVisible();
  // The worker records the new run.
  await expect(async () => {
    const after = await get("/api/v1/churn/model");
    expect(after.history.length).toBeGreaterThan(before.history.length);
  }).toPass({ timeout: 90_000 });

  const accounts = await get("/api/v1/accounts?q=Acme%20Corp&limit=1");
  const [account] = accounts.items;
  await page.goto(`/accounts/${account.id}?tab=health`);
  const churn = page.getByTestId("account-churn");
  await expect(churn.getByTestId("churn-probability")).toContainText("%");
  await expect(churn.getByTestId("churn-driver").first()).toBeVisible();
});
