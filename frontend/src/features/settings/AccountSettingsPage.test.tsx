import { screen, waitFor, within } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { resetSessionForTests, startSession } from "../../api/session";
import type { CustomField } from "../../api/types";
import { fakeApi, json, problem, requestsTo } from "../../test/fakeApi";
import { meFixture, renderApp } from "../../test/render";

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

function api(onPatch = () => json({ ...SITE, format: "email" })) {
  startSession("token");
  return fakeApi({
    "GET /api/v1/me": () => json(meFixture()),
    "GET /api/v1/tiers": () => json([]),
    "GET /api/v1/lifecycle-stages": () => json([]),
    "GET /api/v1/custom-fields": () => json([SITE, PLAN]),
    "POST /api/v1/custom-fields": async (request) => json({ id: "f2", kind: "metric", options: [], ...(await request.clone().json()) }, 201),
    "PATCH /api/v1/custom-fields/f1": onPatch,
    "PATCH /api/v1/custom-fields/f3": onPatch,
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
