import { expect, test, type Page } from "@playwright/test";
import { DEMO, unique } from "./demo";

// Edits the demo organisation's default health model: in the "workspace" project, after the
// specs that count the demo organisation's accounts.

async function signIn(page: Page): Promise<string> {
  const response = await page.request.post("/api/v1/auth/login", { data: DEMO.admin });
  expect(response.status(), await response.text()).toBe(200);
  return (await response.json()).access_token as string;
}

test("an admin edits the health model, previews it, saves it and sees an account's breakdown", async ({ page }) => {
  const token = await signIn(page);
  const id = unique();
  const created = await page.request.post("/api/v1/accounts", {
    data: { name: `Health ${id}`, external_id: `health-${id}`, csm_score: 100 },
    headers: { Authorization: `Bearer ${token}` },
  });
  expect(created.status(), await created.text()).toBe(201);
  const account = await created.json();

  await page.goto("/admin/health");
  await expect(page.getByRole("heading", { name: "Health scores", exact: true })).toBeVisible();
  const row = page.getByTestId("health-model-row").filter({ hasText: "Every account no segment matches" });
  const version = Number((await row.getByText(/^v\d+$/).innerText()).slice(1));
  await row.getByLabel("Edit Default").click();

  // Keep the CSM score alone, scored 0 below 99 and 100 from 100: nearly every account drops.
  for (const name of ["Product usage", "Engagement", "Support"]) {
    await page.getByLabel(`Remove ${name}`).click();
  }
  const saved = page.getByTestId("preview-saved-good");
  await expect(saved).toBeVisible();
  const before = await saved.innerText();
  await page.getByLabel("0 at or below").fill("99");
  await expect(saved).not.toHaveText(before);

  await page.getByTestId("health-model-save").click();
  await expect(row.getByText(`v${version + 1}`, { exact: true })).toBeVisible();

  // The worker recomputes the scores; the account's breakdown names the new version.
  await page.goto(`/accounts/${account.id}?tab=health`);
  await expect(async () => {
    await page.reload();
    await expect(page.getByTestId("health-model")).toContainText(`Default model, version ${version + 1}`, { timeout: 2_000 });
  }).toPass({ timeout: 30_000 });
  await expect(page.getByTestId("health-score")).toHaveText("100");
  await expect(page.getByTestId("health-band")).toHaveText("Good");
  await expect(page.getByTestId("health-component")).toHaveCount(1);
  await expect(page.getByTestId("health-component")).toContainText("CSM score");
});
