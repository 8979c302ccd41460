import { expect, test } from "@playwright/test";
import { DEMO } from "./demo";

// The demo organisation keeps 30 days of snapshots: too few to train on, which the page says,
// and a "Train now" run is kept in the history with the reason it refused.

test("an admin asks for a churn model and sees why the history is too short", async ({ page }) => {
  const login = await page.request.post("/api/v1/auth/login", { data: DEMO.admin });
  expect(login.status(), await login.text()).toBe(200);

  await page.goto("/admin/health");
  const card = page.getByTestId("churn-model");
  await expect(card.getByRole("heading", { name: "Predictive churn" })).toBeVisible();
  await expect(card.getByTestId("churn-missing")).toContainText("Training needs at least 60 days of metric snapshots");

  await card.getByTestId("churn-train").click();
  await expect(page.getByText("Training queued")).toBeVisible();
  // The worker records the refused run.
  await expect(async () => {
    await page.reload();
    await expect(page.getByTestId("churn-refused")).toContainText("refused: Training needs at least", { timeout: 2_000 });
  }).toPass({ timeout: 30_000 });
});
