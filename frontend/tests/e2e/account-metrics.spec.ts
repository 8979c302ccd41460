import { expect, test, type Page } from "@playwright/test";
import { DEMO, unique } from "./demo";

// Creates an account and a computed metric: in the "workspace" project, after the specs that
// count the demo organisation's accounts.

async function signIn(page: Page): Promise<string> {
  const response = await page.request.post("/api/v1/auth/login", { data: DEMO.admin });
  expect(response.status(), await response.text()).toBe(200);
  return (await response.json()).access_token as string;
}

function inDays(days: number): string {
  const day = new Date(Date.now() + days * 86_400_000);
  return day.toISOString().slice(0, 10);
}

test("an admin defines a computed metric and sees it on an account", async ({ page }) => {
  const token = await signIn(page);
  const id = unique();
  // Renewal in 14 days (UTC, the demo organisation's time zone): 2 weeks.
  const created = await page.request.post("/api/v1/accounts", {
    data: { name: `Metrics ${id}`, external_id: `metrics-${id}`, renewal_on: inDays(14) },
    headers: { Authorization: `Bearer ${token}` },
  });
  expect(created.status(), await created.text()).toBe(201);
  const account = await created.json();

  await page.goto("/admin/metrics");
  await expect(page.getByRole("heading", { name: "Computed metrics", exact: true })).toBeVisible();
  await page.getByTestId("metric-new").click();
  const label = `Weeks to renewal ${id}`;
  await page.getByTestId("metric-label").fill(label);
  const key = await page.getByTestId("metric-key").inputValue();
  expect(key).toMatch(/^weeks_to_renewal_/);

  // An unknown metric is flagged as you type and refused on save.
  await page.getByTestId("metric-formula").fill("days_to_renewal / no_such_metric");
  await expect(page.getByTestId("metric-unknown")).toContainText("no_such_metric");
  await page.getByTestId("metric-save").click();
  await expect(page.getByText("Unknown metrics: no_such_metric")).toBeVisible();

  await page.getByTestId("metric-formula").fill("days_to_renewal / 7");
  await page.getByTestId("metric-save").click();
  await expect(page.getByTestId("computed-metrics-table")).toContainText(label);

  await page.goto(`/accounts/${account.id}`);
  const card = page.getByTestId("account-metrics");
  await expect(card.getByTestId(`metric-${key}`)).toContainText(label, { ignoreCase: true });
  await expect(card.getByTestId(`metric-${key}`)).toContainText("2");
  await expect(card.getByTestId("metric-days_to_renewal")).toContainText("14 days");
});

test("an event sent while an account is open shows in its figures without a reload", async ({ page }) => {
  // The worker's live chain takes the change within seconds; the card asks again every 30.
  test.setTimeout(120_000);
  const headers = { Authorization: `Bearer ${await signIn(page)}` };
  const id = unique();
  const created = await page.request.post("/api/v1/accounts", {
    data: { name: `Live ${id}`, external_id: `live-${id}` },
    headers,
  });
  expect(created.status(), await created.text()).toBe(201);
  const account = await created.json();

  await page.goto(`/accounts/${account.id}`);
  const events = page.getByTestId("account-metrics").getByTestId("metric-events_7d").getByTestId("metric-value");
  await expect(events).toHaveText("0", { timeout: 60_000 });
  // Gone if the page were loaded again.
  await page.evaluate(() => Object.assign(window, { stillTheSamePage: true }));

  // As a product sends them: the person first (an event of someone Tenure does not know yet
  // waits for them), then what they did.
  const contact = await page.request.post("/api/v1/contacts", {
    headers,
    data: { external_id: `live-${id}-user`, name: "Live User", account_external_ids: [`live-${id}`] },
  });
  expect(contact.status(), await contact.text()).toBe(200);
  const sent = await page.request.post("/api/v1/events", {
    headers,
    data: {
      message_id: `live-${id}`,
      name: "Report Viewed",
      feature: "reports",
      contact_external_id: `live-${id}-user`,
      account_external_id: `live-${id}`,
      occurred_at: new Date().toISOString(),
    },
  });
  expect(sent.status(), await sent.text()).toBe(200);

  await expect(events).toHaveText("1", { timeout: 60_000 });
  expect(await page.evaluate(() => "stillTheSamePage" in window)).toBe(true);
});
