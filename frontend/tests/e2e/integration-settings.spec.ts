import { expect, test } from "@playwright/test";
import { DEMO, signInViaApi, unique } from "./demo";

// Creates its own key and rotates the webhook secret (the old one keeps working a day): it
// changes nothing that other specs count.

test("an admin creates a read key, sees its calls in the API log, and revokes it", async ({ page, request }) => {
  // A long journey (UI, API calls, the log written after each call): more than the default time
  // on a busy machine.
  test.slow();
  await signInViaApi(page, DEMO.admin);
  await page.goto("/accounts");
  await page.getByRole("link", { name: "Integration" }).click();
  await expect(page).toHaveURL(/\/admin\/integration$/);
  await expect(page.getByRole("heading", { name: "Integration" })).toBeVisible();

  const name = `E2E read key ${unique()}`;
  await page.getByRole("button", { name: "New API key" }).first().click();
  const dialog = page.getByRole("dialog", { name: "New API key" });
  await dialog.getByLabel("Name").fill(name);
  await dialog.getByRole("checkbox", { name: /^Read/ }).check();
  await dialog.getByRole("button", { name: "Create key" }).click();

  // Shown once, with the warning.
  const shown = page.getByTestId("new-api-key");
  await expect(shown).toHaveText(/^tnr_[0-9a-f]{12}_\S+$/);
  const key = (await shown.textContent())!.trim();
  const prefix = key.split("_")[1]!;
  await expect(page.getByText("you will not see it again")).toBeVisible();
  await page.getByRole("button", { name: "I've copied the key" }).click();
  await expect(shown).toBeHidden();
  await expect(page.getByText(key)).toHaveCount(0);

  const row = page.getByTestId("api-key-row").filter({ hasText: name });
  await expect(row).toContainText(`tnr_${prefix}_…`);
  await expect(row).toContainText("Read");
  await expect(row.getByTestId("api-key-status")).toHaveText("Active");

  // The key works against the API.
  const listed = await request.get("/api/v1/accounts?limit=5", { headers: { Authorization: `Bearer ${key}` } });
  expect(listed.status(), await listed.text()).toBe(200);
  expect((await listed.json()).total).toBeGreaterThan(0);

  // …and the call is in its API log (written as the call ends: refresh until it is there).
  await row.getByRole("button", { name: "API log" }).click();
  const drawer = page.getByRole("dialog", { name: `API log · ${name}` });
  await expect(drawer).toBeVisible();
  const logged = drawer.getByTestId("api-call-row").filter({ hasText: "/api/v1/accounts" });
  await expect(async () => {
    await drawer.getByRole("button", { name: "Refresh" }).click();
    await expect(logged).toHaveCount(1, { timeout: 1_000 });
  }).toPass({ timeout: 15_000 });
  await expect(logged).toContainText("GET");
  await expect(logged.getByTestId("api-call-status")).toHaveText("200");
  // A successful call is not an error.
  await drawer.getByRole("switch", { name: "Only errors" }).check({ force: true });
  await expect(drawer.getByText("No failed calls")).toBeVisible();
  await page.keyboard.press("Escape");
  await expect(drawer).toBeHidden();

  // Revoking asks first; then the key is refused.
  await row.getByRole("button", { name: "Revoke" }).click();
  const confirm = page.getByRole("dialog", { name: "Revoke this API key?" });
  await expect(confirm).toContainText(`tnr_${prefix}_…`);
  await confirm.getByRole("button", { name: "Revoke key" }).click();
  await expect(page.getByText(`${name} no longer works.`)).toBeVisible();
  await expect(row.getByTestId("api-key-status")).toHaveText("Revoked");
  await expect(row.getByRole("button", { name: "Revoke" })).toHaveCount(0);

  const refused = await request.get("/api/v1/accounts?limit=5", { headers: { Authorization: `Bearer ${key}` } });
  expect(refused.status(), await refused.text()).toBe(401);
});

test("an admin rotates the webhook signing secret and sees it once", async ({ page }) => {
  await signInViaApi(page, DEMO.admin);
  const organisation = page.waitForResponse((r) => new URL(r.url()).pathname === "/api/v1/organisation" && r.ok());
  await page.goto("/admin/integration");
  const orgId = (await (await organisation).json()).id as string;
  await expect(page.getByTestId("webhook-url")).toHaveText(new RegExp(`/api/v1/webhooks/${orgId}$`));

  await page.getByRole("button", { name: /^(Rotate|Create) secret$/ }).click();
  const dialog = page.getByRole("dialog", { name: /^(Rotate|Create) (the|a) signing secret\?$/ });
  await dialog.getByRole("button", { name: /^(Rotate|Create) secret$/ }).click();

  const shown = page.getByTestId("new-webhook-secret");
  await expect(shown).toHaveText(/^whsec_[A-Za-z0-9+/=]{40,}$/);
  const secret = (await shown.textContent())!.trim();
  await expect(page.getByText("you will not see it again")).toBeVisible();
  await page.getByRole("button", { name: "I've copied the secret" }).click();
  await expect(shown).toBeHidden();
  await expect(page.getByText(secret)).toHaveCount(0);

  const current = page.getByTestId("webhook-secret-row").filter({ hasText: "Current" });
  await expect(current).toHaveCount(1);
  await expect(current).toContainText(`whsec_…${secret.slice(-4)}`);
});
