import { screen, waitFor, within } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { resetSessionForTests, startSession } from "../../api/session";
import type { ApiCall, ApiKey, Organisation, Permission, WebhookSecret } from "../../api/types";
import { fakeApi, json, problem, requestsTo, type Handler } from "../../test/fakeApi";
import { meFixture, renderApp } from "../../test/render";

const ORG: Organisation = {
  id: "00000000-0000-0000-0000-0000000000bb",
  name: "Demo Co",
  base_currency: "USD",
  time_zone: "UTC",
  fiscal_year_start_month: 1,
  requires_mfa: false,
  session_timeout_minutes: 30,
};

const LIVE: ApiKey = {
  id: "00000000-0000-0000-0000-00000000c001",
  name: "Warehouse sync",
  prefix: "a1b2c3d4e5f6",
  scopes: ["read", "ingest"],
  created_at: "2026-01-10T09:00:00Z",
  created_by_id: null,
  last_used_at: "2026-01-11T09:00:00Z",
  revoked_at: null,
};

const REVOKED: ApiKey = {
  ...LIVE,
  id: "00000000-0000-0000-0000-00000000c002",
  name: "Old CRM",
  prefix: "ffffeeeedddd",
  scopes: ["full"],
  last_used_at: null,
  revoked_at: "2026-01-12T09:00:00Z",
};

const SECRETS: WebhookSecret[] = [
  { id: "s2", hint: "…wxyz", created_at: "2026-01-12T10:00:00Z", retired_at: null },
  { id: "s1", hint: "…abcd", created_at: "2026-01-01T10:00:00Z", retired_at: "2026-01-12T10:00:00Z" },
];

function call(overrides: Partial<ApiCall>): ApiCall {
  return {
    id: "call-1",
    request_id: "req-1",
    method: "GET",
    path: "/api/v1/accounts",
    status: 200,
    received_at: "2026-01-11T09:00:00Z",
    duration_ms: 12,
    accepted: 0,
    rejected: 0,
    errors: [],
    ...overrides,
  };
}

// The first render of the whole app (shell, guards, four sections) in jsdom: slow on a busy machine.
const LOAD = { timeout: 5_000 };

const NO_MANAGE_ORG: Permission[] = ["csm_seat", "view_all_accounts", "configure_connectors"];

function signedInApi(routes: Record<string, Handler> = {}, permissions?: Permission[]) {
  startSession("token");
  return fakeApi({
    "GET /api/v1/me": () => json(meFixture({}, permissions)),
    "GET /api/v1/organisation": () => json(ORG),
    "GET /api/v1/api-keys": () => json([LIVE, REVOKED]),
    "GET /api/v1/webhook-secrets": () => json(SECRETS),
    ...routes,
  });
}

