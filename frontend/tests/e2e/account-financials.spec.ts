import { expect, test } from "@playwright/test";
import { DEMO, unique } from "./demo";

// Acme Corp's demo revenue (scripts/demo/revenue.py): an annual Business plan at $15,000 a year
// and an SSO add-on at $200 a month whose launch coupon has run out: $1,450.00 MRR. Of their
// invoices, last month's add-on is past due.
test("the Financials tab shows an account's MRR, movements, subscriptions and invoices", async ({ page }) => {
  const login = await page.request.post("/api/v1/auth/login", { data: DEMO.admin });
  expect(login.status(), await login.text()).toBe(200);
  const token = (await login.json()).access_token as string;
  const listed = await page.request.get("/api/v1/accounts", {
    params: { q: "Acme Corp" },
    headers: { Authorization: `Bearer ${token}` },
  });
  const acme = (await listed.json()).items.find((a: { name: string }) => a.name === "Acme Corp");
  expect(acme).toBeTruthy();

  await page.goto(`/accounts/${acme.id}?tab=financials`);
  await expect(page.getByRole("tab", { name: "Financials" })).toHaveAttribute("aria-selected", "true");

  await expect(page.getByTestId("account-mrr")).toHaveText("$1,450.00");
  await expect(page.getByTestId("mrr-chart")).toBeVisible();
  await expect(page.getByTestId("movement-row").filter({ hasText: "renewal" })).toBeVisible();
  await expect(page.getByTestId("subscription")).toHaveCount(2);
  await expect(page.getByText("50% off for 3 intervals (coupon LAUNCH50)")).toBeVisible();
  // The add-on started within its term: its own start shows beside it; no item has ended.
  await expect(page.getByTestId("item-dates").filter({ hasText: /^from / })).toHaveCount(1);
  await expect(page.getByTestId("item-dates").filter({ hasText: /ended|ends/ })).toHaveCount(0);
  await expect(page.getByTestId("invoices-table")).toContainText("INV-ACME-004");
  await expect(page.getByTestId("invoice-overdue")).toHaveCount(1);
});

// A parent billed in USD and its child billed in a currency with no rate yet (GBP; the demo
// sets only EUR), sent the way a billing system would: the child by its billing id.
test("a parent adds up its child's revenue, and a missing FX rate is flagged until it is set", async ({ page }) => {
  // Two recomputes by the worker happen along the way.
  test.setTimeout(120_000);
  const login = await page.request.post("/api/v1/auth/login", { data: DEMO.admin });
  expect(login.status(), await login.text()).toBe(200);
  const headers = { Authorization: `Bearer ${(await login.json()).access_token as string}` };
  const id = unique();
  const [parentName, childName] = [`Holding ${id}`, `Subsidiary ${id}`];
  const accounts = await page.request.post("/api/v1/accounts/batch", {
    headers,
    data: {
      items: [
        { external_id: `holding-${id}`, name: parentName },
        { external_id: `subsidiary-${id}`, name: childName, parent_external_id: `holding-${id}`, billing_id: `cus_${id}` },
      ],
    },
  });
  expect((await accounts.json()).accepted, await accounts.text()).toBe(2);
  const startsOn = new Date(Date.now() - 40 * 86_400_000).toISOString().slice(0, 10);
  // The parent's plan went from $50.00 to $100.00 ten days ago: one item ended, its successor started.
  const changedOn = new Date(Date.now() - 10 * 86_400_000).toISOString().slice(0, 10);
  for (const [n, reference, currency, items] of [
    [
      1,
      `holding-${id}`,
      "USD",
      [
        { external_id: "plan", unit_price: 5_000, ends_on: changedOn },
        { external_id: "plan-2", unit_price: 10_000, starts_on: changedOn },
      ],
    ],
    [2, `cus_${id}`, "GBP", [{ external_id: "plan", unit_price: 8_000 }]],
  ] as const) {
    const sent = await page.request.post("/api/v1/subscriptions", {
      headers,
      data: {
        external_id: `sub-${id}-${n}`,
        account_external_id: reference,
        currency,
        starts_on: startsOn,
        items,
      },
    });
    expect(sent.status(), await sent.text()).toBe(200);
    // A receipt: the account it resolved to shows in the MRR below.
    expect((await sent.json()).status).toBe("created");
  }
  const found = await page.request.get("/api/v1/accounts", { headers, params: { q: parentName } });
  const parent = (await found.json()).items[0] as { id: string };
  // The worker recomputes MRR after the subscriptions arrive.
  await expect
    .poll(async () => (await (await page.request.get(`/api/v1/accounts/${parent.id}/mrr`, { headers })).json()).as_of, {
      timeout: 60_000,
    })
    .toBeTruthy();

  await page.goto(`/accounts/${parent.id}?tab=financials`);
  await expect(page.getByTestId("account-mrr")).toHaveText("$100.00");
  await expect(page.getByTestId("item-dates").filter({ hasText: /^ended / })).toHaveCount(1);
  await expect(page.getByTestId("item-dates").filter({ hasText: /^from / })).toHaveCount(1);
  await expect(page.getByTestId("missing-rates-alert")).toHaveCount(0);
  await page.getByRole("switch", { name: "Include child accounts" }).click();
  await expect(page).toHaveURL(/rollup=1/);
  // The child's GBP plan has no rate to USD: it is left out, and the tab says so.
  await expect(page.getByTestId("mrr-section")).toContainText("Recurring revenue of 2 accounts");
  await expect(page.getByTestId("account-mrr")).toHaveText("$100.00");
  await expect(page.getByTestId("missing-rates-alert")).toContainText("GBP");

  await page.getByTestId("missing-rates-alert").getByRole("link", { name: "FX rates page" }).click();
  await expect(page).toHaveURL(/\/admin\/fx-rates/);
  const missing = page.getByTestId("missing-fx-rate").filter({ hasText: "GBP" });
  await expect(missing).toBeVisible();
  await missing.getByRole("button", { name: "Set a rate" }).click();
  await expect(page.getByTestId("fx-currency")).toHaveValue("GBP");
  await page.getByTestId("fx-rate").fill("1.25");
  await page.getByTestId("fx-save").click();
  await expect(page.getByTestId("fx-rates-table")).toContainText("GBP");
  // The missing currencies are the recompute's: the page follows the one the rate queued.
  await expect(page.getByTestId("missing-fx-rates")).toHaveCount(0, { timeout: 60_000 });

  // The recompute the rate queued brings the child's £80.00 in at 1.25: $100.00 more.
  await page.goto(`/accounts/${parent.id}?tab=financials&rollup=1`);
  await expect(async () => {
    await page.reload();
    await expect(page.getByTestId("account-mrr")).toHaveText("$200.00", { timeout: 3_000 });
  }).toPass({ timeout: 60_000 });
  await expect(page.getByTestId("missing-rates-alert")).toHaveCount(0);
  await expect(page.getByTestId("account-arr")).toHaveText("$2,400.00");
  const childMove = page.getByTestId("movement-row").filter({ hasText: childName });
  await expect(childMove).toContainText("new");
  await expect(childMove.getByTestId("from-child-account")).toHaveText(childName);
});
