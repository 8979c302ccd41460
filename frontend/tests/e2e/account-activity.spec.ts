import { expect, test, type APIRequestContext, type Page } from "@playwright/test";
import { DEMO, unique } from "./demo";

// These journeys create accounts (which changes the totals other specs count): the "workspace"
// project in playwright.config.ts runs them after the rest.

async function signIn(page: Page): Promise<string> {
  const response = await page.request.post("/api/v1/auth/login", { data: DEMO.admin });
  expect(response.status(), await response.text()).toBe(200);
  return (await response.json()).access_token as string;
}

/** POST as the signed-in admin and return the created record. */
async function create(request: APIRequestContext, token: string, path: string, data: object): Promise<{ id: string }> {
  const response = await request.post(`/api/v1${path}`, { data, headers: { Authorization: `Bearer ${token}` } });
  expect(response.status(), await response.text()).toBe(201);
  return response.json();
}

async function createAccount(page: Page, token: string, prefix: string): Promise<{ id: string; name: string }> {
  const id = unique();
  const name = `${prefix} ${id}`;
  const account = await create(page.request, token, "/accounts", { name, external_id: `act-${id}` });
  return { id: account.id, name };
}

function interaction(subject: string, type: string, occurredAt: string, body?: string) {
  return { subject, type, occurred_at: occurredAt, body: body ?? null, source: "manual" };
}

test("an admin searches interactions and narrows the results by date, type, account and author", async ({ page }) => {
  const token = await signIn(page);
  const word = `zebra${unique()}`;
  const first = await createAccount(page, token, "Search");
  const second = await createAccount(page, token, "Search");
  await create(page.request, token, `/accounts/${first.id}/interactions`, interaction(`Renewal ${word}`, "call", "2025-03-10T12:00:00Z"));
  await create(page.request, token, `/accounts/${first.id}/interactions`, interaction("Kick-off", "meeting", "2025-06-10T12:00:00Z", `Agenda: ${word} rollout`));
  await create(page.request, token, `/accounts/${second.id}/interactions`, interaction(`Escalation ${word}`, "email", "2025-06-12T12:00:00Z"));

  await page.goto("/interactions");
  await page.getByRole("textbox", { name: "Search interactions" }).fill(word);
  const total = page.getByTestId("interactions-total");
  const results = page.getByTestId("interaction-result");
  await expect(total).toHaveText("3 results");
  await expect(results).toHaveCount(3);
  // The match is highlighted in the snippet.
  await expect(results.locator("mark").first()).toHaveText(word);

  // From June on: the March call drops out.
  await page.getByRole("textbox", { name: "From" }).fill("2025-06-01");
  await expect(total).toHaveText("2 results");
  await expect(page).toHaveURL(/from=2025-06-01/);
  await expect(results.filter({ hasText: `Renewal ${word}` })).toHaveCount(0);

  // Only meetings.
  await page.getByRole("combobox", { name: "Type" }).click();
  await page.getByRole("option", { name: "Meeting", exact: true }).click();
  await expect(total).toHaveText("1 result");
  await expect(results).toHaveCount(1);
  await expect(results).toContainText("Kick-off");
  await expect(results).toContainText(first.name);

  // The state is in the URL: a reload shows the same search.
  await page.reload();
  await expect(total).toHaveText("1 result");
  await expect(page.getByRole("textbox", { name: "Search interactions" })).toHaveValue(word);
  await expect(page.getByRole("textbox", { name: "From" })).toHaveValue("2025-06-01");

  // Clearing the filters brings all three back; the second account alone has one.
  await page.getByRole("button", { name: "Clear filters" }).click();
  await expect(total).toHaveText("3 results");
  const account = page.getByRole("combobox", { name: "Account" });
  await account.fill(second.name);
  await page.getByRole("option", { name: second.name, exact: true }).click();
  await expect(total).toHaveText("1 result");
  await expect(results).toContainText(`Escalation ${word}`);
  await expect(page).toHaveURL(new RegExp(`account=${second.id}`));

  // By author: the admin wrote these; Casey CSM wrote none of them.
  await page.getByRole("button", { name: "Clear filters" }).click();
  await expect(total).toHaveText("3 results");
  const author = page.getByRole("combobox", { name: "Author" });
  await author.click();
  await page.getByRole("option", { name: "Casey CSM", exact: true }).click();
  await expect(page.getByText("Nothing matches")).toBeVisible();
  await author.click();
  await page.getByRole("option", { name: "Ada Admin", exact: true }).click();
  await expect(total).toHaveText("3 results");
  await expect(results.first()).toContainText("Ada Admin");
});

