import { expect, test } from "@playwright/test";
import { DEMO, signInViaApi } from "./demo";

// Acme Corp's demo usage (scripts/demo.py): five contacts ("Jordan Buyer" is acme-user-1) and a
// few hundred events over the last 60 days, rolled up when the demo loads.
test("an admin sees Acme Corp's usage, its contacts and a contact's page", async ({ page }) => {
  await signInViaApi(page, DEMO.admin);
  await page.goto("/accounts?q=Acme%20Corp");
  await page.getByTestId("account-name").filter({ hasText: /^Acme Corp$/ }).click();
  await expect(page.getByTestId("account-title")).toHaveText("Acme Corp");

  await page.getByRole("tab", { name: "Usage" }).click();
  await expect(page).toHaveURL(/[?&]tab=usage/);
  const total = page.getByTestId("usage-events-total");
  await expect(total).toHaveText(/^[1-9][\d,.\s]*$/);
  for (const chart of ["usage-events-chart", "usage-users-chart", "usage-sessions-chart", "usage-features-chart"]) {
    await expect(page.getByTestId(chart).locator("svg.recharts-surface").first()).toBeVisible();
  }
  // Days without events draw empty bars: at least one must have a height.
  const bars = page.getByTestId("usage-events-chart").locator(".recharts-bar-rectangle");
  await expect(bars.filter({ visible: true }).first()).toBeVisible();
  await expect(page.getByTestId("usage-features-chart")).toContainText("dashboards");

  // A longer range holds the older events too.
  const last30 = Number((await total.innerText()).replace(/\D/g, ""));
  await page.getByText("90 days", { exact: true }).click();
  await expect.poll(async () => Number((await total.innerText()).replace(/\D/g, ""))).toBeGreaterThan(last30);

  // The latest events, newest first, link to the people who sent them.
  await expect(page.getByTestId("event-row").first()).toBeVisible();
  await expect(page.getByTestId("event-row").first().getByRole("link")).toHaveText(/^acme-user-\d$/);

  await page.getByRole("tab", { name: "Contacts" }).click();
  await expect(page.getByTestId("contact-row")).toHaveCount(5);
  await page.getByTestId("contact-row").getByRole("link", { name: "Jordan Buyer" }).click();

  await expect(page).toHaveURL(/\/contacts\/[0-9a-f-]{36}$/);
  await expect(page.getByTestId("contact-name")).toHaveText("Jordan Buyer");
  await expect(page.getByTestId("contact-external-id")).toHaveText("acme-user-1");
  await expect(page.getByTestId("contact-email")).toHaveText("jordan@acme.example");
  await expect(page.getByTestId("contact-traits")).toContainText("plan_role");
  await expect(page.getByTestId("contact-accounts").getByRole("link", { name: "Acme Corp" })).toBeVisible();
  const events = page.getByTestId("contact-events").getByTestId("event-row");
  await expect(events.first()).toBeVisible();
  await expect(events.first().getByRole("link", { name: "acme", exact: true })).toHaveAttribute("href", /^\/accounts\//);
});
