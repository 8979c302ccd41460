import { expect, test, type APIRequestContext } from "@playwright/test";
import { DEMO, signInViaApi, unique } from "./demo";

async function adminToken(request: APIRequestContext): Promise<string> {
  const login = await request.post("/api/v1/auth/login", { data: DEMO.admin });
  expect(login.status(), await login.text()).toBe(200);
  return (await login.json()).access_token as string;
}

test("an admin assigns two unassigned accounts to a CSM, then unassigns one", async ({ page }) => {
  const token = await adminToken(page.request);
  const id = unique();
  const names = [`Assign ${id} A`, `Assign ${id} B`];
  for (const [n, name] of names.entries()) {
    const created = await page.request.post("/api/v1/accounts", {
      headers: { Authorization: `Bearer ${token}` },
      data: { name, external_id: `assign-${id}-${n}` },
    });
    expect(created.status(), await created.text()).toBe(201);
  }

  await signInViaApi(page, DEMO.admin);
  await page.goto("/accounts");
  await page.getByRole("link", { name: "Account assignment" }).click();
  await expect(page).toHaveURL(/\/accounts\/assignment$/);
  await expect(page.getByRole("heading", { name: "Account assignment" })).toBeVisible();

  await page.getByRole("combobox", { name: "CSM", exact: true }).click();
  await page.getByRole("option", { name: "Casey CSM" }).click();
  await expect(page).toHaveURL(/csm=/);

  const assigned = page.getByTestId("assigned");
  const candidates = page.getByTestId("candidates");
  await expect(assigned.getByRole("heading", { name: "Casey CSM's accounts" })).toBeVisible();
  // The demo CSM owns 40 accounts (scripts/demo/accounts.py); other specs may give them more.
  await expect(assigned.getByTestId("assigned-total")).toHaveText(/^\d+ accounts$/);

  // "Unassigned" is the default list of candidates.
  await candidates.getByTestId("candidates-search").fill(`Assign ${id}`);
  await expect(candidates.getByTestId("candidates-total")).toHaveText("2 accounts");
  await expect(candidates.getByTestId("candidates-name")).toHaveText(names);
  await candidates.getByRole("checkbox", { name: `Select ${names[0]}` }).check();
  await candidates.getByRole("checkbox", { name: `Select ${names[1]}` }).check();
  await expect(candidates.getByTestId("candidates-selected")).toHaveText("2 accounts selected");
  await candidates.getByTestId("candidates-apply").click();

  await expect(candidates.getByTestId("candidates-total")).toHaveText("0 accounts");
  await assigned.getByTestId("assigned-search").fill(`Assign ${id}`);
  await expect(assigned.getByTestId("assigned-total")).toHaveText("2 accounts");
  await expect(assigned.getByTestId("assigned-name")).toHaveText(names);
  await expect(assigned.getByTestId("assigned-row").first()).toContainText("Casey CSM");

  // Unassign one: it is back among the unassigned accounts.
  await assigned.getByRole("checkbox", { name: `Select ${names[0]}` }).check();
  await assigned.getByTestId("assigned-apply").click();
  await expect(assigned.getByTestId("assigned-total")).toHaveText("1 account");
  await expect(assigned.getByTestId("assigned-name")).toHaveText([names[1]!]);
  await expect(candidates.getByTestId("candidates-total")).toHaveText("1 account");
  await expect(candidates.getByTestId("candidates-name")).toHaveText([names[0]!]);
  await expect(candidates.getByTestId("candidates-row")).toContainText("Unassigned");

  // The other side of the quick filters: B is now Casey's, so no other CSM list shows it.
  const scope = candidates.getByTestId("candidate-scope");
  await scope.getByText("Assigned to other CSMs").click();
  await expect(candidates.getByTestId("candidates-total")).toHaveText("0 accounts");
  await scope.getByText("All", { exact: true }).click();
  await expect(candidates.getByTestId("candidates-name")).toHaveText([names[0]!]);
});

test("a parent account rolls up its child accounts' interactions, tickets and timeline", async ({ page }) => {
  // The demo hierarchy (scripts/demo/interactions.py): a parent, two children and a grandchild
  // below one.
  const token = await adminToken(page.request);
  const headers = { Authorization: `Bearer ${token}` };
  const found = await page.request.get("/api/v1/interactions/search", {
    headers,
    params: { q: '"Regional rollout kickoff"' },
  });
  expect(found.status(), await found.text()).toBe(200);
  const hit = (await found.json()).items[0] as { account_id: string; account_name: string };
  const child = await page.request.get(`/api/v1/accounts/${hit.account_id}`, { headers });
  const parentId = (await child.json()).parent_id as string;
  expect(parentId).toBeTruthy();

  await signInViaApi(page, DEMO.admin);
  await page.goto(`/accounts/${parentId}?tab=interactions`);
  await expect(page.getByTestId("empty-state")).toContainText("No interactions");

  await page.getByRole("switch", { name: "Include child accounts" }).click();
  await expect(page).toHaveURL(/rollup=1/);
  const rows = page.getByTestId("interaction-row");
  await expect(rows).toHaveCount(3);
  await expect(rows.nth(0)).toContainText("Branch office training plan");
  await expect(rows.nth(1)).toContainText("Subsidiary onboarding review");
  await expect(rows.nth(2)).toContainText("Regional rollout kickoff");
  await expect(rows.nth(2).getByTestId("from-child-account")).toHaveText(hit.account_name);

  // The switch stays on across the tabs it applies to.
  await page.getByRole("tab", { name: "Tickets" }).click();
  await expect(page.getByTestId("ticket-row")).toHaveCount(1);
  await expect(page.getByTestId("ticket-row")).toContainText("Branch office cannot reach the status page");
  await page.getByRole("tab", { name: "Timeline" }).click();
  await expect(page.getByTestId("timeline")).toContainText("Subsidiary reports to the parent's procurement team.");
  await expect(page.getByTestId("timeline")).toContainText("Ticket opened: Branch office cannot reach the status page");

  // Off again: only the parent's own history (its stage and CSM changes, nothing from children).
  await page.getByRole("switch", { name: "Include child accounts" }).click();
  await expect(page.getByTestId("timeline")).not.toContainText("Regional rollout kickoff");
  await expect(page.getByTestId("from-child-account")).toHaveCount(0);

  // An item's child account name links to that account.
  await page.getByRole("tab", { name: "Interactions" }).click();
  await page.getByRole("switch", { name: "Include child accounts" }).click();
  await page.getByTestId("interaction-row").nth(2).getByTestId("from-child-account").click();
  await expect(page).toHaveURL(new RegExp(`/accounts/${hit.account_id}`));
  await expect(page.getByTestId("account-title")).toHaveText(hit.account_name);
});
