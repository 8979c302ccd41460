import { render, screen, waitFor } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { MemoryRouter } from "react-router";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { resetSessionForTests, startSession } from "../../api/session";
import { Providers } from "../../app/Providers";
import { createQueryClient } from "../../app/queryClient";
import { fakeApi, json } from "../../test/fakeApi";
import { AlertRuleEditor } from "./AlertRuleEditor";
import type { AlertRuleRead } from "./queries";

const RULE: AlertRuleRead = {
  id: "r1",
  name: "Unassigned",
  type: "churn",
  description: "",
  condition: { kind: "all", conditions: [{ kind: "compare", field: "csm", op: "is_empty" }] },
  retrigger_delay_days: 7,
  never_retrigger: false,
  includes_churned: false,
  creates_task: false,
  playbook_id: null,
  notify: [],
  is_active: true,
  problem: null,
  last_triggered_at: null,
  triggers_last_30_days: 0,
  created_at: "2026-01-01T00:00:00Z",
  updated_at: "2026-01-01T00:00:00Z",
};

describe("the alert rule editor", () => {
  beforeEach(() => resetSessionForTests());
  afterEach(() => vi.unstubAllGlobals());

  it("keeps a retrigger delay as typed and refuses one out of range, rather than clamping it", async () => {
    startSession("token");
    fakeApi({
      "GET /api/v1/accounts/fields": () => json([{ key: "csm", label: "CSM", type: "users", options: [], format: null, sortable: false }]),
      "GET /api/v1/playbooks": () => json([]),
      "POST /api/v1/alert-rules/preview": () => json({ matched: 0, would_fire: 0, held: {}, accounts: [] }),
    });
    render(
      <Providers queryClient={createQueryClient()}>
        <MemoryRouter>
          <AlertRuleEditor rule={RULE} onClose={() => {}} />
        </MemoryRouter>
      </Providers>,
    );
    const user = userEvent.setup();
    const delay = await screen.findByLabelText("Retrigger delay (days)");
    await waitFor(() => expect(screen.getByTestId("alert-rule-save")).toBeEnabled());

    await user.clear(delay);
    await user.type(delay, "5000");
    await user.tab();
    expect(delay).toHaveValue("5000");
    expect(screen.getByText("Retrigger delay (days) is a whole number from 0 to 3650")).toBeInTheDocument();
    expect(screen.getByTestId("alert-rule-save")).toBeDisabled();
  });
});
