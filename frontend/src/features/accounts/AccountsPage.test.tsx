import { screen, waitFor, within } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { resetSessionForTests, startSession } from "../../api/session";
import type { Account } from "../../api/types";
import { fakeApi, json, problem, requestsTo, type Handler } from "../../test/fakeApi";
import { meFixture, renderApp } from "../../test/render";

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

function signedInApi(accounts: (request: Request) => Response | Promise<Response>, more: Record<string, Handler> = {}) {
  startSession("token");
  return fakeApi({
    "GET /api/v1/me": () => json(meFixture()),
    "GET /api/v1/users": () => json([]),
    "GET /api/v1/roles": () => json([]),
    "GET /api/v1/tiers": () => json([]),
    "GET /api/v1/lifecycle-stages": () => json([]),
    "GET /api/v1/accounts/fields": () => json([]),
    "POST /api/v1/accounts/query": accounts,
    ...more,
  });
}

const HEALTH_FIELDS = [
  { key: "name", label: "Name", type: "text", options: [], format: null, sortable: true },
  { key: "health.score", label: "Health score", type: "number", options: [], format: "integer", sortable: true },
  { key: "health.band", label: "Health band", type: "category", options: ["good", "average", "poor"], format: null, sortable: true },
];

const METRIC_FIELDS = [
  { key: "name", label: "Name", type: "text", options: [], format: null, sortable: true },
  { key: "metric.mrr", label: "MRR", type: "number", options: [], format: "currency", sortable: true },
  { key: "custom.seats", label: "Seats", type: "number", options: [], format: "integer", sortable: true },
];

