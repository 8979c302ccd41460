import { render, screen, within } from "@testing-library/react";
import { MemoryRouter } from "react-router";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import type { components } from "../../api/gen/schema";
import { resetSessionForTests, startSession } from "../../api/session";
import { Providers } from "../../app/Providers";
import { createQueryClient } from "../../app/queryClient";
import { fakeApi, json, requestsTo } from "../../test/fakeApi";
import { ContactsTab } from "./ContactsTab";

type Contact = components["schemas"]["ContactRead"];
type Rank = components["schemas"]["ContactActivityRankRead"];

const ACCOUNT = "00000000-0000-0000-0000-000000000a01";

function contact(id: string, name: string): Contact {
  return {
    id,
    external_id: `user-${id.slice(-2)}`,
    email: null,
    name,
    title: null,
    role: null,
    first_seen_at: null,
    last_seen_at: null,
    traits: {},
    created_at: "2026-01-01T00:00:00Z",
    updated_at: "2026-01-01T00:00:00Z",
  };
}

const ADA = contact("00000000-0000-0000-0000-0000000000c1", "Ada");
const BO = contact("00000000-0000-0000-0000-0000000000c2", "Bo");
const ADA_RANK: Rank = {
  contact_id: ADA.id,
  external_id: ADA.external_id,
  name: "Ada",
  email: null,
  activity_rank: 62.5,
  session_minutes_30d: 90,
  trend: 0.8,
  trend_arrow: "up",
};

function renderTab() {
  const queryClient = createQueryClient();
  queryClient.setDefaultOptions({ queries: { retry: false, staleTime: Infinity } });
  return render(
    <Providers queryClient={queryClient}>
      <MemoryRouter>
        <ContactsTab accountId={ACCOUNT} />
      </MemoryRouter>
    </Providers>,
  );
}

describe("the Contacts tab", () => {
  beforeEach(() => {
    resetSessionForTests();
    startSession("token");
  });
  afterEach(() => vi.unstubAllGlobals());

  it("shows each contact's activity rank and trend arrow, asking only for the page's contacts", async () => {
    const mock = fakeApi({
      [`GET /api/v1/accounts/${ACCOUNT}/contacts`]: () => json({ items: [ADA, BO], total: 2, limit: 25, offset: 0 }),
      // Bo has no rank yet (not ranked since they arrived).
      [`GET /api/v1/accounts/${ACCOUNT}/contact-activity-ranks`]: () => json([ADA_RANK]),
    });

    renderTab();

    const rows = await screen.findAllByTestId("contact-row");
    const ada = await within(rows[0]!).findByTestId("contact-rank");
    expect(within(ada).getByTestId("rank-value")).toHaveTextContent("62.5%");
    expect(within(ada).getByTestId("trend-arrow")).toHaveAttribute("data-trend", "up");
    expect(within(rows[1]!).queryByTestId("contact-rank")).toBeNull();
    const [request] = requestsTo(mock, "GET", `/api/v1/accounts/${ACCOUNT}/contact-activity-ranks`);
    expect(new URL(request!.url).searchParams.getAll("contact_id")).toEqual([ADA.id, BO.id]);
  });
});
