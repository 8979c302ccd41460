import { screen, waitFor, within } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { resetSessionForTests, startSession } from "../../api/session";
import type { AccountView, CustomField } from "../../api/types";
import { fakeApi, json, problem, requestsTo, type Handler } from "../../test/fakeApi";
import { meFixture, renderApp, userFixture } from "../../test/render";

const PLAN: CustomField = {
  id: "f3",
  key: "plan",
  label: "Plan",
  kind: "dimension",
  type: "category",
  format: "default",
  options: ["Basic", "Pro"],
};

const SITE: CustomField = {
  id: "f1",
  key: "site",
  label: "Website",
  kind: "dimension",
  type: "text",
  format: "url",
  options: [],
};

const SAM = userFixture("00000000-0000-0000-0000-0000000000c5", "Sam Lee");

const SAMS_VIEW: AccountView = {
  id: "v1",
  owner_id: SAM.id,
  name: "My renewals",
  is_shared: false,
  columns: ["name", "custom.site"],
  filter: { kind: "compare", field: "custom.site", op: "eq", value: "acme.com" },
  segment: "active",
  sort: "name",
  descending: false,
};

const FIELDS = [
  { key: "name", label: "Name", type: "text", options: [], format: null, sortable: true },
  { key: "custom.site", label: "Website", type: "text", options: [], format: "url", sortable: true },
];

function api(onPatch = () => json({ ...SITE, format: "email" }), more: Record<string, Handler> = {}) {
  startSession("token");
  return fakeApi({
    "GET /api/v1/me": () => json(meFixture()),
    "GET /api/v1/tiers": () => json([]),
    "GET /api/v1/lifecycle-stages": () => json([]),
    "GET /api/v1/custom-fields": () => json([SITE, PLAN]),
    "GET /api/v1/account-views": () => json([SAMS_VIEW]),
    "GET /api/v1/accounts/fields": () => json(FIELDS),
    "GET /api/v1/users": () => json([SAM]),
    "GET /api/v1/roles": () => json([]),
    "POST /api/v1/custom-fields": async (request) => json({ id: "f2", kind: "metric", options: [], ...(await request.clone().json()) }, 201),
    "PATCH /api/v1/custom-fields/f1": onPatch,
    "PATCH /api/v1/custom-fields/f3": onPatch,
    ...more,
  });
}

async function pick(user: ReturnType<typeof userEvent.setup>, input: HTMLElement, option: string) {
  await user.click(input);
  // Inside the modal the dropdown's options count as hidden to role queries: look in its listbox.
  const listbox = document.getElementById(input.getAttribute("aria-controls") ?? "");
  await user.click(within(listbox!).getByRole("option", { name: option, hidden: true }));
}

describe("custom field formats on the account settings page", () => {
  beforeEach(() => resetSessionForTests());
  afterEach(() => vi.unstubAllGlobals());

  it("lists each field's format", async () => {
    api();
    renderApp("/admin/account-settings");
    const [row] = await screen.findAllByTestId("custom-field-row");
    expect(within(row!).getByTestId("custom-field-format-label")).toHaveTextContent("Link (web address)");
  });

  it("offers the formats of the chosen type and sends the one picked", async () => {
    const mock = api();
    renderApp("/admin/account-settings");
    const user = userEvent.setup();
    await screen.findAllByTestId("custom-field-row");

    await user.click(screen.getByRole("button", { name: "New field" }));
    const dialog = await screen.findByRole("dialog", { name: "New custom field" });
    await user.type(within(dialog).getByLabelText(/^Key/), "budget");
    await user.type(within(dialog).getByLabelText(/^Label/), "Budget");
    await pick(user, within(dialog).getByRole("combobox", { name: "Type" }), "Date");
    // A date has one format: shown, not a choice.
    expect(within(dialog).getByRole("combobox", { name: "Format" })).toHaveValue("Date");
    expect(within(dialog).getByRole("combobox", { name: "Format" })).toBeDisabled();
    await pick(user, within(dialog).getByRole("combobox", { name: "Type" }), "Number");
    expect(within(dialog).getByRole("combobox", { name: "Format" })).toHaveValue("Number as entered");
    await pick(user, within(dialog).getByRole("combobox", { name: "Format" }), "Money (base currency)");
    await user.click(within(dialog).getByRole("button", { name: "Add field" }));

    await waitFor(() => expect(requestsTo(mock, "POST", "/api/v1/custom-fields")).toHaveLength(1));
    const body = await requestsTo(mock, "POST", "/api/v1/custom-fields")[0]!.json();
    expect(body).toMatchObject({ key: "budget", type: "number", format: "currency" });
  });

  it("edits the format within the field's type, and shows a refusal on the format", async () => {
    const mock = api(() => problem(422, "invalid_custom_field_format", "A text field is shown as one of: text, url, email"));
    renderApp("/admin/account-settings");
    const user = userEvent.setup();
    await screen.findAllByTestId("custom-field-row");

    await user.click(screen.getByRole("button", { name: "Edit Website" }));
    const dialog = await screen.findByRole("dialog", { name: "Edit custom field" });
    await pick(user, within(dialog).getByRole("combobox", { name: "Format" }), "Email address");
    await user.click(within(dialog).getByRole("button", { name: "Save" }));

    expect(await within(dialog).findByText("A text field is shown as one of: text, url, email")).toBeInTheDocument();
    const body = await requestsTo(mock, "PATCH", "/api/v1/custom-fields/f1")[0]!.json();
    expect(body.format).toBe("email");
  });

  it("shows a refusal to drop an option accounts hold on the options, not the fixed key", async () => {
    const detail = "Options the custom field “Plan” (custom.plan) would lose are in use: 2 live accounts hold “Pro”. Give those accounts another value first.";
    const mock = api(() => problem(409, "custom_field_option_in_use", detail));
    renderApp("/admin/account-settings");
    const user = userEvent.setup();
    await screen.findAllByTestId("custom-field-row");

    await user.click(screen.getByRole("button", { name: "Edit Plan" }));
    const dialog = await screen.findByRole("dialog", { name: "Edit custom field" });
    await user.click(within(dialog).getByRole("button", { name: "Save" }));

    expect(await within(dialog).findByText(detail)).toBeInTheDocument();
    expect(within(dialog).getByLabelText(/^Options/)).toHaveAttribute("aria-invalid", "true");
    expect(within(dialog).getByLabelText(/^Key/)).not.toHaveAttribute("aria-invalid", "true");
    const body = await requestsTo(mock, "PATCH", "/api/v1/custom-fields/f3")[0]!.json();
    expect(body.options).toEqual(["Basic", "Pro"]);
  });
});

