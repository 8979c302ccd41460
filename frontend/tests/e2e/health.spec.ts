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
  // The header shows it too, on every tab.
  await expect(page.getByTestId("account-health-score")).toHaveText("100 · Good");
  await expect(page.getByTestId("health-component")).toHaveCount(1);
  await expect(page.getByTestId("health-component")).toContainText("CSM score");
});

test("segment models are reordered by dragging a row onto another's place", async ({ page }) => {
  const token = await signIn(page);
  const headers = { Authorization: `Bearer ${token}` };
  const id = unique();
  const models = await (await page.request.get("/api/v1/health/models", { headers })).json();
  const components = models.find((m: { default: boolean }) => m.default).live.components;
  const segments: { id: string; name: string }[] = [];
  for (const name of [`First ${id}`, `Second ${id}`]) {
    // A filter no account matches: the demo organisation's scores stay as they are.
    const created = await page.request.post("/api/v1/health/models", {
      data: { name, filter: { kind: "compare", field: "name", op: "eq", value: `No account ${id}` }, components },
      headers,
    });
    expect(created.status(), await created.text()).toBe(201);
    segments.push(await created.json());
  }
  const [first, second] = segments as [{ id: string; name: string }, { id: string; name: string }];
  const order = async () =>
    ((await (await page.request.get("/api/v1/health/models", { headers })).json()) as { id: string }[])
      .map((m) => m.id)
      .filter((m) => m === first.id || m === second.id);

  try {
    await page.goto("/admin/health");
    const rows = page.getByTestId("health-model-row");
    const firstRow = rows.filter({ hasText: first.name });
    const secondRow = rows.filter({ hasText: second.name });
    await expect(secondRow).toBeVisible();
    expect(await order()).toEqual([first.id, second.id]);

    await secondRow.dragTo(firstRow);
    await expect.poll(order).toEqual([second.id, first.id]);
    await expect(rows.filter({ hasText: id }).first()).toContainText(second.name);

    // The same from the keyboard.
    await page.getByLabel(`Move ${second.name} down`).press("Enter");
    await expect.poll(order).toEqual([first.id, second.id]);
  } finally {
    for (const s of segments) await page.request.delete(`/api/v1/health/models/${s.id}`, { headers });
  }
});

test("a manager sees accounts per band over time for the organisation, then for one CSM", async ({ page }) => {
  const token = await signIn(page);
  const headers = { Authorization: `Bearer ${token}` };
  const users = (await (await page.request.get("/api/v1/users", { headers })).json()) as { id: string; email: string; full_name: string }[];
  const csm = users.find((u) => u.email === DEMO.csm.email)!;
  // The last day's accounts per band, for everyone or one CSM.
  const lastDay = async (query: string) => {
    const trend = (await (await page.request.get(`/api/v1/health/trend${query}`, { headers })).json()) as {
      points: { day: string; band: string | null; accounts: number }[];
    };
    const last = trend.points.at(-1)!.day;
    const count = (band: string) => trend.points.find((p) => p.day === last && (p.band ?? "no_data") === band)?.accounts ?? 0;
    return Object.fromEntries(["good", "average", "poor", "no_data"].map((band) => [band, count(band)]));
  };
  const everyone = await lastDay("");
  const theirs = await lastDay(`?csm_id=${csm.id}`);
  // A band the CSM's accounts count differently from the organisation's.
  const band = Object.keys(everyone).find((b) => everyone[b] !== theirs[b]);
  expect(band, JSON.stringify({ everyone, theirs })).toBeDefined();

  await page.goto("/accounts");
  await page.getByRole("link", { name: "Health", exact: true }).click();
  await expect(page.getByRole("heading", { name: "Health", exact: true })).toBeVisible();
  const count = page.getByTestId(`health-trend-count-${band}`);
  const accounts = (n: number) => `${n.toLocaleString("en-US")} account${n === 1 ? "" : "s"}`;
  await expect(count).toHaveText(accounts(everyone[band!]!));
  await expect(page.getByTestId("health-trend-accounts")).toBeVisible();
  await expect(page.getByTestId("health-trend-mrr")).toBeVisible();
  // Each legend lists the bands from good to poor, then the accounts without a score.
  for (const chart of ["health-trend-accounts", "health-trend-mrr"]) {
    const legend = page.getByTestId(chart).locator(".mantine-ChartLegend-legendItemName");
    await expect(legend).toHaveText([/^Good/, /^Average/, /^Poor/, "No data"]);
  }

  await page.getByTestId("health-trend-scope").click();
  await page.getByRole("option", { name: csm.full_name }).click();
  await expect(count).toHaveText(accounts(theirs[band!]!));
  await expect(page).toHaveURL(new RegExp(`csm=${csm.id}`));
});
