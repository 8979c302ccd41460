import { render, screen, within } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { resetSessionForTests, startSession } from "../../api/session";
import { Providers } from "../../app/Providers";
import { createQueryClient } from "../../app/queryClient";
import { fakeApi, json, requestsTo } from "../../test/fakeApi";
import { ChurnCard } from "./ChurnCard";
import { ChurnModelCard } from "./ChurnModelCard";
import type { ChurnModelRead, ChurnStatusRead } from "./queries";

const LOAD = { timeout: 5_000 };
const ACCOUNT = "00000000-0000-0000-0000-000000000101";
const MODEL: ChurnModelRead = {
  id: "00000000-0000-0000-0000-000000000401",
  trained_at: "2026-06-01T12:00:00Z",
  horizon_days: 90,
  first_day: "2025-12-25",
  last_day: "2026-03-03",
  snapshot_days: 70,
  rows: 3900,
  accounts: 60,
  churn_events: 16,
  intercept: -3.1,
  refused: null,
  features: [
    { key: "events_30d", label: "Events (30 d)", mean: 250, scale: 140, coefficient: 0.05 },
    { key: "active_users_30d", label: "Active users (30 d)", mean: 17.2, scale: 6.4, coefficient: -2.4 },
  ],
  held_out: {
    cutoff: "2026-02-15",
    rows: 900,
    churned: 120,
    auc: 0.973,
    brier: 0.041,
    bins: [{ low: 0, high: 0.1, rows: 760, predicted: 0.02, observed: 0.03 }],
  },
  backtest: {
    day: "2026-02-15",
    accounts: 50,
    churned: 6,
    auc: 0.98,
    deciles: [{ decile: 1, accounts: 5, churned: 5, churn_rate: 1, min_probability: 0.7, max_probability: 0.95, churned_account_ids: [] }],
  },
};

function status(overrides: Partial<ChurnStatusRead> = {}): ChurnStatusRead {
  return {
    live: MODEL,
    history: [MODEL],
    requirements: { horizon_days: 90, min_snapshot_days: 60, min_churn_events: 10 },
    available: { snapshot_days: 70, churn_events: 16 },
    missing: null,
    ...overrides,
  };
}

function renderCard(body: ChurnStatusRead) {
  startSession("token");
  const api = fakeApi({
    "GET /api/v1/churn/model": () => json(body),
    "POST /api/v1/churn/model/train": () => json({ job_id: "churn:1" }, 202),
  });
  render(
    <Providers queryClient={createQueryClient()}>
      <ChurnModelCard />
    </Providers>,
  );
  return api;
}

describe("the churn model card", { timeout: 20_000 }, () => {
  beforeEach(() => resetSessionForTests());
  afterEach(() => vi.unstubAllGlobals());

  it("shows the model's drivers, held-out AUC, calibration and backtest", async () => {
    renderCard(status());

    expect(await screen.findByTestId("churn-auc", {}, LOAD)).toHaveTextContent("0.97");
    const [, strongest] = within(screen.getByTestId("churn-features")).getAllByRole("row");
    expect(strongest).toHaveTextContent("Active users (30 d)");
    expect(strongest).toHaveTextContent("-2.40 log-odds");
    expect(screen.getByTestId("churn-calibration")).toHaveTextContent("3%");
    expect(screen.getByTestId("churn-deciles")).toHaveTextContent("100%");
  });

  it("says what history is missing, and trains on demand", async () => {
    const api = renderCard(
      status({
        live: null,
        history: [],
        available: { snapshot_days: 20, churn_events: 3 },
        missing: "Training needs at least 60 days of metric snapshots whose outcome is known (has 20)",
      }),
    );

    expect(await screen.findByTestId("churn-missing", {}, LOAD)).toHaveTextContent("(has 20)");
    expect(screen.getByText(/No model has been trained yet/)).toBeInTheDocument();
    await userEvent.click(screen.getByTestId("churn-train"));
    await vi.waitFor(() => expect(requestsTo(api, "POST", "/api/v1/churn/model/train")).toHaveLength(1));
  });
});

describe("the account's churn card", { timeout: 20_000 }, () => {
  beforeEach(() => resetSessionForTests());
  afterEach(() => vi.unstubAllGlobals());

  function renderDrivers(handler: () => Response) {
    startSession("token");
    fakeApi({ [`GET /api/v1/accounts/${ACCOUNT}/churn-drivers`]: handler });
    render(
      <Providers queryClient={createQueryClient()}>
        <ChurnCard accountId={ACCOUNT} />
      </Providers>,
    );
  }

  it("shows the probability and what drives it", async () => {
    renderDrivers(() =>
      json({
        account_id: ACCOUNT,
        probability: 87.25,
        horizon_days: 90,
        trained_at: "2026-06-01T12:00:00Z",
        drivers: [{ key: "active_users_30d", label: "Active users (30 d)", value: 2, mean: 17.2, contribution: 2.1 }],
      }),
    );

    expect(await screen.findByTestId("churn-probability", {}, LOAD)).toHaveTextContent("87.3%");
    expect(screen.getByTestId("churn-driver")).toHaveTextContent("Raises the risk: 2 against 17.2 on average");
  });

  it("says when no model has been trained", async () => {
    renderDrivers(() =>
      new Response(JSON.stringify({ type: "about:blank", title: "No churn model", status: 404, detail: "Train it", code: "no_churn_model" }), {
        status: 404,
        headers: { "Content-Type": "application/problem+json" },
      }),
    );
    expect(await screen.findByText("No churn model has been trained yet.", {}, LOAD)).toBeInTheDocument();
  });
});
