import { screen, within } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { beforeEach, describe, expect, it } from "vitest";
import { resetSessionForTests, startSession } from "../../api/session";
import type { AuditEntry } from "../../api/types";
import { fakeApi, json } from "../../test/fakeApi";
import { meFixture, renderApp } from "../../test/render";

const LOAD = { timeout: 5_000 };

function entry(id: string, action: string, before: AuditEntry["before"], after: AuditEntry["after"]): AuditEntry {
  return {
    id: `00000000-0000-0000-0000-00000000000${id}`,
    actor_user_id: meFixture().id,
    actor_api_key_id: null,
    actor_trigger_id: null,
    actor_name: "Ada Admin",
    action,
    entity_type: "account",
    entity_id: "00000000-0000-0000-0000-0000000000a1",
    target_name: "Acme",
    before,
    after,
    created_at: "2026-12-05T10:00:00Z",
  };
}

const UPDATED = entry("1", "account.updated", { csm_score: 40, renewal_on: "2026-09-30" }, { csm_score: 41, renewal_on: null });
const CREATED = entry("2", "account.created", null, { name: "Acme", csm_score: 40 });
const BY_KEY = {
  ...entry("3", "account.updated", { name: "Acme" }, { name: "Acme Inc" }),
  actor_user_id: null,
  actor_api_key_id: "00000000-0000-0000-0000-0000000000c1",
  actor_name: "API key CRM sync",
};

beforeEach(() => {
  resetSessionForTests();
  startSession("token");
  fakeApi({
    "GET /api/v1/me": () => json(meFixture()),
    "GET /api/v1/users": () => json([]),
    "GET /api/v1/audit-log/actions": () => json(["account.created", "account.updated"]),
    "GET /api/v1/audit-log": () => json({ items: [UPDATED, CREATED, BY_KEY], total: 3, limit: 25, offset: 0 }),
  });
});

describe("audit log details", () => {
  it("shows an update as the fields it changed, before and after", async () => {
    renderApp("/admin/audit-log");
    const [updated] = await screen.findAllByTestId("audit-row", {}, LOAD);
    await userEvent.click(within(updated!).getByRole("button", { name: "Details" }));

    const changes = await screen.findByTestId("audit-changes");
    const rows = within(changes).getAllByRole("row").map((row) => row.textContent);
    expect(rows).toEqual(["FieldBeforeAfter", "csm score4041", "renewal on2026-09-30—"]);
  });

  it("names the API key an integration's change was made with", async () => {
    renderApp("/admin/audit-log");
    const rows = await screen.findAllByTestId("audit-row", {}, LOAD);
    expect(rows[2]).toHaveTextContent("API key CRM sync");
    expect(rows[0]).toHaveTextContent("Ada Admin");
  });

  it("shows a created record whole", async () => {
    renderApp("/admin/audit-log");
    const rows = await screen.findAllByTestId("audit-row", {}, LOAD);
    await userEvent.click(within(rows[1]!).getByRole("button", { name: "Details" }));

    const dialog = await screen.findByRole("dialog");
    expect(screen.queryByTestId("audit-changes")).toBeNull();
    const record = within(dialog).getByTestId("audit-record");
    expect(dialog).toHaveTextContent("Created as");
    expect([...record.querySelectorAll("tr")].map((row) => row.textContent)).toContain("csm score40");
  });
});
