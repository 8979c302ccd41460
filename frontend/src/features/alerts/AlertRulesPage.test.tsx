import { render, screen, waitFor, within } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { MemoryRouter } from "react-router";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { resetSessionForTests, startSession } from "../../api/session";
import { Providers } from "../../app/Providers";
import { createQueryClient } from "../../app/queryClient";
import { fakeApi, json, requestsTo } from "../../test/fakeApi";
import { AlertRulesPage } from "./AlertRulesPage";
import type { AlertRuleRead } from "./queries";

const DRAFT: AlertRuleRead = {
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
  is_active: false,
  problem: null,
  last_triggered_at: null,
  triggers_last_30_days: 0,
  created_at: "2026-01-01T00:00:00Z",
  updated_at: "2026-01-01T00:00:00Z",
};

describe("the alert rules page", () => {
  beforeEach(() => resetSessionForTests());
  afterEach(() => vi.unstubAllGlobals());

  it("says what Run now will do, with how many accounts it would fire for, and runs only once confirmed", async () => {
    startSession("token");
    const api = fakeApi({
      "GET /api/v1/alert-rules": () => json([DRAFT]),
      "GET /api/v1/accounts/fields": () => json([{ key: "csm", label: "CSM", type: "users", options: [], format: null, sortable: false }]),
      "GET /api/v1/users": () => json([]),
      "POST /api/v1/alert-rules/r1/preview": () => json({ matched: 130, would_fire: 128, held: {}, accounts: [] }),
      "POST /api/v1/alert-rules/r1/run": () => json({ job_id: "alerts:r1:run" }, 202),
    });
    render(
      <Providers queryClient={createQueryClient()}>
        <MemoryRouter>
          <AlertRulesPage />
        </MemoryRouter>
      </Providers>,
    );
    const user = userEvent.setup();

    await user.click(await screen.findByRole("button", { name: "Run now" }));
    const dialog = await screen.findByRole("dialog", { name: "Run Unassigned now?" });
    expect(within(dialog).getByText(/although it is inactive/)).toBeInTheDocument();
    await waitFor(() =>
      expect(within(dialog).getByTestId("alert-rule-run-preview")).toHaveTextContent("130 match it now and it would fire for 128"),
    );
    expect(requestsTo(api, "POST", "/api/v1/alert-rules/r1/run")).toHaveLength(0);

    await user.click(within(dialog).getByRole("button", { name: "Run now" }));
    await waitFor(() => expect(requestsTo(api, "POST", "/api/v1/alert-rules/r1/run")).toHaveLength(1));
    await waitFor(() => expect(screen.queryByRole("dialog")).not.toBeInTheDocument());
  });
});
