import { expect, test } from "@playwright/test";
import { DEMO, signInViaApi } from "./demo";

test("an admin opens Data freshness and sees when each stage last completed", async ({ page }) => {
  // The demo's worker brings the loaded accounts up to date within seconds; allow it ~30 s.
  test.setTimeout(60_000);
  await signInViaApi(page, DEMO.admin);
  await page.goto("/accounts");
  await page.getByRole("link", { name: "Data freshness" }).click();
  await expect(page).toHaveURL(/\/admin\/freshness/);
  await expect(page.getByRole("heading", { name: "Data freshness" })).toBeVisible();

  // The page asks again every 5 seconds: the stages table (or, before any, "up to date") appears.
  const stagesOrUpToDate = page.getByTestId("freshness-stages").or(page.getByTestId("freshness-up-to-date"));
  await expect(stagesOrUpToDate.first()).toBeVisible({ timeout: 30_000 });
  const stages = page.getByTestId("freshness-stages");
  if (await stages.isVisible()) {
    await expect(stages.getByRole("row").nth(1)).toContainText(/ago|just now/);
  }
});
