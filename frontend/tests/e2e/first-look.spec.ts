import { expect, test, type Locator, type Page } from "@playwright/test";
import { DEMO, signInViaApi } from "./demo";

// What a CSM saw trying Tenure as a new user: each check is one thing that looked wrong.

/** Whether an element's text is cut (an ellipsis or a clipped line). */
async function isCut(locator: Locator): Promise<boolean> {
  return locator.evaluate((el) => el.scrollWidth > el.clientWidth + 1);
}

async function signIn(page: Page) {
  await signInViaApi(page, DEMO.admin);
}

test("the account list shows one line a row, health scores, MRR and ARR, and no Churned column in the Active view", async ({ page }) => {
  await signIn(page);
  await page.goto("/accounts");
  await expect(page.getByTestId("account-row").first()).toBeVisible();
  await expect(page.getByRole("columnheader", { name: "MRR", exact: true })).toBeVisible();
  await expect(page.getByRole("columnheader", { name: "ARR", exact: true })).toBeVisible();
  await expect(page.getByRole("columnheader", { name: "Churned" })).toHaveCount(0);

  // One line a row: a name cell is as tall as an external id cell, both a single line.
  const row = page.getByTestId("account-row").first();
  for (const cell of [row.getByTestId("account-name"), row.getByTestId("cell-external_id").locator("p")]) {
    const box = (await cell.boundingBox())!;
    expect(box.height).toBeLessThan(26);
  }
  // CSM names and renewal badges are whole.
  for (const cell of await page.getByTestId("cell-csm").locator("p").all()) expect(await isCut(cell)).toBe(false);
  // The Health column shows the demo's scores in their bands' colours; renewal badges beside
  // them stay whole.
  await expect(page.getByTestId("health-badge").first()).toHaveText(/^\d+$/);
  for (const badge of await page.getByTestId(/^renewal-(soon|overdue)$/).all()) {
    expect(await isCut(badge.locator(".mantine-Badge-label"))).toBe(false);
  }

  await page.goto("/accounts?segment=all");
  await expect(page.getByRole("columnheader", { name: "Churned" })).toBeVisible();
});

test("on a wide screen the account list uses the width, every default column shown without scrolling", async ({ page }) => {
  await page.setViewportSize({ width: 1920, height: 1000 });
  await signIn(page);
  await page.goto("/accounts");
  await expect(page.getByTestId("account-row").first()).toBeVisible();
  // The table is as wide as its columns: it ends within the page, not past it.
  const table = (await page.getByRole("table").boundingBox())!;
  const main = (await page.locator("main").boundingBox())!;
  expect(table.x + table.width).toBeLessThanOrEqual(main.x + main.width);
  await expect(page.getByRole("columnheader", { name: "NPS" })).toBeInViewport();
  // A page that is a form or a card keeps its measure.
  await page.goto("/admin/organisation");
  const measure = (await page.locator("main .mantine-Container-root").boundingBox())!;
  expect(measure.width).toBeLessThan(1400);
});

test("scrolled sideways, the account list keeps each row's tick box and name in view", async ({ page }) => {
  await signIn(page);
  await page.goto("/accounts");
  const row = page.getByTestId("account-row").first();
  await expect(row).toBeVisible();
  const tickCell = row.getByTestId("account-select").locator("xpath=ancestor::td");
  const nameCell = row.getByTestId("cell-name");
  const before = [(await tickCell.boundingBox())!, (await nameCell.boundingBox())!];
  const nps = page.getByRole("columnheader", { name: "NPS" });
  await expect(nps).not.toBeInViewport();
  await nps.scrollIntoViewIfNeeded();
  await expect(nps).toBeInViewport();
  const [tick, name] = [(await tickCell.boundingBox())!, (await nameCell.boundingBox())!];
  // Both stay where they were, side by side, over the columns scrolled under them.
  expect(tick.x).toBeCloseTo(before[0]!.x, 0);
  expect(name.x).toBeCloseTo(before[1]!.x, 0);
  expect(Math.abs(name.x - (tick.x + tick.width))).toBeLessThanOrEqual(1);
  await expect(row.getByTestId("account-name")).toBeInViewport();
  expect(await page.evaluate(([x, y]) => document.elementFromPoint(x!, y!)?.closest("td")?.dataset.testid, [name.x + 10, name.y + name.height / 2])).toBe("cell-name");
});