describe("the integration settings page", { timeout: 20_000 }, () => {
  beforeEach(() => resetSessionForTests());
  afterEach(() => vi.unstubAllGlobals());

  it("lists keys by prefix with their scopes and state, the webhook URL, and the session timeout", async () => {
    signedInApi();
    renderApp("/admin/integration");
    const rows = await screen.findAllByTestId("api-key-row", undefined, LOAD);
    expect(rows).toHaveLength(2);
    expect(rows[0]).toHaveTextContent("Warehouse sync");
    expect(rows[0]).toHaveTextContent("tnr_a1b2c3d4e5f6_…");
    expect(within(rows[0]!).getByText("Read")).toBeInTheDocument();
    expect(within(rows[0]!).getByText("Ingest")).toBeInTheDocument();
    expect(within(rows[0]!).getByTestId("api-key-status")).toHaveTextContent("Active");
    expect(within(rows[1]!).getByTestId("api-key-status")).toHaveTextContent("Revoked");
    expect(within(rows[1]!).getByText("Never")).toBeInTheDocument();
    expect(within(rows[1]!).queryByRole("button", { name: "Revoke" })).not.toBeInTheDocument();

    expect(await screen.findByTestId("webhook-url")).toHaveTextContent(`${window.location.origin}/api/v1/webhooks/${ORG.id}`);
    const secrets = screen.getAllByTestId("webhook-secret-row");
    expect(secrets[0]).toHaveTextContent("whsec_…wxyz");
    expect(secrets[0]).toHaveTextContent("Current");
    expect(secrets[1]).toHaveTextContent("Retired");
    expect(screen.getByLabelText("Session timeout in minutes")).toHaveValue("30");
    expect(screen.getAllByTestId("curl-example")[0]).toHaveTextContent(`curl '${window.location.origin}/api/v1/accounts?limit=50&offset=0'`);
  });

  it("creates a key with the chosen scopes and shows it once", async () => {
    const mock = signedInApi({
      "POST /api/v1/api-keys": () =>
        json({ ...LIVE, id: "new", name: "BI export", prefix: "0123456789ab", scopes: ["read"], key: "tnr_0123456789ab_s3cr3t" }, 201),
    });
    renderApp("/admin/integration");
    const user = userEvent.setup({ delay: null });
    await screen.findAllByTestId("api-key-row", undefined, LOAD);

    await user.click(screen.getAllByRole("button", { name: "New API key" })[0]!);
    const dialog = await screen.findByRole("dialog", { name: "New API key" });
    await user.click(within(dialog).getByRole("button", { name: "Create key" }));
    expect(within(dialog).getByText("Name the key after what will use it")).toBeInTheDocument();
    expect(within(dialog).getByText("Choose at least one scope")).toBeInTheDocument();
    expect(requestsTo(mock, "POST", "/api/v1/api-keys")).toHaveLength(0);

    await user.click(within(dialog).getByLabelText(/Name/));
    await user.paste("  BI export ");
    await user.click(within(dialog).getByRole("checkbox", { name: /Read/ }));
    await user.click(within(dialog).getByRole("button", { name: "Create key" }));

    expect(await screen.findByTestId("new-api-key")).toHaveTextContent("tnr_0123456789ab_s3cr3t");
    expect(screen.getByText("you will not see it again")).toBeInTheDocument();
    const [request] = requestsTo(mock, "POST", "/api/v1/api-keys");
    expect(await request!.json()).toEqual({ name: "BI export", scopes: ["read"] });

    await user.click(screen.getByRole("button", { name: "I've copied the key" }));
    await waitFor(() => expect(screen.queryByTestId("new-api-key")).not.toBeInTheDocument());
  });

  it("shows why a key with more rights than the user's own is refused", async () => {
    const detail = "You may not make a key with the scope full: it needs permissions you do not have (delete_accounts)";
    signedInApi({ "POST /api/v1/api-keys": () => problem(403, "scope_beyond_your_permissions", detail) });
    renderApp("/admin/integration");
    const user = userEvent.setup({ delay: null });
    await screen.findAllByTestId("api-key-row", undefined, LOAD);

    await user.click(screen.getAllByRole("button", { name: "New API key" })[0]!);
    const dialog = await screen.findByRole("dialog", { name: "New API key" });
    expect(dialog).toHaveTextContent("A key can do only what you may do yourself");
    await user.click(within(dialog).getByLabelText(/Name/));
    await user.paste("Everything");
    await user.click(within(dialog).getByRole("checkbox", { name: /Full/ }));
    await user.click(within(dialog).getByRole("button", { name: "Create key" }));

    expect(await within(dialog).findByRole("alert")).toHaveTextContent(detail);
    expect(screen.queryByTestId("new-api-key")).not.toBeInTheDocument();
  });

  it("revokes a key only after confirming", async () => {
    const mock = signedInApi({
      [`POST /api/v1/api-keys/${LIVE.id}/revoke`]: () => json({ ...LIVE, revoked_at: "2026-01-13T00:00:00Z" }),
    });
    renderApp("/admin/integration");
    const user = userEvent.setup({ delay: null });
    const [row] = await screen.findAllByTestId("api-key-row", undefined, LOAD);
    await user.click(within(row!).getByRole("button", { name: "Revoke" }));
    const dialog = await screen.findByRole("dialog", { name: "Revoke this API key?" });
    expect(dialog).toHaveTextContent("tnr_a1b2c3d4e5f6_…");
    expect(requestsTo(mock, "POST", `/api/v1/api-keys/${LIVE.id}/revoke`)).toHaveLength(0);
    await user.click(within(dialog).getByRole("button", { name: "Revoke key" }));
    expect(await screen.findByText("Warehouse sync no longer works.")).toBeInTheDocument();
    expect(requestsTo(mock, "POST", `/api/v1/api-keys/${LIVE.id}/revoke`)).toHaveLength(1);
  });

  it("shows a key's API log with rejected records, and filters it to errors", async () => {
    const calls = [
      call({
        id: "c2",
        method: "POST",
        path: "/api/v1/events/batch",
        status: 200,
        accepted: 2,
        rejected: 1,
        errors: [{ index: 2, id: "m-3", message: "event: field required" }],
      }),
      call({ id: "c1", status: 401, errors: [{ message: "Invalid API key" }] }),
    ];
    const mock = signedInApi({
      [`GET /api/v1/api-keys/${LIVE.id}/calls`]: (request) => {
        const onlyErrors = new URL(request.url).searchParams.get("only_errors") === "true";
        const items = onlyErrors ? calls.slice(0, 1) : calls;
        return json({ items, total: items.length, limit: 20, offset: 0 });
      },
    });
    renderApp("/admin/integration");
    const user = userEvent.setup({ delay: null });
    const [row] = await screen.findAllByTestId("api-key-row", undefined, LOAD);
    await user.click(within(row!).getByRole("button", { name: "API log" }));

    const drawer = await screen.findByRole("dialog", { name: "API log · Warehouse sync" });
    const logRows = await within(drawer).findAllByTestId("api-call-row");
    expect(logRows).toHaveLength(2);
    expect(logRows[0]).toHaveTextContent("/api/v1/events/batch");
    expect(within(logRows[0]!).getByTestId("api-call-status")).toHaveTextContent("200");
    expect(within(logRows[1]!).getByTestId("api-call-status")).toHaveTextContent("401");
    expect(within(drawer).getByTestId("api-log-total")).toHaveTextContent("2 calls");

    await user.click(within(logRows[0]!).getByRole("button", { name: "Show errors" }));
    const errors = within(drawer).getByTestId("api-call-errors");
    expect(errors).toHaveTextContent("m-3");
    expect(errors).toHaveTextContent("event: field required");

    await user.click(within(drawer).getByRole("switch", { name: "Only errors" }));
    await waitFor(() => expect(within(drawer).getAllByTestId("api-call-row")).toHaveLength(1));
    const sent = requestsTo(mock, "GET", `/api/v1/api-keys/${LIVE.id}/calls`).map((r) => new URL(r.url).searchParams);
    expect(sent[0]!.get("only_errors")).toBe("false");
    expect(sent.at(-1)!.get("only_errors")).toBe("true");
    expect(sent.at(-1)!.get("limit")).toBe("20");
    expect(sent.at(-1)!.get("offset")).toBe("0");
  });

  it("rotates the webhook secret and shows the new one once", async () => {
    const mock = signedInApi({
      "POST /api/v1/webhook-secrets": () =>
        json({ id: "s3", hint: "…9876", created_at: "2026-01-13T00:00:00Z", retired_at: null, secret: "whsec_bmV3LXNlY3JldA9876" }, 201),
    });
    renderApp("/admin/integration");
    const user = userEvent.setup({ delay: null });
    await screen.findAllByTestId("webhook-secret-row", undefined, LOAD);
    await user.click(screen.getByRole("button", { name: "Rotate secret" }));
    const dialog = await screen.findByRole("dialog", { name: "Rotate the signing secret?" });
    await user.click(within(dialog).getByRole("button", { name: "Rotate secret" }));
    expect(await screen.findByTestId("new-webhook-secret")).toHaveTextContent("whsec_bmV3LXNlY3JldA9876");
    expect(requestsTo(mock, "POST", "/api/v1/webhook-secrets")).toHaveLength(1);
  });

  it("saves the session timeout, within 1 to 1440 minutes", async () => {
    const mock = signedInApi({
      "PATCH /api/v1/organisation": async (request) => json({ ...ORG, ...((await request.clone().json()) as object) }),
    });
    renderApp("/admin/integration");
    const user = userEvent.setup({ delay: null });
    const input = await screen.findByLabelText("Session timeout in minutes", undefined, LOAD);
    await user.clear(input);
    await user.type(input, "2000");
    await user.click(screen.getByRole("button", { name: "Save" }));
    expect(screen.getByText(/Between 1 and 1440/)).toBeInTheDocument();
    expect(requestsTo(mock, "PATCH", "/api/v1/organisation")).toHaveLength(0);

    await user.clear(input);
    await user.type(input, "45");
    await user.click(screen.getByRole("button", { name: "Save" }));
    expect(await screen.findByText("Session timeout saved")).toBeInTheDocument();
    const [request] = requestsTo(mock, "PATCH", "/api/v1/organisation");
    expect(await request!.json()).toEqual({ session_timeout_minutes: 45 });
  });

  it("shows the session timeout read-only to someone who cannot manage the organisation", async () => {
    signedInApi({}, NO_MANAGE_ORG);
    renderApp("/admin/integration");
    expect(await screen.findByLabelText("Session timeout in minutes", undefined, LOAD)).toBeDisabled();
    expect(screen.getByTestId("session-timeout-readonly")).toBeInTheDocument();
    expect(screen.queryByRole("button", { name: "Save" })).not.toBeInTheDocument();
  });

  it("is closed, and absent from the navigation, without configure_connectors", async () => {
    signedInApi({}, ["csm_seat", "view_all_accounts", "manage_organisation"]);
    renderApp("/admin/integration");
    expect(await screen.findByTestId("no-access", undefined, LOAD)).toBeInTheDocument();
    expect(screen.queryByRole("link", { name: "Integration" })).not.toBeInTheDocument();
  });
});
