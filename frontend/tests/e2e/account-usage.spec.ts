import { expect, test } from "@playwright/test";
import { DEMO, signInViaApi } from "./demo";

// Acme Corp's demo usage (scripts/demo/usage.py): five contacts ("Jordan Buyer" is acme-user-1)
// and a few hundred events over the last 60 days, rolled up when the demo loads, and a month of
// daily metrics runs (so every activity rank has the 30 daily ranks its trend regresses over).
test("an admin sees Acme Corp's usage, its contacts and a contact's page", async ({ page }) => {
  await signInViaApi(page, DEMO.admin);
  await page.goto("/accounts?q=Acme%20Corp");
  await page.getByTestId("account-name").filter({ hasText: /^Acme Corp$/ }).click();
  await expect(page.getByTestId("account-title")).toHaveText("Acme Corp");
  // The account's activity rank carries the arrow of its 30-day trend.
  const rankTile = page.getByTestId("account-metrics").getByTestId("metric-activity_rank");
  await expect(rankTile.getByTestId("trend-arrow")).toHaveAttribute("data-trend", /^(up|flat|down)$/);

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
  // The top features over time: one line per feature, by day over 30 days.
  const trend = page.getByTestId("usage-feature-trend-chart");
  await expect(trend.getByRole("heading")).toHaveText("Top features per day");
  await expect(trend.locator(".recharts-line").first()).toBeVisible();
  await expect(trend).toContainText("dashboards · analytics");
  await expect(trend).toContainText("reports · analytics");

  // A longer range holds the older events too.
  const last30 = Number((await total.innerText()).replace(/\D/g, ""));
  await page.getByText("90 days", { exact: true }).click();
  await expect.poll(async () => Number((await total.innerText()).replace(/\D/g, ""))).toBeGreaterThan(last30);
  // Over 90 days the features are counted by week.
  await expect(trend.getByRole("heading")).toHaveText("Top features per week");
  await expect(trend.locator(".recharts-line").first()).toBeVisible();

  // The latest events, newest first, link to the people who sent them, by name.
  await expect(page.getByTestId("event-row").first()).toBeVisible();
  await expect(page.getByTestId("event-row").first().getByRole("link")).toHaveText(
    /^(Jordan Buyer|Priya Patel|Tom Becker|Lena Fischer|Marco Rossi)$/,
  );

  await page.getByRole("tab", { name: "Contacts" }).click();
  await expect(page.getByTestId("contact-row")).toHaveCount(5);
  // Each contact's activity rank, with the arrow of its trend over the last 30 daily ranks.
  const ranks = page.getByTestId("contact-row").getByTestId("contact-rank");
  await expect(ranks).toHaveCount(5);
  for (const rank of await ranks.all()) {
    await expect(rank.getByTestId("rank-value")).toHaveText(/^\d+(\.\d)?%$/);
    await expect(rank.getByTestId("trend-arrow")).toHaveAttribute("data-trend", /^(up|flat|down)$/);
  }
  await page.getByTestId("contact-row").getByRole("link", { name: "Jordan Buyer" }).click();

  await expect(page).toHaveURL(/\/contacts\/[0-9a-f-]{36}$/);
  await expect(page.getByTestId("contact-name")).toHaveText("Jordan Buyer");
  await expect(page.getByTestId("contact-external-id")).toHaveText("acme-user-1");
  await expect(page.getByTestId("contact-email")).toHaveText("jordan@acme.example");
  await expect(page.getByTestId("contact-traits")).toContainText("plan_role");
  const contactRank = page.getByTestId("contact-activity-rank");
  await expect(contactRank.getByTestId("rank-value")).toHaveText(/^\d+(\.\d)?%$/);
  await expect(contactRank.getByTestId("trend-arrow")).toHaveAttribute("data-trend", /^(up|flat|down)$/);
  await expect(page.getByTestId("contact-accounts").getByRole("link", { name: "Acme Corp" })).toBeVisible();
  const events = page.getByTestId("contact-events").getByTestId("event-row");
  await expect(events.first()).toBeVisible();
  await expect(events.first().getByRole("link", { name: "Acme Corp", exact: true })).toHaveAttribute(
    "href",
    /^\/accounts\//,
  );
});

test("a parent account's Usage tab rolls up its child accounts' usage", async ({ page }) => {
  // The demo hierarchy (scripts/demo/interactions.py): the parent has no usage of its own, its
  // children do.
  const login = await page.request.post("/api/v1/auth/login", { data: DEMO.admin });
  expect(login.status(), await login.text()).toBe(200);
  const headers = { Authorization: `Bearer ${(await login.json()).access_token as string}` };
  const found = await page.request.get("/api/v1/interactions/search", {
    headers,
    params: { q: '"Regional rollout kickoff"' },
  });
  expect(found.status(), await found.text()).toBe(200);
  const child = (await found.json()).items[0] as { account_id: string };
  const parent = await page.request.get(`/api/v1/accounts/${child.account_id}`, { headers });
  const parentId = (await parent.json()).parent_id as string;
  expect(parentId).toBeTruthy();

  await page.goto(`/accounts/${parentId}?tab=usage&rollup=1`);
  const total = page.getByTestId("usage-events-total");
  await expect(total).toHaveText(/^[1-9][\d,.\s]*$/);
  await expect(page.getByTestId("usage-range")).toContainText("across 4 accounts");
  await expect(page.getByTestId("usage-feature-trend-chart").locator(".recharts-line").first()).toBeVisible();
  // The latest events name the child account each came from.
  await expect(page.getByTestId("event-child-account").first()).toBeVisible();

  // Off: only the parent's own usage, which is none.
  await page.getByRole("switch", { name: "Include child accounts" }).click();
  await expect(page).not.toHaveURL(/rollup=1/);
  await expect(page.getByText("No product usage in this range")).toBeVisible();
});