test("at 800 pixels wide an account's page fits: Post status whole, the health breakdown scrolling inside its card", async ({ page }) => {
  await page.setViewportSize({ width: 800, height: 900 });
  await signIn(page);
  await page.goto("/accounts");
  await page.getByTestId("account-name").first().click();
  const post = page.getByRole("button", { name: "Post status" });
  await expect(post).toBeVisible();
  expect(await isCut(post.locator(".mantine-Button-label"))).toBe(false);

  await page.getByRole("tab", { name: "Health" }).click();
  await expect(page.getByTestId("health-breakdown")).toBeVisible();
  // Nothing runs past the card: the table scrolls sideways within it.
  expect(await page.getByRole("tabpanel", { name: "Health" }).getByTestId("account-health").evaluate((el) => el.scrollWidth <= el.clientWidth + 1)).toBe(true);
});

test("the filter builder shows operators whole, starts a group blank and flags an incomplete condition", async ({ page }) => {
  await signIn(page);
  await page.goto("/accounts");
  const total = page.getByTestId("accounts-total");
  await expect(total).toHaveText(/^[\d,]+ accounts$/);

  await page.getByRole("button", { name: "Add group" }).click();
  const row = page.getByTestId("filter-group").getByTestId("filter-row");
  await expect(row.getByRole("combobox", { name: "Field" })).toHaveValue("");
  await expect(row.getByTestId("filter-row-incomplete")).toHaveText("Pick a field: not applied yet");
  await expect(page.getByTestId("filter-incomplete")).toBeVisible();

  await row.getByRole("combobox", { name: "Field" }).click();
  await page.getByRole("option", { name: "Renewal date", exact: true }).click();
  await row.getByRole("combobox", { name: "Operator" }).click();
  await page.getByRole("option", { name: "more than … days ahead" }).click();
  const operator = row.getByRole("combobox", { name: "Operator" });
  await expect(operator).toHaveValue("more than … days ahead");
  expect(await isCut(operator)).toBe(false);
  await expect(row.getByTestId("filter-row-incomplete")).toHaveText("Enter a value: not applied yet");
  // Nothing applied while the condition is incomplete.
  await expect(total).toHaveText(/^[\d,]+ accounts$/);

  await row.getByRole("textbox", { name: "Days for Renewal date" }).fill("30");
  await expect(row.getByTestId("filter-row-incomplete")).toHaveCount(0);
  await expect(page.getByTestId("filter-incomplete")).toHaveCount(0);
  await expect(total).toHaveText(/matching your filters/);
});

/** The colour of one pixel of a PNG, read by the browser itself. */
async function pixel(page: Page, png: Buffer, x: number, y: number): Promise<number[]> {
  return page.evaluate(
    async ({ data, x, y }) => {
      const image = new Image();
      image.src = `data:image/png;base64,${data}`;
      await image.decode();
      const canvas = document.createElement("canvas");
      canvas.width = image.width;
      canvas.height = image.height;
      const context = canvas.getContext("2d")!;
      context.drawImage(image, 0, 0);
      return Array.from(context.getImageData(x, y, 1, 1).data.slice(0, 3));
    },
    { data: png.toString("base64"), x, y },
  );
}

test("the sidebar's background runs down a long page, and only the page shown is highlighted", async ({ page }) => {
  // A hundred rows: the slowest page to render of these tests.
  test.slow();
  await signIn(page);
  await page.goto("/accounts?size=100");
  await expect(page.getByTestId("account-row")).toHaveCount(100, { timeout: 60_000 });
  const navbar = page.getByRole("navigation", { name: "Main navigation" });
  const width = (await navbar.boundingBox())!.width;
  // A full-page capture shows the page below the first screen: the sidebar's column is white
  // there too, not the main area's grey.
  const png = await page.screenshot({ fullPage: true });
  const height = await page.evaluate(() => document.documentElement.scrollHeight);
  expect(height).toBeGreaterThan(page.viewportSize()!.height * 2);
  expect(await pixel(page, png, Math.round(width / 2), height - 20)).toEqual([255, 255, 255]);

  await page.goto("/accounts/assignment");
  await expect(page.getByRole("link", { name: "Account assignment" })).toHaveAttribute("data-active", "true");
  await expect(navbar.locator("a[data-active]")).toHaveCount(1);
  await expect(navbar.locator("[aria-current='page']")).toHaveCount(1);
  await expect(page.getByRole("link", { name: "Accounts", exact: true })).not.toHaveAttribute("data-active");
});

