import { expect, test, type Locator } from "@playwright/test";
import { signInViaApi } from "./demo";

// What a CSM manager saw at 1280 pixels, the width of a common laptop: each check is one thing
// that looked wrong. Reads the demo organisation only.

// The demo's manager signs in without 2FA and owns tasks on two-word accounts.
const MANAGER = { email: "manager@demo.example.com", password: "tenure-demo-manager" };

/** Whether an element's text is cut (an ellipsis or a clipped line). */
async function isCut(locator: Locator): Promise<boolean> {
  return locator.evaluate((el) => el.scrollWidth > el.clientWidth + 1);
}

/** Whether an element's text runs over more than one line. */
async function wraps(locator: Locator): Promise<boolean> {
  return locator.evaluate((el) => {
    const range = document.createRange();
    range.selectNodeContents(el);
    return new Set([...range.getClientRects()].map((r) => Math.round(r.top))).size > 1;
  });
}

test("at 1280 pixels the task list shows each task's owner and due day on one line and its state whole", async ({ page }) => {
  await page.setViewportSize({ width: 1280, height: 900 });
  await signInViaApi(page, MANAGER);
  await page.goto("/tasks");
  const rows = page.getByTestId("task-row");
  await expect(rows.first()).toBeVisible();
  await expect(rows.getByTestId("task-row-due").filter({ hasText: /\d{4}/ }).first()).toBeVisible();
  for (const row of (await rows.all()).slice(0, 8)) {
    expect(await isCut(row.getByTestId("task-state").locator(".mantine-Badge-label"))).toBe(false);
    expect(await wraps(row.getByTestId("task-row-owner"))).toBe(false);
    expect(await wraps(row.getByTestId("task-row-due").locator("p"))).toBe(false);
  }
});

test("at 1280 pixels interaction search names who wrote each one on one line", async ({ page }) => {
  await page.setViewportSize({ width: 1280, height: 900 });
  await signInViaApi(page, MANAGER);
  await page.goto("/interactions");
  const authors = page.getByTestId("interaction-author");
  await expect(authors.first()).toBeVisible();
  for (const author of (await authors.all()).slice(0, 10)) expect(await wraps(author.locator("p"))).toBe(false);
});

test("at 1280 pixels an account's header shows its health badge whole, band and all", async ({ page }) => {
  await page.setViewportSize({ width: 1280, height: 900 });
  await signInViaApi(page, MANAGER);
  await page.goto("/accounts");
  // "Average", the longest band's name, was cut to "58 · Avera…".
  const average = page.getByTestId("account-row").filter({ has: page.getByTestId("health-badge").getByText(/^([3-6]\d|70)$/) });
  await average.first().getByTestId("account-name").click();
  const badge = page.getByTestId("account-health-score");
  await expect(badge).toContainText("Average");
  expect(await isCut(badge.locator(".mantine-Badge-label"))).toBe(false);
  // Within its own column: the CSM score beside it is not covered.
  const [health, next] = [(await badge.boundingBox())!, (await page.getByTestId("account-csm-score").boundingBox())!];
  if (Math.abs(health.y - next.y) < 20) expect(health.x + health.width).toBeLessThanOrEqual(next.x);
});

test("at 1280 pixels the alerts list gives each alert's firing time one line", async ({ page }) => {
  await page.setViewportSize({ width: 1280, height: 900 });
  await signInViaApi(page, MANAGER);
  await page.goto("/alerts");
  const fired = page.getByTestId("alert-fired");
  await expect(fired.first()).toBeVisible();
  for (const cell of (await fired.all()).slice(0, 8)) expect(await wraps(cell)).toBe(false);
});
