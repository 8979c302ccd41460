import { Anchor, Box, Card, Group, Pagination, Skeleton, Table, Text, Title, Tooltip } from "@mantine/core";
import { useState } from "react";
import { Link } from "react-router";
import { formatDateTime, plural } from "../../components/format";
import { EmptyState, ErrorState, TableSkeletonRows } from "../../components/states";
import { RankTrend } from "../metrics/RankTrend";
import { type ContactActivityRankRead, useContactActivityRanks } from "../metrics/queries";
import { contactName } from "./format";
import { useAccountContacts } from "./queries";

const PAGE_SIZE = 25;

function ContactRank({ rank, loading }: { rank: ContactActivityRankRead | undefined; loading: boolean }) {
  if (loading) return <Skeleton height={14} width={60} />;
  if (!rank) return <Text size="sm">—</Text>;
  return <RankTrend rank={rank.activity_rank} trend={rank.trend} arrow={rank.trend_arrow} testId="contact-rank" />;
}

/** The people who use the account's product, most recently seen first, with their activity rank. */
export function ContactsTab({ accountId }: { accountId: string }) {
  const [page, setPage] = useState(1);
  const contacts = useAccountContacts(accountId, { limit: PAGE_SIZE, offset: (page - 1) * PAGE_SIZE });
  const pages = Math.max(1, Math.ceil((contacts.data?.total ?? 0) / PAGE_SIZE));
  const ranks = useContactActivityRanks(accountId, contacts.data?.items.map((c) => c.id) ?? []);

  if (contacts.isError) {
    return <ErrorState error={contacts.error} onRetry={() => void contacts.refetch()} title="Could not load contacts" />;
  }
  if (contacts.data && contacts.data.total === 0) {
    return (
      <EmptyState title="No contacts yet" description="The people your product identifies for this account appear here." />
    );
  }
  return (
    <Card withBorder radius="lg" p={0}>
      <Group p="md" justify="space-between">
        <Title order={5}>Contacts</Title>
        {contacts.data && (
          <Text size="xs" c="dimmed">
            {plural(contacts.data.total, "contact")}
          </Text>
        )}
      </Group>
      <Table.ScrollContainer minWidth={760}>
        <Table verticalSpacing="sm" horizontalSpacing="md" data-testid="contacts-table">
          <Table.Thead bg="gray.0">
            <Table.Tr>
              <Table.Th>Name</Table.Th>
              <Table.Th>Email</Table.Th>
              <Table.Th>Title</Table.Th>
              <Table.Th>
                <Tooltip label="Percentile of 30-day session time among the organisation's active contacts, with its 30-day trend">
                  <span>Activity rank</span>
                </Tooltip>
              </Table.Th>
              <Table.Th>Last seen</Table.Th>
              <Table.Th>First seen</Table.Th>
            </Table.Tr>
          </Table.Thead>
          <Table.Tbody>
            {contacts.isPending ? (
              <TableSkeletonRows columns={6} rows={5} />
            ) : (
              contacts.data.items.map((contact) => (
                <Table.Tr key={contact.id} data-testid="contact-row">
                  <Table.Td>
                    <Anchor component={Link} to={`/contacts/${contact.id}`} size="sm" fw={600}>
                      {contactName(contact)}
                    </Anchor>
                  </Table.Td>
                  <Table.Td>
                    <Text size="sm">{contact.email ?? "—"}</Text>
                  </Table.Td>
                  <Table.Td>
                    <Text size="sm">{contact.title ?? "—"}</Text>
                  </Table.Td>
                  <Table.Td>
                    <ContactRank rank={ranks.data?.get(contact.id)} loading={ranks.isPending && !ranks.isError} />
                  </Table.Td>
                  <Table.Td style={{ whiteSpace: "nowrap" }}>{formatDateTime(contact.last_seen_at)}</Table.Td>
                  <Table.Td style={{ whiteSpace: "nowrap" }}>{formatDateTime(contact.first_seen_at)}</Table.Td>
                </Table.Tr>
              ))
            )}
          </Table.Tbody>
        </Table>
      </Table.ScrollContainer>
      {pages > 1 && (
        <Box p="md">
          <Group justify="flex-end">
            <Pagination total={pages} value={Math.min(page, pages)} onChange={setPage} size="sm" withEdges />
          </Group>
        </Box>
      )}
    </Card>
  );
}
