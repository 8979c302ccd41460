import { screen, waitFor, within } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { resetSessionForTests, startSession } from "../../api/session";
import type { Account } from "../../api/types";
import { fakeApi, json, problem, requestsTo } from "../../test/fakeApi";
import { meFixture, renderApp } from "../../test/render";
import { readListState } from "./AccountsPage";

function account(name: string, i: number): Account {
  return {
    id: `00000000-0000-0000-0000-00000000010${i}`,
    external_id: `${name.toLowerCase().replace(/\s/g, "-")}-${i}`,
    name,
    domain: `${name.toLowerCase().replace(/\s/g, "")}.example`,
    joined_on: "2024-01-15",
    renewal_on: "2030-01-15",
    csm_ids: [],
    crm_id: null,
    billing_id: null,
    support_id: null,
    parent_id: null,
    tier_id: null,
    stage_id: null,
    status_title: null,
    status_details: null,
    status_at: null,
    status_author_id: null,
    csm_score: null,
    nps: null,
    churned_on: null,
    churn_reason: null,
    custom_values: {},
    created_at: "2024-01-15T00:00:00Z",
    updated_at: "2024-01-15T00:00:00Z",
    deleted_at: null,
  };
}

const ACCOUNTS = [account("Acme Corp", 1), account("Globex Labs", 2), account("Initech Cloud", 3)];

function signedInApi(accounts: (request: Request) => Response | Promise<Response>) {
  startSession("token");
  return fakeApi({
    "GET /api/v1/me": () => json(meFixture()),
    "GET /api/v1/users": () => json([]),
    "GET /api/v1/accounts": accounts,
  });
}

function query(request: Request) {
  return new URL(request.url).searchParams;
}

describe("the accounts list", () => {
  beforeEach(() => resetSessionForTests());
  afterEach(() => vi.unstubAllGlobals());

  it("shows a page of accounts with the total", async () => {
    signedInApi(() => json({ items: ACCOUNTS, total: 120, limit: 25, offset: 0 }));
    renderApp("/accounts");
    expect(await screen.findByTestId("accounts-total")).toHaveTextContent("120 accounts");
    expect(screen.getAllByTestId("account-row")).toHaveLength(3);
    expect(screen.getByTestId("accounts-range")).toHaveTextContent("Showing 1–25 of 120");
  });

  it("sorts by a column header, and toggles the direction on a second click", async () => {
    const mock = signedInApi(() => json({ items: ACCOUNTS, total: 3, limit: 25, offset: 0 }));
    const { router } = renderApp("/accounts");
    const user = userEvent.setup();
    await screen.findAllByTestId("account-row");

    await user.click(screen.getByTestId("sort-name"));
    await waitFor(() => expect(router.state.location.search).toBe("?desc=1"));
    await waitFor(() => expect(requestsTo(mock, "GET", "/api/v1/accounts").some((r) => query(r).get("descending") === "true")).toBe(true));
    expect(screen.getByRole("columnheader", { name: "Name" })).toHaveAttribute("aria-sort", "descending");

    await user.click(screen.getByTestId("sort-renewal_on"));
    await waitFor(() => expect(router.state.location.search).toBe("?sort=renewal_on"));
  });

  it("searches as you type (debounced) and says when nothing matches", async () => {
    const mock = signedInApi((request) =>
      query(request).get("q") ? json({ items: [], total: 0, limit: 25, offset: 0 }) : json({ items: ACCOUNTS, total: 3, limit: 25, offset: 0 }),
    );
    const { router } = renderApp("/accounts");
    const user = userEvent.setup();
    await screen.findAllByTestId("account-row");

    await user.type(screen.getByLabelText("Search accounts"), "zzz");
    expect(await screen.findByText("No accounts match")).toBeInTheDocument();
    expect(router.state.location.search).toBe("?q=zzz");
    const searches = requestsTo(mock, "GET", "/api/v1/accounts").filter((r) => query(r).get("q"));
    // One request for the whole word, not one per keystroke.
    expect(searches.map((r) => query(r).get("q"))).toEqual(["zzz"]);
  });

  it("has an empty state for an organisation without accounts", async () => {
    signedInApi(() => json({ items: [], total: 0, limit: 25, offset: 0 }));
    renderApp("/accounts");
    const empty = await screen.findByTestId("empty-state");
    expect(within(empty).getByText("No accounts yet")).toBeInTheDocument();
    expect(within(empty).getByRole("button", { name: "New account" })).toBeInTheDocument();
  });

  it("shows an error with a retry that works", async () => {
    let calls = 0;
    signedInApi(() => (++calls === 1 ? problem(503, "unavailable", "The database is restarting") : json({ items: ACCOUNTS, total: 3, limit: 25, offset: 0 })));
    renderApp("/accounts");
    const error = await screen.findByTestId("error-state");
    expect(error).toHaveTextContent("The database is restarting");
    await userEvent.setup().click(within(error).getByRole("button", { name: "Retry" }));
    expect(await screen.findAllByTestId("account-row")).toHaveLength(3);
  });
});

describe("readListState", () => {
  it("falls back to defaults for missing or bad values", () => {
    expect(readListState(new URLSearchParams("sort=bogus&size=7&page=-1"))).toEqual({
      q: "",
      sort: "name",
      descending: false,
      size: 25,
      page: 1,
      deleted: false,
    });
    expect(readListState(new URLSearchParams("q=acme&sort=renewal_on&desc=1&size=50&page=3&deleted=1"))).toEqual({
      q: "acme",
      sort: "renewal_on",
      descending: true,
      size: 50,
      page: 3,
      deleted: true,
    });
  });
});
