import { screen, waitFor } from "@testing-library/react";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { resetSessionForTests, startSession } from "../../api/session";
import type { SearchResult } from "../../api/types";
import { fakeApi, json, requestsTo } from "../../test/fakeApi";
import { meFixture, renderApp } from "../../test/render";

const ACCOUNT = "00000000-0000-0000-0000-000000000101";
const AUTHOR = "00000000-0000-0000-0000-000000000201";

const RESULT: SearchResult = {
  kind: "interaction",
  id: "00000000-0000-0000-0000-000000000301",
  account_id: ACCOUNT,
  account_name: "Acme Corp",
  type: "call",
  occurred_at: "2025-01-15T10:00:00Z",
  author_id: AUTHOR,
  author_name: "Casey CSM",
  subject: "Pricing call",
  headline: "Asked about <mark>renewal</mark> pricing",
  rank: 0.5,
};

function api(page: { total: number; total_capped: boolean }) {
  startSession("token");
  return fakeApi({
    "GET /api/v1/me": () => json(meFixture()),
    "GET /api/v1/users": () => json([]),
    "GET /api/v1/accounts/00000000-0000-0000-0000-000000000101": () => json({ id: ACCOUNT, name: "Acme Corp" }),
    "GET /api/v1/accounts": () => json({ items: [], total: 0, limit: 20, offset: 0 }),
    "GET /api/v1/interactions/search": () => json({ items: [RESULT], limit: 25, offset: 0, ...page }),
  });
}

// The whole app renders: slower than a unit, most of all on a busy machine.
const LOAD = { timeout: 5_000 };

describe("the interaction search page", { timeout: 20_000 }, () => {
  beforeEach(() => resetSessionForTests());
  afterEach(() => vi.unstubAllGlobals());

  it("sends the URL's filters to the API", async () => {
    const mock = api({ total: 1, total_capped: false });
    renderApp(`/interactions?q=renewal&type=call&account=${ACCOUNT}&author=${AUTHOR}&from=2025-01-01&to=2025-01-31`);

    expect(await screen.findByTestId("interactions-total", {}, LOAD)).toHaveTextContent("1 result");
    const sent = new URL(requestsTo(mock, "GET", "/api/v1/interactions/search")[0]!.url).searchParams;
    expect(Object.fromEntries(sent)).toEqual({
      q: "renewal",
      type: "call",
      account_id: ACCOUNT,
      author_id: AUTHOR,
      since: new Date(2025, 0, 1).toISOString(),
      until: new Date(2025, 1, 1).toISOString(),
      limit: "25",
      offset: "0",
    });
    expect(screen.getByRole("button", { name: "Clear filters" })).toBeInTheDocument();
    await waitFor(() => expect(screen.getByRole("combobox", { name: "Account" })).toHaveValue("Acme Corp"), LOAD);
  });

  it("shows a capped total as 1,000+", async () => {
    api({ total: 1000, total_capped: true });
    renderApp("/interactions?type=call");

    expect(await screen.findByTestId("interactions-total", {}, LOAD)).toHaveTextContent(`${(1000).toLocaleString()}+ results`);
    expect(screen.getAllByTestId("interaction-result")).toHaveLength(1);
  });
});
