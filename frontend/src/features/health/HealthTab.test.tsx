import { render, screen, within } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { resetSessionForTests, startSession } from "../../api/session";
import { Providers } from "../../app/Providers";
import { createQueryClient } from "../../app/queryClient";
import { fakeApi, json } from "../../test/fakeApi";
import { HealthTab } from "./HealthTab";
import type { AccountHealthRead } from "./queries";

const ACCOUNT = "00000000-0000-0000-0000-000000000101";
const LOAD = { timeout: 5_000 };

const HEALTH: AccountHealthRead = {
  score: 64,
  band: "average",
  model_id: "00000000-0000-0000-0000-000000000201",
  model_name: "Default",
  version: 2,
  computed_at: "2026-03-01T10:00:00Z",
  components: [
    {
      name: "CSM score",
      score: 60,
      weight: 3,
      share: 0.75,
      contribution: 45,
      could_add: 30,
      metrics: [{ metric: "csm_score", label: "CSM score", value: 60, score: 60 }],
    },
    {
      name: "Seats",
      score: null,
      weight: 4,
      share: 0,
      contribution: 0,
      could_add: 0,
      metrics: [{ metric: "active_users_30d", label: "Active users (30 days)", value: null, score: null }],
    },
  ],
  changes: [
    { days: 7, score_then: 40, change: 24, components: [{ name: "CSM score", then: 40, now: 60, change: 20 }] },
    { days: 30, score_then: null, change: null, components: [] },
  ],
};

function renderTab(health: AccountHealthRead | null) {
  startSession("token");
  fakeApi({
    [`GET /api/v1/accounts/${ACCOUNT}/health`]: () => json(health),
    [`GET /api/v1/accounts/${ACCOUNT}/health/history`]: () =>
      json({ account_id: ACCOUNT, good_from: 71, average_from: 31, points: [] }),
  });
  return render(
    <Providers queryClient={createQueryClient()}>
      <HealthTab accountId={ACCOUNT} />
    </Providers>,
  );
}

describe("the account's health tab", { timeout: 20_000 }, () => {
  beforeEach(() => resetSessionForTests());
  afterEach(() => vi.unstubAllGlobals());

  it("shows the score, its band, the model and each component's part", async () => {
    renderTab(HEALTH);

    expect(await screen.findByTestId("health-score", {}, LOAD)).toHaveTextContent("64");
    expect(screen.getByTestId("health-band")).toHaveTextContent("Average");
    expect(screen.getByTestId("health-model")).toHaveTextContent("Default model, version 2");
    const [csm, seats] = screen.getAllByTestId("health-component");
    expect(within(csm).getByText("75%")).toBeInTheDocument();
    expect(within(csm).getByText("45 · +30 possible")).toBeInTheDocument();
    expect(within(seats).getByText("Left out: weights re-normalised")).toBeInTheDocument();
    expect(screen.getByText("The trend appears after two daily scores.")).toBeInTheDocument();
  });

  it("lets the breakdown scroll sideways inside its card in a narrow window, rather than run past it", async () => {
    renderTab(HEALTH);
    const table = await screen.findByTestId("health-breakdown", {}, LOAD);
    const scroll = screen.getByTestId("health-breakdown-scroll");
    expect(scroll).toContainElement(table);
    expect(within(screen.getByTestId("account-health")).getByTestId("health-breakdown-scroll")).toBe(scroll);
  });

  it("shows the change since a week ago and which components moved it", async () => {
    renderTab(HEALTH);

    const week = await screen.findByTestId("health-change-7", {}, LOAD);
    expect(week).toHaveTextContent("+24");
    expect(screen.getByTestId("health-change-30")).toHaveTextContent("—");
    await userEvent.hover(week);
    expect(await screen.findByText("CSM score: 40 → 60")).toBeInTheDocument();
  });

  it("says when the account has not been scored yet", async () => {
    renderTab(null);
    expect(await screen.findByText(/Not scored yet/, {}, LOAD)).toBeInTheDocument();
  });
});
