import { render, screen, within } from "@testing-library/react";
import { MemoryRouter } from "react-router";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { resetSessionForTests, startSession } from "../../api/session";
import type { TimelineItem } from "../../api/types";
import { Providers } from "../../app/Providers";
import { createQueryClient } from "../../app/queryClient";
import { formatDateTime } from "../../components/format";
import { fakeApi, json } from "../../test/fakeApi";
import { TimelineTab } from "./TimelineTab";

function item(kind: TimelineItem["kind"], title: string, occurred_at: string): TimelineItem {
  return { kind, id: `${kind}-1`, title, detail: null, occurred_at, author_id: null, account_id: "a1", account_name: "Acme Corp" };
}

describe("the account's timeline", () => {
  beforeEach(() => resetSessionForTests());
  afterEach(() => vi.unstubAllGlobals());

  it("dates a churn and a reactivation by their day in the organisation's time zone, without a time", async () => {
    startSession("token");
    const call = item("interaction", "QBR", "2026-12-05T14:30:00Z");
    fakeApi({
      "GET /api/v1/organisation": () => json({ time_zone: "Europe/Paris", base_currency: "EUR" }),
      "GET /api/v1/accounts/a1/timeline": () =>
        json({
          // The API sends each day's start in the organisation's zone: Dec 7 and Jun 1 in Paris.
          items: [item("reactivation", "Reactivated", "2027-05-31T22:00:00Z"), item("churn", "Churned", "2026-12-06T23:00:00Z"), call],
          total: 3,
        }),
    });
    render(
      <Providers queryClient={createQueryClient()}>
        <MemoryRouter>
          <TimelineTab accountId="a1" userName={() => null} />
        </MemoryRouter>
      </Providers>,
    );
    const day = (y: number, m: number, d: number) =>
      new Intl.DateTimeFormat(undefined, { year: "numeric", month: "short", day: "numeric" }).format(new Date(y, m - 1, d));

    const items = await screen.findAllByTestId("timeline-item");
    await within(items[0]!).findByText(day(2027, 6, 1));
    expect(within(items[1]!).getByText(day(2026, 12, 7))).toBeInTheDocument();
    expect(within(items[2]!).getByText(formatDateTime(call.occurred_at))).toBeInTheDocument();
  });
});
