import { render, screen, waitFor, within } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { MemoryRouter } from "react-router";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { resetSessionForTests, startSession } from "../../api/session";
import { Providers } from "../../app/Providers";
import { createQueryClient } from "../../app/queryClient";
import { fakeApi, json } from "../../test/fakeApi";
import { meFixture } from "../../test/render";
import { AccountAlertsTab, verdictText } from "./AccountAlertsTab";
import type { AccountRuleVerdict, AlertRead } from "./queries";

const LOAD = { timeout: 5_000 };
const ACCOUNT = "00000000-0000-0000-0000-000000000503";
const ALERT: AlertRead = {
  id: "00000000-0000-0000-0000-000000000501",
  rule_id: "00000000-0000-0000-0000-000000000502",
  rule_name: "Usage dropped",
  type: "engagement",
  account_id: ACCOUNT,
  account_name: "Acme",
  fired_at: "2026-03-01T10:00:00Z",
  status: "open",
  reason: "Fewer than 40 events in 30 days",
  values: { "metric.events_30d": 12 },
  snoozed_until: null,
  dismissed_at: null,
  dismissed_by: null,
  task_id: null,
  outcome: null,
  closed_at: null,
};
const VERDICT: AccountRuleVerdict = {
  rule_id: ALERT.rule_id,
  rule_name: "Usage dropped",
  is_active: true,
  account_id: ACCOUNT,
  account_name: "Acme",
  matches: true,
  fires: false,
  held: "open_alert",
  may_fire_from: null,
  open_alert_id: ALERT.id,
  values: { "metric.events_30d": 12 },
};
const QUIET: AccountRuleVerdict = {
  ...VERDICT,
  rule_id: "00000000-0000-0000-0000-000000000504",
  rule_name: "Renewal soon",
  matches: false,
  held: null,
  open_alert_id: null,
  values: { renewal_on: "2026-09-01" },
};

function renderTab() {
  startSession("token");
  const queries: string[] = [];
  const snoozed: unknown[] = [];
  fakeApi({
    "GET /api/v1/me": () => json(meFixture()),
    "GET /api/v1/alerts": (request) => {
      queries.push(new URL(request.url).search);
      return json({ items: [ALERT], total: 1, limit: 200, offset: 0 });
    },
    [`GET /api/v1/accounts/${ACCOUNT}/alert-verdicts`]: () => json([VERDICT, QUIET]),
    [`POST /api/v1/alerts/${ALERT.id}/snooze`]: async (request) => {
      snoozed.push(await request.json());
      return json({ ...ALERT, snoozed_until: "2026-03-08" });
    },
  });
  render(
    <Providers queryClient={createQueryClient()}>
      <MemoryRouter>
        <AccountAlertsTab accountId={ACCOUNT} />
      </MemoryRouter>
    </Providers>,
  );
  return { queries, snoozed };
}

describe("the account's alerts", { timeout: 30_000 }, () => {
  beforeEach(() => resetSessionForTests());
  afterEach(() => vi.unstubAllGlobals());

  it("shows its open alerts with reason and values, snoozes one, and says why each rule alerts or not", async () => {
    const user = userEvent.setup({ delay: null });
    const { queries, snoozed } = renderTab();

    const alert = await screen.findByTestId("account-alert", {}, LOAD);
    expect(alert).toHaveTextContent("Fewer than 40 events in 30 days");
    expect(alert).toHaveTextContent("metric.events_30d: 12");
    expect(queries[0]).toContain(`account_id=${ACCOUNT}`);
    expect(queries[0]).toContain("status=open");

    const verdicts = await screen.findAllByTestId("account-alert-verdict", {}, LOAD);
    expect(verdicts.map((v) => v.textContent)).toEqual([
      expect.stringContaining("An alert of the rule is still open"),
      expect.stringContaining("Does not match"),
    ]);

    await user.click(await within(alert).findByLabelText("Snooze"));
    await waitFor(() => expect(snoozed).toHaveLength(1));
    expect(snoozed[0]).toEqual({ until: expect.stringMatching(/^\d{4}-\d{2}-\d{2}$/) });
  });

  it("gives the date a rule held by its retrigger delay may alert again", () => {
    const held: AccountRuleVerdict = { ...VERDICT, held: "retrigger_delay", may_fire_from: "2026-03-08T10:00:00Z", open_alert_id: null };
    expect(verdictText(held)).toMatch(/^Within the retrigger delay \(may alert from .+\)$/);
    expect(verdictText({ ...VERDICT, held: null, fires: true })).toBe("Matches: would alert at the next evaluation");
  });
});
