import { Anchor, Box, Card, Group, Pagination, Table, Text, Title } from "@mantine/core";
import { useState } from "react";
import { Link } from "react-router";
import { formatDateTime, plural } from "../../components/format";
import { EmptyState, ErrorState, TableSkeletonRows } from "../../components/states";
import { contactName } from "./format";
import { useAccountContacts } from "./queries";

const PAGE_SIZE = 25;

/** The people who use the account's product, most recently seen first. */
export function ContactsTab({ accountId }: { accountId: string }) {
  const [page, setPage] = useState(1);
  const contacts = useAccountContacts(accountId, { limit: PAGE_SIZE, offset: (page - 1) * PAGE_SIZE });
  const pages = Math.max(1, Math.ceil((contacts.data?.total ?? 0) / PAGE_SIZE));

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
              <Table.Th>Last seen</Table.Th>
              <Table.Th>First seen</Table.Th>
            </Table.Tr>
          </Table.Thead>
          <Table.Tbody>
            {contacts.isPending ? (
              <TableSkeletonRows columns={5} rows={5} />
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
