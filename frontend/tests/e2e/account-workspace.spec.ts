import { expect, test, type Page } from "@playwright/test";
import { DEMO, unique } from "./demo";

// These journeys create and churn accounts, which changes the list totals other specs count: the
// "workspace" project in playwright.config.ts runs them after the rest.

/** Sign in through the API; the SPA resumes from the refresh cookie, the token serves set-up calls. */
async function signIn(page: Page): Promise<string> {
  const response = await page.request.post("/api/v1/auth/login", { data: DEMO.admin });
  expect(response.status(), await response.text()).toBe(200);
  const body = await response.json();
  expect(body.status).toBe("authenticated");
  return body.access_token as string;
}

/** A fresh account of this run's own, so journeys that change it do not disturb the demo data. */
async function createAccount(page: Page, token: string): Promise<{ id: string; name: string }> {
  const id = unique();
  const name = `Workspace ${id}`;
  const response = await page.request.post("/api/v1/accounts", {
    data: { name, external_id: `ws-${id}` },
    headers: { Authorization: `Bearer ${token}` },
  });
  expect(response.status(), await response.text()).toBe(201);
  return { id: (await response.json()).id as string, name };
}

async function pickOption(page: Page, combobox: ReturnType<Page["getByRole"]>, skip: string): Promise<string> {
  await combobox.click();
  const options = page.getByRole("option");
  await expect(options.first()).toBeVisible();
  const names = (await options.allInnerTexts()).map((n) => n.trim());
  const choice = names.find((n) => n && n !== skip)!;
  await page.getByRole("option", { name: choice, exact: true }).click();
  return choice;
}

test("an admin sets an account's tier and stage and sees them on its page", async ({ page }) => {
  const token = await signIn(page);
  const account = await createAccount(page, token);
  await page.goto(`/accounts/${account.id}`);
  await expect(page.getByTestId("account-title")).toHaveText(account.name);
  await expect(page.getByTestId("account-tier")).toHaveText("—");

  await page.getByRole("button", { name: "Edit" }).click();
  const dialog = page.getByRole("dialog", { name: "Edit account" });
  const tier = await pickOption(page, dialog.getByRole("combobox", { name: "Tier", exact: true }), "");
  const stage = await pickOption(page, dialog.getByRole("combobox", { name: "Lifecycle stage", exact: true }), "");
  await dialog.getByRole("textbox", { name: "CSM score" }).fill("77");
  await dialog.getByRole("button", { name: "Save changes" }).click();
  await expect(dialog).toBeHidden();

  await expect(page.getByTestId("account-tier")).toHaveText(tier);
  await expect(page.getByTestId("account-stage")).toHaveText(stage);
  await expect(page.getByTestId("account-csm-score")).toHaveText("77");

  // The stage change is in the account's history.
  await page.getByRole("tab", { name: "History" }).click();
  await expect(page.getByTestId("stage-history")).toContainText(stage);
  await page.reload();
  await expect(page.getByTestId("account-stage")).toHaveText(stage);
});

test("an admin posts a status on an account", async ({ page }) => {
  const token = await signIn(page);
  const account = await createAccount(page, token);
  await page.goto(`/accounts/${account.id}`);
  await expect(page.getByText("No status posted yet.")).toBeVisible();

  await page.getByRole("button", { name: "Post status" }).click();
  const dialog = page.getByRole("dialog", { name: "Post status" });
  // The title is required.
  await dialog.getByRole("button", { name: "Post status" }).click();
  await expect(dialog.getByText("Give the status a title")).toBeVisible();
  await dialog.getByLabel("Title").fill("Kick-off done");
  await dialog.getByLabel("Details").fill("Training booked for next week.");
  await dialog.getByRole("button", { name: "Post status" }).click();
  await expect(dialog).toBeHidden();

  await expect(page.getByTestId("account-status-title")).toHaveText("Kick-off done");
  await expect(page.getByTestId("account-status")).toContainText("Training booked for next week.");

  // Every posted status is kept in the account's history.
  await page.getByRole("tab", { name: "History" }).click();
  await expect(page.getByTestId("status-history-row")).toHaveCount(1);
  await expect(page.getByTestId("status-history")).toContainText("Kick-off done");
  await expect(page.getByTestId("status-history")).toContainText("Ada Admin");
});