describe("deleting a custom field in use, and every user's views", () => {
  beforeEach(() => resetSessionForTests());
  afterEach(() => vi.unstubAllGlobals());

  const IN_USE =
    "The custom field “Website” (custom.site) is in use by Sam Lee's personal account view “My renewals”. Change or delete it first.";

  it("shows why the field was not deleted in the dialog, with a way to the views that keep it", async () => {
    api(undefined, { "DELETE /api/v1/custom-fields/f1": () => problem(409, "custom_field_in_use", IN_USE) });
    renderApp("/admin/account-settings");
    const user = userEvent.setup();
    await screen.findAllByTestId("custom-field-row");

    await user.click(screen.getByRole("button", { name: "Delete Website" }));
    const dialog = await screen.findByRole("dialog", { name: "Delete “Website”?" });
    await user.click(within(dialog).getByRole("button", { name: "Delete field" }));

    const refusal = await within(dialog).findByTestId("in-use-error");
    expect(refusal).toHaveTextContent(IN_USE);
    await user.click(within(refusal).getByRole("link", { name: "Find these views among every user's views" }));
    await waitFor(() => expect(screen.queryByRole("dialog", { name: "Delete “Website”?" })).not.toBeInTheDocument());
    const [row] = await within(screen.getByTestId("everyones-views-card")).findAllByTestId("everyones-view-row");
    expect(row).toHaveTextContent("My renewals");
    expect(row).toHaveTextContent("Personal");
    expect(row).toHaveTextContent("Sam Lee");
    expect(row).toHaveTextContent("Website is “acme.com”");
  });

  it("lists every user's views and deletes another user's personal view, saying whose it is", async () => {
    const mock = api(undefined, { "DELETE /api/v1/account-views/v1": () => new Response(null, { status: 204 }) });
    renderApp("/admin/account-settings");
    const user = userEvent.setup();
    await screen.findByRole("button", { name: "Delete view My renewals" });
    expect(new URL(requestsTo(mock, "GET", "/api/v1/account-views")[0]!.url).searchParams.get("owner")).toBe("all");

    await user.click(screen.getByRole("button", { name: "Delete view My renewals" }));
    const dialog = await screen.findByRole("dialog", { name: "Delete this view?" });
    expect(dialog).toHaveTextContent("“My renewals” is Sam Lee's personal view: it will be deleted for them.");
    await user.click(within(dialog).getByRole("button", { name: "Delete view" }));

    await waitFor(() => expect(requestsTo(mock, "DELETE", "/api/v1/account-views/v1")).toHaveLength(1));
  });

  it("takes the condition out of another user's view's filter, keeping the rest of the view", async () => {
    const mock = api(undefined, {
      "PUT /api/v1/account-views/v1": async (request) => json({ ...SAMS_VIEW, ...(await request.clone().json()) }),
    });
    renderApp("/admin/account-settings");
    const user = userEvent.setup();
    await user.click(await screen.findByRole("button", { name: "Edit view My renewals" }));
    const dialog = await screen.findByRole("dialog", { name: "Edit view" });
    await user.click(within(dialog).getByRole("button", { name: "Remove condition" }));
    await user.click(within(dialog).getByTestId("save-view-edit"));

    await waitFor(() => expect(requestsTo(mock, "PUT", "/api/v1/account-views/v1")).toHaveLength(1));
    const body = await requestsTo(mock, "PUT", "/api/v1/account-views/v1")[0]!.json();
    expect(body).toEqual({
      name: "My renewals",
      is_shared: false,
      filter: null,
      sort: "name",
      descending: false,
      columns: ["name", "custom.site"],
      segment: "active",
    });
  });
});
