import { render, screen, waitFor, within } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { MemoryRouter } from "react-router";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { resetSessionForTests, startSession } from "../../api/session";
import { Providers } from "../../app/Providers";
import { createQueryClient } from "../../app/queryClient";
import { formatDate } from "../../components/format";
import { fakeApi, json } from "../../test/fakeApi";
import { meFixture } from "../../test/render";
import { AlertsPage } from "./AlertsPage";
import type { AlertRead } from "./queries";

const LOAD = { timeout: 5_000 };
const ALERT: AlertRead = {
  id: "00000000-0000-0000-0000-000000000401",
  rule_id: "00000000-0000-0000-0000-000000000402",
  rule_name: "Renewal at risk",
  type: "renewal",
  account_id: "00000000-0000-0000-0000-000000000403",
  account_name: "Acme",
  fired_at: "2026-03-01T10:00:00Z",
  status: "open",
  reason: "Renews soon with a poor health band",
  values: { "health.band": "poor", renewal_on: "2026-04-01" },
  snoozed_until: null,
  dismissed_at: null,
  dismissed_by: null,
  closed_at: null,
  task_id: null,
  outcome: null,
};

function renderPage(alert: AlertRead = ALERT, more: AlertRead[] = [], me = meFixture()) {
  startSession("token");
  const queries: string[] = [];
  const dismissed: string[] = [];
  const deleted: string[] = [];
  const closed: unknown[] = [];
  const bulkClosed: unknown[] = [];
  fakeApi({
    "GET /api/v1/me": () => json(me),
    [`DELETE /api/v1/alerts/${ALERT.id}`]: () => {
      deleted.push(ALERT.id);
      return new Response(null, { status: 204 });
    },
    "GET /api/v1/accounts/fields": () =>
      json([
        { key: "renewal_on", label: "Renewal date", type: "date", options: [], format: null, sortable: true },
        { key: "health.band", label: "Health band", type: "category", options: ["good", "average", "poor"], format: null, sortable: true },
      ]),
    "GET /api/v1/alerts": (request) => {
      queries.push(new URL(request.url).search);
      return json({ items: [alert, ...more], total: 1 + more.length, limit: 50, offset: 0 });
    },
    "POST /api/v1/alerts/bulk-close": async (request) => {
      bulkClosed.push(await request.json());
      return json({ count: 1 });
    },
    [`POST /api/v1/alerts/${ALERT.id}/close`]: async (request) => {
      closed.push(await request.json());
      return json({ ...alert, status: "closed", outcome: "successful" });
    },
    [`POST /api/v1/alerts/${ALERT.id}/dismiss`]: () => {
      dismissed.push(ALERT.id);
      return json({ ...ALERT, status: "dismissed" });
    },
  });
  render(
    <Providers queryClient={createQueryClient()}>
      <MemoryRouter>
        <AlertsPage />
      </MemoryRouter>
    </Providers>,
  );
  return { queries, dismissed, deleted, closed, bulkClosed };
}

describe("the alerts inbox", { timeout: 30_000 }, () => {
  beforeEach(() => resetSessionForTests());
  afterEach(() => vi.unstubAllGlobals());

  it("lists open, unsnoozed alerts with their reason and values, and dismisses one", async () => {
    const user = userEvent.setup({ delay: null });
    const { queries, dismissed } = renderPage();

    const row = await screen.findByTestId("alert-row", {}, LOAD);
    expect(row).toHaveTextContent("Renewal at risk");
    expect(row).toHaveTextContent("Renews soon with a poor health band");
    // Each value by its field's label, in its format.
    await waitFor(() => expect(row).toHaveTextContent("Health band: Poor"));
    expect(row).toHaveTextContent(`Renewal: ${formatDate("2026-04-01")}`);
    expect(queries[0]).toContain("status=open");
    expect(queries[0]).toContain("snoozed=false");

    await user.click(await within(row).findByLabelText("Dismiss"));
    await waitFor(() => expect(dismissed).toEqual([ALERT.id]));
    expect(await screen.findByText("Alert dismissed")).toBeInTheDocument();
  });

  it("deletes an alert only once the deletion is confirmed", async () => {
    const user = userEvent.setup({ delay: null });
    const { deleted } = renderPage();

    const row = await screen.findByTestId("alert-row", {}, LOAD);
    await user.click(await within(row).findByLabelText("Delete"));
    const dialog = await screen.findByRole("dialog", { name: "Delete this alert?" });
    expect(deleted).toEqual([]);
    await user.click(within(dialog).getByRole("button", { name: "Cancel" }));
    await waitFor(() => expect(screen.queryByRole("dialog")).toBeNull());
    expect(deleted).toEqual([]);

    await user.click(within(row).getByLabelText("Delete"));
    await user.click(within(await screen.findByRole("dialog")).getByRole("button", { name: "Delete" }));
    await waitFor(() => expect(deleted).toEqual([ALERT.id]));
  });

  it("shows alerts without ways to work them to those who may not change accounts", async () => {
    renderPage(ALERT, [], meFixture({}, ["view_all_accounts"]));

    const row = await screen.findByTestId("alert-row", {}, LOAD);
    await waitFor(() => expect(row).toHaveTextContent("Health band: Poor"));
    expect(within(row).queryByLabelText("Dismiss")).toBeNull();
    expect(within(row).queryByLabelText("Delete")).toBeNull();
    expect(within(row).queryByLabelText("Select Acme")).toBeNull();
  });

  it("closes an alert task with its outcome instead of dismissing it", async () => {
    const user = userEvent.setup({ delay: null });
    const { closed } = renderPage({ ...ALERT, task_id: "00000000-0000-0000-0000-000000000404" });

    const row = await screen.findByTestId("alert-row", {}, LOAD);
    expect(row).toHaveTextContent("alert task");
    expect(within(row).queryByLabelText("Dismiss")).toBeNull();
    await user.click(await within(row).findByLabelText("Close with outcome"));
    await user.click(await screen.findByText("Successful"));
    await waitFor(() => expect(closed).toEqual([{ outcome: "successful" }]));
  });

  it("closes the selected alert tasks with one outcome, leaving plain alerts out", async () => {
    const user = userEvent.setup({ delay: null });
    const task: AlertRead = { ...ALERT, id: "00000000-0000-0000-0000-000000000405", account_name: "Beta", task_id: "00000000-0000-0000-0000-000000000406" };
    const { bulkClosed } = renderPage(ALERT, [task]);

    await screen.findAllByTestId("alert-row", {}, LOAD);
    await user.click(await screen.findByLabelText("Select Acme"));
    expect(screen.queryByTestId("alerts-bulk-close")).toBeNull();
    await user.click(screen.getByLabelText("Select Beta"));
    await user.click(screen.getByTestId("alerts-bulk-close"));
    await user.click(await screen.findByText("False alarm"));
    await waitFor(() => expect(bulkClosed).toEqual([{ alert_ids: [task.id], outcome: "false_alarm" }]));
  });
});