test("an admin marks an account churned and reactivates it", async ({ page }) => {
  const token = await signIn(page);
  const account = await createAccount(page, token);
  await page.goto(`/accounts/${account.id}`);
  await expect(page.getByTestId("account-title")).toHaveText(account.name);
  await expect(page.getByTestId("churned-badge")).toHaveCount(0);

  await page.getByRole("button", { name: "More" }).click();
  await page.getByRole("menuitem", { name: "Mark churned" }).click();
  const dialog = page.getByRole("dialog", { name: "Mark as churned" });
  await dialog.getByLabel("Reason").fill("Moved to an in-house tool");
  await dialog.getByRole("button", { name: "Mark churned" }).click();
  await expect(dialog).toBeHidden();
  await expect(page.getByTestId("churned-badge")).toBeVisible();

  // Churned accounts leave the active list and show under Churned.
  await page.goto(`/accounts?q=${encodeURIComponent(account.name)}`);
  await expect(page.getByText("No accounts match")).toBeVisible();
  await page.getByTestId("segment").getByText("Churned", { exact: true }).click();
  await expect(page).toHaveURL(/segment=churned/);
  await expect(page.getByTestId("account-name")).toHaveText([account.name]);
  await page.getByTestId("account-name").click();

  await page.getByRole("button", { name: "More" }).click();
  await page.getByRole("menuitem", { name: "Reactivate" }).click();
  await page.getByRole("dialog", { name: "Reactivate this account?" }).getByRole("button", { name: "Reactivate" }).click();
  await expect(page.getByText("Account reactivated")).toBeVisible();
  await expect(page.getByTestId("churned-badge")).toHaveCount(0);

  // The timeline names who reactivated it.
  await page.getByRole("tab", { name: "Timeline" }).click();
  const reactivation = page.getByTestId("timeline-item").filter({ hasText: "Reactivated" });
  await expect(reactivation).toContainText("Ada Admin");
});

test("an admin filters the account list by a condition and the total changes", async ({ page }) => {
  await signIn(page);
  await page.goto("/accounts");
  const total = page.getByTestId("accounts-total");
  await expect(total).toHaveText(/^[\d,]+ accounts$/);
  const before = await total.innerText();

  await page.getByRole("button", { name: "Add condition" }).click();
  const row = page.getByTestId("filter-row");
  await row.getByRole("combobox", { name: "Field" }).click();
  await page.getByRole("option", { name: "Name", exact: true }).click();
  await row.getByRole("combobox", { name: "Operator" }).click();
  await page.getByRole("option", { name: "starts with", exact: true }).click();
  await row.getByRole("textbox", { name: "Value for Name" }).fill("Acme Corp");

  await expect(total).toHaveText("1 account matching your filters");
  expect(before).not.toBe("1 account matching your filters");
  await expect(page.getByTestId("account-name")).toHaveText(["Acme Corp"]);
  await expect(page).toHaveURL(/filter=/);

  // The filter lives in the URL: a reload shows the same view, and clearing it restores the list.
  await page.reload();
  await expect(total).toHaveText("1 account matching your filters");
  await expect(page.getByRole("textbox", { name: "Value for Name" })).toHaveValue("Acme Corp");
  await page.getByRole("button", { name: "Clear filters" }).first().click();
  await expect(total).toHaveText(/^[\d,]+ accounts$/);
  await expect(page).not.toHaveURL(/filter=/);
});

test("an admin adds a note to Acme Corp and sees it", async ({ page }) => {
  await signIn(page);
  await page.goto("/accounts?q=Acme%20Corp");
  await page.getByTestId("account-name").filter({ hasText: /^Acme Corp$/ }).click();
  await expect(page.getByTestId("account-title")).toHaveText("Acme Corp");

  await page.getByRole("tab", { name: "Notes" }).click();
  const text = `Champion moving teams ${unique()}`;
  await page.getByTestId("note-input").fill(text);
  await page.getByRole("button", { name: "Add note" }).click();
  await expect(page.getByTestId("note-body").filter({ hasText: text })).toBeVisible();

  // And it is on the timeline.
  await page.getByRole("tab", { name: "Timeline" }).click();
  await expect(page.getByTestId("timeline")).toContainText(text);
});

test("an admin adds, renames and deletes a tier under Account settings", async ({ page }) => {
  await signIn(page);
  await page.goto("/accounts");
  await page.getByRole("link", { name: "Account settings" }).click();
  await expect(page).toHaveURL(/\/admin\/account-settings$/);
  const card = page.getByTestId("tiers-card");
  const name = `Tier ${unique()}`;
  await card.getByRole("textbox", { name: "New tier name" }).fill(name);
  await card.getByRole("button", { name: "Add" }).click();
  await expect(card.getByText(name, { exact: true })).toBeVisible();

  await card.getByRole("button", { name: `Rename ${name}` }).click();
  await card.getByRole("textbox", { name: "Name", exact: true }).fill(`${name} renamed`);
  await card.getByRole("button", { name: "Save name" }).click();
  await expect(card.getByText(`${name} renamed`, { exact: true })).toBeVisible();

  await card.getByRole("button", { name: `Delete ${name} renamed` }).click();
  await page.getByRole("dialog").getByRole("button", { name: "Delete" }).click();
  await expect(card.getByText(`${name} renamed`, { exact: true })).toHaveCount(0);
});