test("attribute triggers show their condition, FX rates their rate without padding", async ({ page }) => {
  await signIn(page);
  await page.goto("/admin/attribute-triggers");
  const first = page.getByTestId("trigger-row").first();
  await expect(first.getByTestId("trigger-condition")).toHaveText("When Plan is Enterprise");

  await page.goto("/admin/fx-rates");
  await expect(page.getByTestId("fx-rates-table")).toContainText("1 EUR = 1.08 USD");
});

test("the audit log names who changed what and filters by who, action and day", async ({ page }) => {
  await signIn(page);
  await page.goto("/admin/audit-log");
  const rows = page.getByTestId("audit-row");
  await expect(rows.first()).toBeVisible();
  // Names, not shortened ids.
  await expect(page.getByTestId("audit-table")).not.toContainText(/\b[0-9a-f]{8}\b/);
  await expect(page.getByTestId("audit-table")).toContainText("Ada Admin");

  await page.getByRole("combobox", { name: "Action" }).click();
  await page.getByRole("option", { name: "attribute_trigger.created" }).click();
  await expect(page).toHaveURL(/action=attribute_trigger.created/);
  await expect(rows).toHaveCount(5);
  await expect(rows.first()).toContainText("Ada Admin");
  await expect(page.getByTestId("audit-table")).toContainText("Enterprise plan is Tier 1");

  await page.getByRole("combobox", { name: "Who" }).click();
  await page.getByRole("option", { name: "Casey CSM" }).click();
  await expect(page.getByText("No matching changes")).toBeVisible();
  await page.getByRole("button", { name: "Clear filters" }).click();
  await expect(rows.first()).toBeVisible();

  await page.getByLabel("To", { exact: true }).fill("2000-01-01");
  await expect(page.getByText("No matching changes")).toBeVisible();
});

async function acmeId(page: Page): Promise<string> {
  const login = await page.request.post("/api/v1/auth/login", { data: DEMO.admin });
  const headers = { Authorization: `Bearer ${(await login.json()).access_token as string}` };
  const listed = await page.request.get("/api/v1/accounts", { params: { q: "Acme Corp" }, headers });
  expect(listed.status(), await listed.text()).toBe(200);
  return (await listed.json()).items.find((a: { name: string }) => a.name === "Acme Corp").id as string;
}

test("Acme's Metrics card does not repeat the header, and its Financials read right", async ({ page }) => {
  await signIn(page);
  const id = await acmeId(page);

  await page.goto(`/accounts/${id}`);
  const card = page.getByTestId("account-metrics");
  await expect(card.getByTestId("metric-mrr")).toBeVisible();
  await expect(card.getByTestId("metric-csm_score")).toHaveCount(0);
  await expect(card.getByTestId("metric-nps")).toHaveCount(0);

  await page.goto(`/accounts/${id}?tab=financials`);
  // A chart with axes, their labels and a tooltip.
  const chart = page.getByTestId("mrr-chart");
  await expect(chart.locator(".recharts-xAxis")).toHaveCount(1);
  await expect(chart.locator(".recharts-yAxis")).toHaveCount(1);
  await expect(chart).toContainText("MRR (USD)");
  await expect(chart).toContainText("Month end");
  const bars = chart.locator(".recharts-bar-rectangle");
  await bars.last().hover();
  await expect(chart.locator(".recharts-tooltip-wrapper")).toContainText("$1,450.00");

  // The renewal at a higher price: the renewal shows the whole amount, the uplift once.
  const renewal = page.getByTestId("movement-row").filter({ hasText: "renewal" });
  await expect(renewal).toContainText("$1,250.00 renewed");
  await expect(page.getByTestId("movement-row").filter({ hasText: "+$250.00" })).toHaveCount(1);

  // The 2024 term is over: ended, whatever the billing system last said.
  const ended = page.getByTestId("subscription").filter({ hasText: "sub_acme_2024" });
  await expect(ended.getByTestId("subscription-status")).toHaveText("ended");
  // Last month's SSO add-on invoice is unpaid and past its due day; this month's renewal is not due yet.
  const rows = page.getByTestId("invoices-table").getByRole("row");
  const overdue = rows.filter({ has: page.getByTestId("invoice-overdue") });
  await expect(overdue).toHaveCount(1);
  await expect(overdue).toContainText("$200.00");
  await expect(rows.filter({ hasText: "$15,000.00" }).first().getByTestId("invoice-overdue")).toHaveCount(0);
});
