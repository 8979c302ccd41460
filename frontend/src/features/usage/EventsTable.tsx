import { Anchor, Badge, Table, Text } from "@mantine/core";
import { Link } from "react-router";
import type { components } from "../../api/gen/schema";
import { formatDateTime } from "../../components/format";
import { TableSkeletonRows } from "../../components/states";

type UsageEvent = components["schemas"]["EventRead"];

/**
 * Product events, newest first. On an account the contact column links to each person (and,
 * for an event a rollup brought in from a child account, to that account); on a contact the
 * account column links to the account the event was sent for. Each by name, else by the id the
 * product sent.
 */
export function EventsTable({
  events,
  loading = false,
  show,
  accountId,
}: {
  events: readonly UsageEvent[];
  loading?: boolean;
  show: "contact" | "account";
  accountId?: string;
}) {
  return (
    <Table.ScrollContainer minWidth={640}>
      <Table verticalSpacing="xs" horizontalSpacing="md" data-testid="events-table">
        <Table.Thead bg="gray.0">
          <Table.Tr>
            <Table.Th>When</Table.Th>
            <Table.Th>Event</Table.Th>
            <Table.Th>Feature</Table.Th>
            <Table.Th>{show === "contact" ? "Contact" : "Account"}</Table.Th>
          </Table.Tr>
        </Table.Thead>
        <Table.Tbody>
          {loading ? (
            <TableSkeletonRows columns={4} rows={5} />
          ) : (
            events.map((event) => (
              <Table.Tr key={event.message_id} data-testid="event-row">
                <Table.Td style={{ whiteSpace: "nowrap" }}>{formatDateTime(event.occurred_at)}</Table.Td>
                <Table.Td>
                  <Text size="sm" fw={600}>
                    {event.name}
                  </Text>
                </Table.Td>
                <Table.Td>
                  {event.feature ? (
                    <Badge size="sm" variant="light" tt="none">
                      {event.module ? `${event.feature} · ${event.module}` : event.feature}
                    </Badge>
                  ) : (
                    "—"
                  )}
                </Table.Td>
                <Table.Td>
                  {show === "contact" ? (
                    <>
                      {event.contact_id ? (
                        <Anchor component={Link} to={`/contacts/${event.contact_id}`} size="sm">
                          {event.contact_name ?? event.contact_external_id}
                        </Anchor>
                      ) : (
                        <>
                          <Text size="sm">{event.contact_external_id}</Text>
                          {/* Usage figures count a person's events once the product has sent the person. */}
                          <Text size="xs" c="dimmed" data-testid="event-unknown-contact">
                            Not in the figures until this person is sent
                          </Text>
                        </>
                      )}
                      {accountId && event.account_id && event.account_id !== accountId && (
                        <Text size="xs" c="dimmed">
                          on{" "}
                          <Anchor
                            component={Link}
                            to={`/accounts/${event.account_id}`}
                            size="xs"
                            data-testid="event-child-account"
                          >
                            {event.account_name ?? event.account_external_id}
                          </Anchor>
                        </Text>
                      )}
                    </>
                  ) : event.account_id ? (
                    <Anchor component={Link} to={`/accounts/${event.account_id}`} size="sm">
                      {event.account_name ?? event.account_external_id}
                    </Anchor>
                  ) : (
                    <Text size="sm" c="dimmed">
                      {event.account_external_id ?? "—"}
                    </Text>
                  )}
                </Table.Td>
              </Table.Tr>
            ))
          )}
        </Table.Tbody>
      </Table>
    </Table.ScrollContainer>
  );
}
