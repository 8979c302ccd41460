import { screen, waitFor } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { resetSessionForTests, startSession } from "../../api/session";
import { fakeApi, json, requestsTo } from "../../test/fakeApi";
import { meFixture, renderApp } from "../../test/render";

const LOAD = { timeout: 5_000 };
const CSM = { id: "00000000-0000-0000-0000-000000000c51", full_name: "Cleo Csm", status: "active", role_id: "00000000-0000-0000-0000-0000000000cc" };

function trend(csmId: string | null) {
  return {
    since: "2026-03-01",
    until: "2026-03-02",
    csm_id: csmId,
    currency: "USD",
    points: [
      { day: "2026-03-01", band: "good", accounts: 2, mrr: 200 },
      { day: "2026-03-02", band: "good", accounts: csmId ? 1 : 3, mrr: 300 },
      { day: "2026-03-02", band: "poor", accounts: 1, mrr: 50 },
    ],
  };
}

function signedInApi(permissions: Parameters<typeof meFixture>[1]) {
  startSession("token");
  return fakeApi({
    "GET /api/v1/me": () => json(meFixture({}, permissions)),
    "GET /api/v1/health/bands": () => json({ good_from: 75, average_from: 40 }),
    "GET /api/v1/health/trend": (request) => json(trend(new URL(request.url).searchParams.get("csm_id"))),
    "GET /api/v1/users": () => json([CSM]),
    "GET /api/v1/roles": () => json([{ id: CSM.role_id, name: "CSM", description: "", permissions: ["csm_seat"], landing_page: "/accounts", is_builtin: true }]),
  });
}

describe("the health trend page", { timeout: 20_000 }, () => {
  beforeEach(() => resetSessionForTests());
  afterEach(() => vi.unstubAllGlobals());

  it("shows a manager the organisation's bands, then one CSM's", async () => {
    const api = signedInApi(["view_all_accounts", "csm_seat"]);
    renderApp("/health");

    const good = await screen.findByTestId("health-trend-latest-good", {}, LOAD);
    expect(screen.getByTestId("health-trend-latest-day")).toHaveTextContent(/^Now \(/);
    expect(good).toHaveTextContent("Good · 75–100");
    expect(good).toHaveTextContent("3 accounts");
    expect(good).toHaveTextContent("75% · $300 MRR");
    expect(screen.getByTestId("health-trend-latest-poor")).toHaveTextContent("Poor · 0–39");
    expect(await screen.findByTestId("health-trend-accounts", {}, LOAD)).toBeInTheDocument();
    expect(new URL(requestsTo(api, "GET", "/api/v1/health/trend")[0]!.url).searchParams.get("csm_id")).toBeNull();

    await userEvent.click(screen.getByTestId("health-trend-scope"));
    await userEvent.click(await screen.findByRole("option", { name: "Cleo Csm", hidden: true }));
    await waitFor(() => expect(screen.getByTestId("health-trend-latest-good")).toHaveTextContent("1 account"));
    expect(new URL(requestsTo(api, "GET", "/api/v1/health/trend").at(-1)!.url).searchParams.get("csm_id")).toBe(CSM.id);
  });

  it("shows a CSM who may not see every account their own accounts", async () => {
    const api = signedInApi(["csm_seat"]);
    renderApp("/health");

    expect(await screen.findByTestId("health-trend-latest-good", {}, LOAD)).toHaveTextContent("1 account");
    expect(screen.getByText("Your accounts")).toBeInTheDocument();
    expect(screen.queryByTestId("health-trend-scope")).toBeNull();
    const asked = requestsTo(api, "GET", "/api/v1/health/trend").map((r) => new URL(r.url).searchParams.get("csm_id"));
    expect(asked).toEqual([meFixture().id]);
  });
});
