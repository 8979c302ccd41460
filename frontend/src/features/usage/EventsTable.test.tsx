import { MantineProvider } from "@mantine/core";
import { render, screen, within } from "@testing-library/react";
import { MemoryRouter } from "react-router";
import { describe, expect, it } from "vitest";
import type { components } from "../../api/gen/schema";
import { theme } from "../../app/theme";
import { EventsTable } from "./EventsTable";

type UsageEvent = components["schemas"]["EventRead"];

const ACCOUNT = "00000000-0000-0000-0000-000000000a01";

function event(n: number, fields: Partial<UsageEvent>): UsageEvent {
  return {
    message_id: `m-${n}`,
    name: "Report Viewed",
    feature: "reports",
    module: null,
    contact_external_id: `user-${n}`,
    account_external_id: "acme",
    contact_id: null,
    account_id: ACCOUNT,
    contact_name: null,
    account_name: "Acme Corp",
    session_id: null,
    occurred_at: "2026-11-20T09:00:00Z",
    received_at: "2026-11-20T09:00:01Z",
    properties: {},
    ...fields,
  };
}

describe("the events table", () => {
  it("names each person, and says an unknown one's events are not in the figures yet", () => {
    render(
      <MantineProvider theme={theme} env="test">
        <MemoryRouter>
          <EventsTable
            show="contact"
            accountId={ACCOUNT}
            events={[
              event(1, { contact_id: "00000000-0000-0000-0000-0000000000c1", contact_name: "Priya Patel" }),
              event(2, {}),
            ]}
          />
        </MemoryRouter>
      </MantineProvider>,
    );

    const [known, unknown] = screen.getAllByTestId("event-row");
    expect(within(known!).getByRole("link", { name: "Priya Patel" })).toHaveAttribute(
      "href",
      "/contacts/00000000-0000-0000-0000-0000000000c1",
    );
    expect(within(known!).queryByTestId("event-unknown-contact")).toBeNull();
    expect(unknown).toHaveTextContent("user-2");
    expect(within(unknown!).getByTestId("event-unknown-contact")).toHaveTextContent(
      "Not in the figures until this person is sent",
    );
  });
});
