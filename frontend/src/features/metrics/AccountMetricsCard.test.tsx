import { render, screen, waitFor } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { resetSessionForTests, startSession } from "../../api/session";
import { Providers } from "../../app/Providers";
import { createQueryClient } from "../../app/queryClient";
import { formatDateTime } from "../../components/format";
import { fakeApi, json } from "../../test/fakeApi";
import { useAccountHealth } from "../health/queries";
import { AccountMetricsCard } from "./AccountMetricsCard";
import type { AccountMetricsRead } from "./queries";

const ACCOUNT = "00000000-0000-0000-0000-000000000101";
const LOAD = { timeout: 5_000 };

function metrics(overrides: Partial<AccountMetricsRead>): AccountMetricsRead {
  return {
    account_id: ACCOUNT,
    currency: "USD",
    as_of: "2026-03-01",
    compared_with: "2026-02-22",
    metrics: [{ key: "mrr", label: "MRR", format: "currency", kind: "builtin", value: 2500, previous: 2000, change: 500 }],
    activity_rank: { rank: null, trend: null, trend_arrow: null },
    computed_at: null,
    updating: false,
    ...overrides,
  };
}

function renderCard(answers: AccountMetricsRead[]) {
  startSession("token");
  let asked = 0;
  fakeApi({
    [`GET /api/v1/accounts/${ACCOUNT}/metrics`]: () => json(answers[Math.min(asked++, answers.length - 1)]),
  });
  return render(
    <Providers queryClient={createQueryClient()}>
      <AccountMetricsCard accountId={ACCOUNT} />
    </Providers>,
  );
}

describe("the account's metrics card", { timeout: 20_000 }, () => {
  beforeEach(() => resetSessionForTests());
  afterEach(() => vi.unstubAllGlobals());

  it("says what a metric measures when its label is hovered", async () => {
    startSession("token");
    fakeApi({
      [`GET /api/v1/accounts/${ACCOUNT}/metrics`]: () => json(metrics({})),
      "GET /api/v1/metrics": () =>
        json([{ key: "mrr", field: "metric.mrr", label: "MRR", format: "currency", kind: "builtin", description: "Monthly recurring revenue", formula: null, valid: true }]),
    });
    render(
      <Providers queryClient={createQueryClient()}>
        <AccountMetricsCard accountId={ACCOUNT} />
      </Providers>,
    );

    const label = await screen.findByTestId("metric-title", {}, LOAD);
    expect(label).toHaveTextContent("MRR");
    await userEvent.hover(label);
    expect(await screen.findByText("Monthly recurring revenue", {}, LOAD)).toBeInTheDocument();
  });

  it("says how long ago the figures were computed, the exact time in its tooltip", async () => {
    const computedAt = new Date(Date.now() - 120_000).toISOString();
    renderCard([metrics({ computed_at: computedAt })]);

    const freshness = await screen.findByTestId("metrics-freshness", {}, LOAD);
    expect(freshness).toHaveTextContent("Updated 2 minutes ago");
    await userEvent.hover(freshness);
    expect(await screen.findByText(`Computed ${formatDateTime(computedAt)}`)).toBeInTheDocument();
  });

  it("says the figures are updating while a change waits, and asks again until they are", async () => {
    const before = new Date(Date.now() - 3_600_000).toISOString();
    renderCard([metrics({ computed_at: before, updating: true }), metrics({ computed_at: new Date().toISOString() })]);

    expect(await screen.findByTestId("metrics-freshness", {}, LOAD)).toHaveTextContent("Updating…");
    // The second answer's computed_at was made when the test began, seconds before it came.
    expect(await screen.findByText(/^Updated \d+ seconds ago$/, {}, { timeout: 8_000 })).toBeInTheDocument();
  });

  it("asks for the account's health again when its figures move", async () => {
    startSession("token");
    const answers = [
      metrics({ computed_at: new Date(Date.now() - 3_600_000).toISOString(), updating: true }),
      metrics({ computed_at: new Date().toISOString() }),
    ];
    let asked = 0;
    let healthAsked = 0;
    fakeApi({
      [`GET /api/v1/accounts/${ACCOUNT}/metrics`]: () => json(answers[Math.min(asked++, answers.length - 1)]),
      [`GET /api/v1/accounts/${ACCOUNT}/health`]: () => json({ account_id: ACCOUNT, score: healthAsked++ }),
    });
    function HealthScore() {
      const health = useAccountHealth(ACCOUNT);
      return <span data-testid="health-asked">{health.data ? "asked" : ""}</span>;
    }
    render(
      <Providers queryClient={createQueryClient()}>
        <HealthScore />
        <AccountMetricsCard accountId={ACCOUNT} />
      </Providers>,
    );

    expect(await screen.findByText(/^Updated \d+ seconds ago$/, {}, { timeout: 8_000 })).toBeInTheDocument();
    await waitFor(() => expect(healthAsked).toBe(2));
  });

  it("says when the figures were never computed", async () => {
    renderCard([metrics({})]);
    expect(await screen.findByTestId("metrics-freshness", {}, LOAD)).toHaveTextContent("Not computed yet");
  });
});