test("an admin cannot delete a stage accounts are in, and is told why", async ({ page }) => {
  const token = await signIn(page);
  const auth = { Authorization: `Bearer ${token}` };
  const stageName = `Pilot ${unique()}`;
  const stage = await page.request.post("/api/v1/lifecycle-stages", { data: { name: stageName, position: 900 }, headers: auth });
  expect(stage.status(), await stage.text()).toBe(201);
  const account = await createAccount(page, token);
  const moved = await page.request.patch(`/api/v1/accounts/${account.id}`, {
    data: { stage_id: (await stage.json()).id },
    headers: auth,
  });
  expect(moved.status(), await moved.text()).toBe(200);

  await page.goto("/admin/account-settings");
  const card = page.getByTestId("stages-card");
  await card.getByRole("button", { name: `Delete ${stageName}` }).click();
  const dialog = page.getByRole("dialog", { name: `Delete “${stageName}”?` });
  await dialog.getByRole("button", { name: "Delete" }).click();
  await expect(dialog.getByTestId("ladder-delete-error")).toContainText(
    `The lifecycle stage “${stageName}” is in use: 1 account has it. Move it to another lifecycle stage before deleting it.`,
  );
  await dialog.getByRole("button", { name: "Cancel" }).click();
  await expect(card.getByText(stageName, { exact: true })).toBeVisible();
});

test("an admin edits the text of a note", async ({ page }) => {
  const token = await signIn(page);
  const account = await createAccount(page, token);
  await page.goto(`/accounts/${account.id}?tab=notes`);
  const text = `First draft ${unique()}`;
  await page.getByTestId("note-input").fill(text);
  await page.getByRole("button", { name: "Add note" }).click();
  // A fresh account: this is its only note.
  const note = page.getByTestId("note");
  await expect(note.getByTestId("note-body")).toHaveText(text);

  await note.getByRole("button", { name: "Edit note" }).click();
  const input = note.getByTestId("note-edit-input");
  await expect(input).toHaveText(text);
  // The editor is rich text: a new line is a new paragraph.
  const edited = `Edited ${unique()}`;
  await page.keyboard.press("ControlOrMeta+A");
  await page.keyboard.type(edited);
  await page.keyboard.press("Enter");
  await page.keyboard.type("Second line");
  await note.getByRole("button", { name: "Save note" }).click();
  await expect(page.getByTestId("note-edit-input")).toHaveCount(0);
  await expect(page.getByTestId("note-body").locator("p")).toHaveText([edited, "Second line"]);

  await page.reload();
  await expect(page.getByTestId("note-body").locator("p")).toHaveText([edited, "Second line"]);
});

test("an admin excludes accounts with a \"not\" group", async ({ page }) => {
  const token = await signIn(page);
  const id = unique();
  for (const name of ["Alpha", "Beta"]) {
    const response = await page.request.post("/api/v1/accounts", {
      data: { name: `Not ${id} ${name}`, external_id: `not-${id}-${name}` },
      headers: { Authorization: `Bearer ${token}` },
    });
    expect(response.status(), await response.text()).toBe(201);
  }
  await page.goto(`/accounts?q=${encodeURIComponent(`Not ${id}`)}`);
  const total = page.getByTestId("accounts-total");
  await expect(total).toHaveText("2 accounts matching your search");

  await page.getByRole("button", { name: "Add group" }).click();
  const group = page.getByTestId("filter-group");
  const row = group.getByTestId("filter-row");
  await row.getByRole("combobox", { name: "Field" }).click();
  await page.getByRole("option", { name: "Name", exact: true }).click();
  await row.getByRole("combobox", { name: "Operator" }).click();
  await page.getByRole("option", { name: "contains", exact: true }).click();
  await row.getByRole("textbox", { name: "Value for Name" }).fill("Alpha");
  await expect(total).toHaveText("1 account matching your search and filters");
  await expect(page.getByTestId("account-name")).toHaveText([`Not ${id} Alpha`]);

  await group.getByRole("checkbox", { name: /^Exclude/ }).check();
  await expect(page.getByTestId("account-name")).toHaveText([`Not ${id} Beta`]);
  await expect(total).toHaveText("1 account matching your search and filters");

  // The negated group is in the URL: a reload shows it.
  await page.reload();
  await expect(page.getByTestId("account-name")).toHaveText([`Not ${id} Beta`]);
  await expect(page.getByTestId("filter-group").getByRole("checkbox", { name: /^Exclude/ })).toBeChecked();
});