test("an admin edits an interaction, closes a ticket and deletes an interaction", async ({ page }) => {
  const token = await signIn(page);
  const account = await createAccount(page, token, "Activity");
  await create(page.request, token, `/accounts/${account.id}/interactions`, interaction("Discovery call", "call", "2025-05-01T09:00:00Z"));
  await create(page.request, token, `/accounts/${account.id}/interactions`, interaction("Wrong account email", "email", "2025-05-02T09:00:00Z"));
  await create(page.request, token, `/accounts/${account.id}/tickets`, {
    subject: "CSV export times out",
    opened_at: "2025-05-03T09:00:00Z",
    source: "manual",
  });

  await page.goto(`/accounts/${account.id}?tab=interactions`);
  const rows = page.getByTestId("interaction-row");
  await expect(rows).toHaveCount(2);

  // Edit: the form starts from the interaction.
  await rows.filter({ hasText: "Discovery call" }).getByRole("button", { name: "Edit interaction" }).click();
  const dialog = page.getByRole("dialog", { name: "Edit interaction" });
  await expect(dialog.getByRole("textbox", { name: "Subject" })).toHaveValue("Discovery call");
  await dialog.getByRole("textbox", { name: "Subject" }).fill("Discovery call with the CFO");
  await dialog.getByRole("textbox", { name: "Outcome" }).fill("Budget approved");
  await dialog.getByRole("button", { name: "Save interaction" }).click();
  await expect(dialog).toBeHidden();
  const edited = rows.filter({ hasText: "Discovery call with the CFO" });
  await expect(edited).toContainText("Budget approved");

  // Delete, after a confirmation.
  await rows.filter({ hasText: "Wrong account email" }).getByRole("button", { name: "Delete interaction" }).click();
  const confirm = page.getByRole("dialog", { name: "Delete this interaction?" });
  await confirm.getByRole("button", { name: "Delete interaction" }).click();
  await expect(confirm).toBeHidden();
  await expect(rows).toHaveCount(1);
  await expect(rows).toContainText("Discovery call with the CFO");

  // Close the ticket from its row.
  await page.getByRole("tab", { name: "Tickets" }).click();
  const ticket = page.getByTestId("ticket-row").filter({ hasText: "CSV export times out" });
  await expect(ticket.getByTestId("ticket-status")).toHaveText("open");
  await expect(ticket.getByTestId("ticket-closed-at")).toHaveText("—");
  await ticket.getByRole("button", { name: "Change ticket status" }).click();
  await page.getByRole("menuitem", { name: "Close ticket" }).click();
  await expect(ticket.getByTestId("ticket-status")).toHaveText("closed");
  await expect(ticket.getByTestId("ticket-closed-at")).not.toHaveText("—");

  // The timeline has the edit and the close, and no longer the deleted interaction.
  await page.getByRole("tab", { name: "Timeline" }).click();
  const timeline = page.getByTestId("timeline");
  await expect(timeline).toContainText("Ticket closed: CSV export times out");
  await expect(timeline).toContainText("Discovery call with the CFO");
  await expect(timeline).not.toContainText("Wrong account email");

  await page.reload();
  await page.getByRole("tab", { name: "Interactions" }).click();
  await expect(rows).toHaveCount(1);
  await expect(rows).toContainText("Budget approved");
});

test("an admin edits a formatted note and its formatting stays", async ({ page }) => {
  const token = await signIn(page);
  const account = await createAccount(page, token, "Notes");
  await create(page.request, token, `/accounts/${account.id}/notes`, {
    body: '<p><b>Champion:</b> Jordan Buyer</p><ul><li>Prefers email</li></ul><p><a href="https://acme.example">Wiki</a><img src="x" onerror="window.__xss = 1"></p>',
  });

  await page.goto(`/accounts/${account.id}?tab=notes`);
  const body = page.getByTestId("note-body");
  // Rendered as formatting, not as text or markup.
  await expect(body.locator("b")).toHaveText("Champion:");
  await expect(body.locator("li")).toHaveText("Prefers email");
  await expect(body.getByRole("link", { name: "Wiki" })).toHaveAttribute("href", "https://acme.example");
  await expect(body).not.toContainText("<b>");
  expect(await page.evaluate(() => (window as unknown as { __xss?: number }).__xss)).toBeUndefined();

  // Editing keeps the bold and the list; the new words land at the end of the list item.
  await page.getByRole("button", { name: "Edit note" }).click();
  const editor = page.getByTestId("note-edit-input");
  await expect(editor.locator("b")).toHaveText("Champion:");
  await editor.locator("li").click();
  await page.keyboard.press("End");
  await page.keyboard.type(" and calls");
  await page.getByRole("button", { name: "Save note" }).click();
  await expect(editor).toHaveCount(0);
  await expect(body.locator("li")).toHaveText("Prefers email and calls");
  await expect(body.locator("b")).toHaveText("Champion:");

  // A new note formatted with the toolbar.
  const input = page.getByTestId("note-input");
  await input.click();
  await page.keyboard.type("Renewal risk");
  await page.keyboard.press("ControlOrMeta+A");
  await page.getByRole("button", { name: "Bold" }).click();
  await page.getByRole("button", { name: "Add note" }).click();
  await expect(page.getByTestId("note-body").locator("b", { hasText: "Renewal risk" })).toBeVisible();

  await page.reload();
  await expect(page.getByTestId("note-body").locator("li")).toHaveText("Prefers email and calls");
  await expect(page.getByTestId("note-body").locator("b", { hasText: "Renewal risk" })).toBeVisible();
});
