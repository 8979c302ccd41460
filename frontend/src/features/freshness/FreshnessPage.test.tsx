import { screen, within } from "@testing-library/react";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { resetSessionForTests, startSession } from "../../api/session";
import type { Permission } from "../../api/types";
import { fakeApi, json, requestsTo } from "../../test/fakeApi";
import { meFixture, renderApp } from "../../test/render";
import type { FreshnessRead } from "./queries";

const LOAD = { timeout: 5_000 };
const ago = (seconds: number) => new Date(Date.now() - seconds * 1000).toISOString();

function freshness(overrides: Partial<FreshnessRead> = {}): FreshnessRead {
  return {
    pending_accounts: 0,
    running_accounts: 0,
    failed_accounts: 0,
    oldest_change_at: null,
    oldest_change_seconds: null,
    last_change: 42,
    stages: [],
    ...overrides,
  };
}

function api(answers: FreshnessRead[], permissions?: Permission[]) {
  startSession("token");
  let asked = 0;
  return fakeApi({
    "GET /api/v1/me": () => json(meFixture({}, permissions)),
    // The last answer stays once the others are given.
    "GET /api/v1/freshness": () => json(answers[Math.min(asked++, answers.length - 1)]),
  });
}

describe("the data freshness page", { timeout: 20_000 }, () => {
  beforeEach(() => resetSessionForTests());
  afterEach(() => vi.unstubAllGlobals());

  it("shows the backlog and when each stage last completed, in the order the chain runs them", async () => {
    api([
      freshness({
        pending_accounts: 3,
        running_accounts: 1,
        failed_accounts: 1,
        oldest_change_at: ago(95),
        oldest_change_seconds: 95,
        stages: [
          { stage: "metrics", completed_at: ago(120), accounts: 12, seconds: 0.034 },
          { stage: "refresh", completed_at: ago(600), accounts: 5000, seconds: 3.1 },
          { stage: "usage", completed_at: ago(30), accounts: 1200, seconds: 2.44 },
        ],
      }),
    ]);
    renderApp("/admin/freshness");

    expect(await screen.findByTestId("freshness-pending", {}, LOAD)).toHaveTextContent("3");
    expect(screen.getByTestId("freshness-running")).toHaveTextContent("1");
    expect(screen.getByTestId("freshness-failed")).toHaveTextContent("1");
    expect(screen.getByText("Tried again within the hour")).toBeInTheDocument();
    expect(screen.getByTestId("freshness-oldest")).toHaveTextContent("1 minute ago");

    const rows = within(screen.getByTestId("freshness-stages")).getAllByRole("row").slice(1);
    expect(rows.map((row) => within(row).getAllByRole("cell")[0]!.textContent)).toEqual([
      "Usage rollup",
      "Metrics",
      "Hourly refresh of every account",
    ]);
    const usage = screen.getByTestId("freshness-stage-usage");
    // Seconds pass while a slow machine renders: 30 to 39.
    expect(usage).toHaveTextContent(/3\d seconds ago/);
    expect(usage).toHaveTextContent("1,200");
    expect(usage).toHaveTextContent("2.4 s");
    expect(screen.getByTestId("freshness-stage-metrics")).toHaveTextContent("2 minutes ago");
  });

  it("asks again every few seconds and says when nothing waits", async () => {
    const stages = [{ stage: "metrics", completed_at: ago(1), accounts: 2, seconds: 0.2 }];
    const mock = api([
      freshness({ pending_accounts: 2, oldest_change_at: ago(4), oldest_change_seconds: 4, stages }),
      freshness({ stages }),
    ]);
    renderApp("/admin/freshness");

    expect(await screen.findByTestId("freshness-pending", {}, LOAD)).toHaveTextContent("2");
    expect(await screen.findByText("All figures are up to date", {}, { timeout: 8_000 })).toBeInTheDocument();
    expect(screen.getByTestId("freshness-stages")).toBeInTheDocument();
    expect(requestsTo(mock, "GET", "/api/v1/freshness").length).toBeGreaterThanOrEqual(2);
  });

  it("says so before any stage has run", async () => {
    api([freshness()]);
    renderApp("/admin/freshness");
    expect(await screen.findByTestId("freshness-no-stages", {}, LOAD)).toBeInTheDocument();
    expect(screen.getByTestId("freshness-up-to-date")).toBeInTheDocument();
  });

  it("is in the navigation only of roles that manage the organisation", async () => {
    api([freshness()], ["manage_organisation"]);
    renderApp("/admin/freshness");
    expect(await screen.findByRole("link", { name: "Data freshness" }, LOAD)).toBeInTheDocument();
  });

  it("is neither shown nor open to a CSM", async () => {
    const mock = api([freshness()], ["csm_seat", "update_accounts"]);
    renderApp("/admin/freshness");
    expect(await screen.findByTestId("no-access", {}, LOAD)).toBeInTheDocument();
    expect(screen.queryByRole("link", { name: "Data freshness" })).not.toBeInTheDocument();
    expect(requestsTo(mock, "GET", "/api/v1/freshness")).toHaveLength(0);
  });
});
