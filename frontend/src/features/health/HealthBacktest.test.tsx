import { render, screen, waitFor } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { MemoryRouter } from "react-router";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { resetSessionForTests, startSession } from "../../api/session";
import { Providers } from "../../app/Providers";
import { createQueryClient } from "../../app/queryClient";
import { fakeApi, json, problem } from "../../test/fakeApi";
import { HealthBacktest } from "./HealthBacktest";
import type { BacktestRead, HealthModelRead } from "./queries";

const MODEL_ID = "00000000-0000-0000-0000-000000000301";
const LOST_HIGH = "00000000-0000-0000-0000-000000000401";
const LOST_LOW = "00000000-0000-0000-0000-000000000402";
const VERSION = { created_at: "2026-03-01T10:00:00Z", created_by: null, components: [] };
const MODEL: HealthModelRead = {
  id: MODEL_ID,
  name: "Default",
  default: true,
  filter: null,
  priority: null,
  updated_at: "2026-03-01T10:00:00Z",
  scored_by_live: 40,
  scored_by_earlier: 0,
  live: { ...VERSION, number: 2 },
  shadow: { ...VERSION, number: 3 },
};

function result(version: number, auc: number): BacktestRead {
  return {
    model_id: MODEL_ID,
    version,
    day: "2026-01-01",
    horizon_days: 90,
    accounts: 4,
    churned: 2,
    auc,
    poor_lift: 2,
    currency: "USD",
    bands: [
      { band: "good", accounts: 3, churned: 1, churn_rate: 1 / 3, mrr: 300, churned_mrr: 100, churned_accounts: [{ id: LOST_HIGH, name: "Lost high" }] },
      { band: "poor", accounts: 1, churned: 1, churn_rate: 1, mrr: 100, churned_mrr: 100, churned_accounts: [{ id: LOST_LOW, name: "Lost low" }] },
    ],
  };
}

describe("the health backtest", { timeout: 20_000 }, () => {
  beforeEach(() => resetSessionForTests());
  afterEach(() => vi.unstubAllGlobals());

  it("replays the live and the shadow version side by side", async () => {
    startSession("token");
    const asked: { version: number }[] = [];
    fakeApi({
      [`POST /api/v1/health/models/${MODEL_ID}/backtest`]: async (request) => {
        const body = (await request.json()) as { version: number };
        asked.push(body);
        return json(result(body.version, body.version === 2 ? 0.75 : 0.9));
      },
    });
    render(
      <Providers queryClient={createQueryClient()}>
        <MemoryRouter>
          <HealthBacktest models={[MODEL]} />
        </MemoryRouter>
      </Providers>,
    );

    await userEvent.click(screen.getByTestId("backtest-run"));

    await waitFor(() => expect(screen.getAllByTestId("backtest-auc")).toHaveLength(2));
    expect(screen.getAllByTestId("backtest-auc").map((e) => e.textContent)).toEqual(["0.75", "0.90"]);
    expect(asked.map((b) => b.version).sort()).toEqual([2, 3]);
    expect(screen.getByText("Version 3")).toBeInTheDocument();
    expect(screen.getAllByText("33.3%")).toHaveLength(2);
    // Money in the base currency.
    expect(screen.getAllByText("$100 of $300")).toHaveLength(2);

    // The accounts behind a band's churn: the good band's one churned account, linked.
    await userEvent.click(screen.getAllByRole("button", { name: "Show the 1 good account that churned" })[0]!);
    expect(screen.getByRole("link", { name: "Lost high" })).toHaveAttribute("href", `/accounts/${LOST_HIGH}`);
    expect(screen.queryByRole("link", { name: "Lost low" })).not.toBeInTheDocument();
  });

  it("says which days can be replayed when the day has no snapshot", async () => {
    startSession("token");
    const detail = "No metric snapshot was taken on 1900-01-01; the first was taken on 2025-12-08, the last on 2026-12-07";
    fakeApi({ [`POST /api/v1/health/models/${MODEL_ID}/backtest`]: () => problem(422, "no_snapshot_for_day", detail) });
    render(
      <Providers queryClient={createQueryClient()}>
        <MemoryRouter>
          <HealthBacktest models={[{ ...MODEL, shadow: null }]} />
        </MemoryRouter>
      </Providers>,
    );

    await userEvent.click(screen.getByTestId("backtest-run"));

    expect(await screen.findByTestId("error-state")).toHaveTextContent(detail);
    expect(screen.queryByTestId("backtest-auc")).not.toBeInTheDocument();
  });
});