/** The explorer's query body, as URL-style params so the assertions read the same. */
async function query(request: Request) {
  const body = (await request.clone().json()) as Record<string, unknown>;
  const params = new URLSearchParams();
  for (const [k, v] of Object.entries(body)) if (v !== null && v !== undefined) params.set(k, String(v));
  return params;
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

  it("asks for active accounts by default, and churned ones from the segmented control", async () => {
    const mock = signedInApi(() => json({ items: ACCOUNTS, total: 3, limit: 25, offset: 0 }));
    const { router } = renderApp("/accounts");
    await screen.findAllByTestId("account-row");
    const first = await query(requestsTo(mock, "POST", "/api/v1/accounts/query")[0]!);
    expect(first.get("churned")).toBe("false");
    await userEvent.setup().click(screen.getByRole("radio", { name: "Churned" }));
    await waitFor(() => expect(router.state.location.search).toBe("?segment=churned"));
    await waitFor(async () => {
      const bodies = await Promise.all(requestsTo(mock, "POST", "/api/v1/accounts/query").map(query));
      expect(bodies.some((b) => b.get("churned") === "true")).toBe(true);
    });
  });

  it("sorts by a column header, and toggles the direction on a second click", async () => {
    const mock = signedInApi(() => json({ items: ACCOUNTS, total: 3, limit: 25, offset: 0 }));
    const { router } = renderApp("/accounts");
    const user = userEvent.setup();
    await screen.findAllByTestId("account-row");

    await user.click(screen.getByTestId("sort-name"));
    await waitFor(() => expect(router.state.location.search).toBe("?desc=1"));
    await waitFor(async () => {
      const bodies = await Promise.all(requestsTo(mock, "POST", "/api/v1/accounts/query").map(query));
      expect(bodies.some((b) => b.get("descending") === "true")).toBe(true);
    });
    expect(screen.getByRole("columnheader", { name: "Name" })).toHaveAttribute("aria-sort", "descending");

    await user.click(screen.getByTestId("sort-renewal_on"));
    await waitFor(() => expect(router.state.location.search).toBe("?sort=renewal_on"));
  });

  it("asks for the metric columns' values, shows them in their format and sorts by them", async () => {
    const listed = ACCOUNTS.map((a, i) => ({ ...a, custom_values: { seats: 10 * i + 0.4 }, metric_values: { mrr: i ? 1250.5 * i : null } }));
    const mock = signedInApi(() => json({ items: listed, total: 3, limit: 25, offset: 0 }), {
      "GET /api/v1/accounts/fields": () => json(METRIC_FIELDS),
      "GET /api/v1/organisation": () => json({ base_currency: "EUR" }),
    });
    const { router } = renderApp("/accounts?cols=name,metric.mrr,custom.seats");
    const user = userEvent.setup();
    const rows = await screen.findAllByTestId("account-row");

    const [first] = await Promise.all(requestsTo(mock, "POST", "/api/v1/accounts/query").map(query));
    expect(first!.get("columns")).toBe("metric.mrr");
    await waitFor(() => expect(within(rows[1]!).getByTestId("cell-metric.mrr")).toHaveTextContent("€1,250.50"));
    expect(within(rows[0]!).getByTestId("cell-metric.mrr")).toHaveTextContent("—");
    expect(within(rows[2]!).getByTestId("cell-custom.seats")).toHaveTextContent((20).toLocaleString());

    await user.click(screen.getByTestId("sort-custom.seats"));
    await waitFor(() => expect(router.state.location.search).toContain("sort=custom.seats"));
    await waitFor(async () => {
      const bodies = await Promise.all(requestsTo(mock, "POST", "/api/v1/accounts/query").map(query));
      expect(bodies.some((b) => b.get("sort") === "custom.seats")).toBe(true);
    });
  });

  it("shows each account's health score in its band's colour in the default Health column", async () => {
    const listed = ACCOUNTS.map((a, i) => ({
      ...a,
      metric_values: {},
      health_values: i === 2 ? { score: null, band: null } : { score: 20 + 60 * i, band: i ? "good" : "poor" },
    }));
    const mock = signedInApi(() => json({ items: listed, total: 3, limit: 25, offset: 0 }), {
      "GET /api/v1/accounts/fields": () => json(HEALTH_FIELDS),
    });
    renderApp("/accounts");
    const rows = await screen.findAllByTestId("account-row");

    const bodies = await Promise.all(requestsTo(mock, "POST", "/api/v1/accounts/query").map(query));
    expect(bodies.at(-1)!.get("columns")).toBe("health.score,health.band");
    await waitFor(() => expect(within(rows[0]!).getByTestId("health-badge")).toHaveTextContent("20"));
    expect(within(rows[1]!).getByTestId("health-badge")).toHaveTextContent("80");
    expect(within(rows[2]!).getByTestId("cell-health.score")).toHaveTextContent("—");
  });

  it("sorts by name when the sort in the link is a field the organisation no longer has", async () => {
    const mock = signedInApi(() => json({ items: ACCOUNTS, total: 3, limit: 25, offset: 0 }), {
      "GET /api/v1/accounts/fields": () => json(METRIC_FIELDS),
    });
    renderApp("/accounts?sort=custom.gone");
    await screen.findAllByTestId("account-row");
    const bodies = await Promise.all(requestsTo(mock, "POST", "/api/v1/accounts/query").map(query));
    expect(bodies.map((b) => b.get("sort"))).toEqual(["name"]);
  });

  it("opens a saved view with its segment", async () => {
    const view = {
      id: "v1",
      owner_id: meFixture().id,
      name: "Lost",
      is_shared: false,
      columns: ["name"],
      filter: null,
      segment: "churned",
      sort: "name",
      descending: false,
    };
    const mock = signedInApi(() => json({ items: ACCOUNTS, total: 3, limit: 25, offset: 0 }), {
      "GET /api/v1/account-views": () => json([view]),
    });
    const { router } = renderApp("/accounts");
    const user = userEvent.setup();
    await screen.findAllByTestId("account-row");

    await user.click(screen.getByTestId("views-menu"));
    await user.click(await screen.findByRole("menuitem", { name: /Lost/ }));
    await waitFor(() => expect(router.state.location.search).toContain("segment=churned"));
    await waitFor(async () => {
      const bodies = await Promise.all(requestsTo(mock, "POST", "/api/v1/accounts/query").map(query));
      expect(bodies.at(-1)!.get("churned")).toBe("true");
    });
  });

  const SHARED_VIEW = {
    id: "v1",
    owner_id: meFixture().id,
    name: "Renewals",
    is_shared: true,
    columns: ["name"],
    filter: null,
    segment: "active",
    sort: "name",
    descending: false,
  };

  it("closes the Views menu when a view's pencil opens its Edit view dialog", async () => {
    signedInApi(() => json({ items: ACCOUNTS, total: 3, limit: 25, offset: 0 }), {
      "GET /api/v1/account-views": () => json([SHARED_VIEW]),
    });
    renderApp("/accounts");
    const user = userEvent.setup();
    await screen.findAllByTestId("account-row");

    await user.click(screen.getByTestId("views-menu"));
    await user.click(await screen.findByRole("button", { name: "Rename view Renewals" }));
    expect(await screen.findByRole("dialog", { name: "Edit view" })).toBeInTheDocument();
    await waitFor(() => expect(screen.getByTestId("views-menu")).toHaveAttribute("aria-expanded", "false"));
  });

  it("asks before deleting a view, saying it is shared with the organisation, and closes the Views menu", async () => {
    const mock = signedInApi(() => json({ items: ACCOUNTS, total: 3, limit: 25, offset: 0 }), {
      "GET /api/v1/account-views": () => json([SHARED_VIEW]),
      "DELETE /api/v1/account-views/v1": () => new Response(null, { status: 204 }),
    });
    renderApp("/accounts");
    const user = userEvent.setup();
    await screen.findAllByTestId("account-row");

    await user.click(screen.getByTestId("views-menu"));
    await user.click(await screen.findByRole("button", { name: "Delete view Renewals" }));
    const confirm = await screen.findByRole("dialog", { name: "Delete this view?" });
    await waitFor(() => expect(screen.getByTestId("views-menu")).toHaveAttribute("aria-expanded", "false"));
    expect(confirm).toHaveTextContent("“Renewals” is shared with the organisation: it will be deleted for everyone.");
    expect(requestsTo(mock, "DELETE", "/api/v1/account-views/v1")).toHaveLength(0);

    await user.click(within(confirm).getByRole("button", { name: "Delete view" }));
    expect(await screen.findByText("View deleted")).toBeInTheDocument();
    expect(requestsTo(mock, "DELETE", "/api/v1/account-views/v1")).toHaveLength(1);
  });

  it("shows deleted accounts without a way to their page, which cannot load, and restores them", async () => {
    const deleted = { ...ACCOUNTS[0]!, deleted_at: "2026-03-01T10:00:00Z" };
    const mock = signedInApi(() => json({ items: ACCOUNTS, total: 3, limit: 25, offset: 0 }), {
      "GET /api/v1/accounts": () => json({ items: [deleted], total: 1, limit: 25, offset: 0 }),
      [`POST /api/v1/accounts/${deleted.id}/restore`]: () => json({ ...deleted, deleted_at: null }),
    });
    const { router } = renderApp("/accounts?deleted=1");
    const user = userEvent.setup();
    const [row] = await screen.findAllByTestId("account-row");

    expect(within(row!).getByTestId("account-name")).toHaveTextContent("Acme Corp");
    expect(within(row!).queryByRole("link")).not.toBeInTheDocument();
    await user.click(within(row!).getByTestId("account-name"));
    expect(router.state.location.pathname).toBe("/accounts");

    await user.click(within(row!).getByRole("button", { name: "Restore" }));
    expect(await screen.findByText("Account restored")).toBeInTheDocument();
    expect(requestsTo(mock, "POST", `/api/v1/accounts/${deleted.id}/restore`)).toHaveLength(1);
    expect(router.state.location.pathname).toBe("/accounts");
  });

  it("searches as you type (debounced) and says when nothing matches", async () => {
    const mock = signedInApi(async (request) =>
      (await query(request)).get("q") ? json({ items: [], total: 0, limit: 25, offset: 0 }) : json({ items: ACCOUNTS, total: 3, limit: 25, offset: 0 }),
    );
    const { router } = renderApp("/accounts");
    const user = userEvent.setup();
    await screen.findAllByTestId("account-row");

    await user.type(screen.getByLabelText("Search accounts"), "zzz");
    expect(await screen.findByText("No accounts match", undefined, { timeout: 10_000 })).toBeInTheDocument();
    expect(router.state.location.search).toBe("?q=zzz");
    const bodies = await Promise.all(requestsTo(mock, "POST", "/api/v1/accounts/query").map(query));
    // One request for the whole word, not one per keystroke.
    expect(bodies.filter((b) => b.get("q")).map((b) => b.get("q"))).toEqual(["zzz"]);
  });

  it("has an empty state for an organisation without accounts", async () => {
    signedInApi(() => json({ items: [], total: 0, limit: 25, offset: 0 }));
    renderApp("/accounts");
    const empty = await screen.findByTestId("empty-state");
    expect(within(empty).getByText("No accounts yet")).toBeInTheDocument();
    expect(within(empty).getByRole("button", { name: "New account" })).toBeInTheDocument();
  });

  it("tells one who sees only their own accounts and has no CSM seat why the list is empty, and keeps them from adding one", async () => {
    startSession("token");
    fakeApi({
      "GET /api/v1/me": () => json(meFixture({}, ["update_accounts"])),
      "GET /api/v1/users": () => json([]),
      "GET /api/v1/roles": () => json([]),
      "GET /api/v1/accounts/fields": () => json([]),
      "POST /api/v1/accounts/query": () => json({ items: [], total: 0, limit: 25, offset: 0 }),
    });
    renderApp("/accounts");

    const empty = await screen.findByTestId("empty-state");
    expect(within(empty).getByText("No accounts to show you")).toBeInTheDocument();
    expect(empty).toHaveTextContent("You see only the accounts you are a CSM of, and you have no CSM seat: ask an admin");
    expect(within(empty).queryByRole("button", { name: "New account" })).not.toBeInTheDocument();
    const newAccount = screen.getByTestId("new-account-disabled");
    expect(within(newAccount).getByRole("button", { name: "New account" })).toBeDisabled();
    await userEvent.setup().hover(newAccount);
    expect(await screen.findByRole("tooltip")).toHaveTextContent("you have no CSM seat");
  });

  it("lets a CSM who sees only their own accounts add one", async () => {
    startSession("token");
    fakeApi({
      "GET /api/v1/me": () => json(meFixture({}, ["update_accounts", "csm_seat"])),
      "GET /api/v1/users": () => json([]),
      "GET /api/v1/roles": () => json([]),
      "GET /api/v1/accounts/fields": () => json([]),
      "POST /api/v1/accounts/query": () => json({ items: [], total: 0, limit: 25, offset: 0 }),
    });
    renderApp("/accounts");

    const empty = await screen.findByTestId("empty-state");
    expect(within(empty).getByText("No accounts yet")).toBeInTheDocument();
    expect(screen.queryByTestId("new-account-disabled")).not.toBeInTheDocument();
    expect(within(empty).getByRole("button", { name: "New account" })).toBeEnabled();
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
