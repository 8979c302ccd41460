import { ActionIcon, Badge, Button, Card, Group, Menu, Table, Text, Tooltip } from "@mantine/core";
import { notifications } from "@mantine/notifications";
import { IconCircleCheck, IconPencil, IconTrash } from "@tabler/icons-react";
import { useState } from "react";
import { errorMessage } from "../../api/errors";
import type { Ticket } from "../../api/types";
import { ConfirmModal } from "../../components/ConfirmModal";
import { formatDateTime } from "../../components/format";
import { EmptyState, ErrorState, TableSkeletonRows } from "../../components/states";
import { TICKET_STATUSES, TicketFormModal } from "./ActivityForms";
import { useAccountTickets, useDeleteTicket, useUpdateTicket } from "./queries";
import { FromChildAccount } from "./rollup";

const TICKET_COLORS: Record<string, string> = { open: "red", pending: "orange", solved: "green", closed: "gray" };
const PRIORITY_COLORS: Record<string, string> = { low: "gray", normal: "blue", high: "orange", urgent: "red" };
/** What the status menu calls moving a ticket to each status. */
const STATUS_ACTIONS: Record<Ticket["status"], string> = { open: "Reopen", pending: "Mark pending", solved: "Mark solved", closed: "Close ticket" };

/** The account's support tickets, with their status changed, edited and deleted here. */
export function TicketsTab({
  accountId,
  canWrite = false,
  rollup = false,
}: {
  accountId: string;
  canWrite?: boolean;
  rollup?: boolean;
}) {
  const tickets = useAccountTickets(accountId, true, rollup);
  const update = useUpdateTicket(accountId);
  const remove = useDeleteTicket(accountId);
  const [newOpened, setNewOpened] = useState(false);
  const [editing, setEditing] = useState<Ticket | null>(null);
  const [deleting, setDeleting] = useState<Ticket | null>(null);
  const columns = canWrite ? 7 : 6;

  const setStatus = (ticket: Ticket, status: Ticket["status"]) =>
    update.mutate(
      { ticketId: ticket.id, body: { status } },
      {
        onSuccess: (saved) => notifications.show({ color: "tenure", title: `Ticket ${saved.status}`, message: saved.subject }),
        onError: (error) => notifications.show({ color: "red", title: "Could not change the ticket's status", message: errorMessage(error) }),
      },
    );
  const onDelete = () =>
    deleting &&
    remove.mutate(deleting, {
      onSuccess: () => {
        setDeleting(null);
        notifications.show({ color: "tenure", title: "Ticket deleted", message: deleting.subject });
      },
      onError: (error) => notifications.show({ color: "red", title: "Could not delete the ticket", message: errorMessage(error) }),
    });

  const newTicket = canWrite && (
    <Button size="xs" onClick={() => setNewOpened(true)} data-testid="new-ticket">
      New ticket
    </Button>
  );
  const modals = canWrite && (
    <>
      <TicketFormModal accountId={accountId} opened={newOpened} onClose={() => setNewOpened(false)} />
      <TicketFormModal accountId={accountId} ticket={editing ?? undefined} opened={editing !== null} onClose={() => setEditing(null)} />
      <ConfirmModal
        opened={deleting !== null}
        onClose={() => setDeleting(null)}
        title="Delete this ticket?"
        confirmLabel="Delete ticket"
        danger
        loading={remove.isPending}
        onConfirm={onDelete}
      >
        {`“${deleting?.subject ?? ""}” is removed from the account and its timeline. This cannot be undone.`}
      </ConfirmModal>
    </>
  );
  if (tickets.isError) return <ErrorState error={tickets.error} onRetry={() => void tickets.refetch()} title="Could not load tickets" />;
  if (tickets.data && tickets.data.items.length === 0) {
    return (
      <>
        <EmptyState title="No support tickets" description="Tickets from your support system appear here." action={newTicket} />
        {modals}
      </>
    );
  }
  return (
    <Card withBorder radius="lg" p={0}>
      {newTicket && (
        <Group p="md" justify="flex-end">
          {newTicket}
        </Group>
      )}
      {modals}
      <Table.ScrollContainer minWidth={760}>
        <Table verticalSpacing="sm" horizontalSpacing="md" data-testid="tickets-table">
          <Table.Thead bg="gray.0">
            <Table.Tr>
              <Table.Th>Subject</Table.Th>
              <Table.Th>Status</Table.Th>
              <Table.Th>Priority</Table.Th>
              <Table.Th>Opened</Table.Th>
              <Table.Th>Closed</Table.Th>
              <Table.Th>Source</Table.Th>
              {canWrite && <Table.Th w={110} aria-label="Actions" />}
            </Table.Tr>
          </Table.Thead>
          <Table.Tbody>
            {tickets.isPending ? (
              <TableSkeletonRows columns={columns} rows={5} />
            ) : (
              tickets.data.items.map((ticket) => (
                <Table.Tr key={ticket.id} data-testid="ticket-row">
                  <Table.Td>
                    <Text size="sm" fw={600}>
                      {ticket.subject}
                    </Text>
                    <FromChildAccount accountId={accountId} item={ticket} />
                    {ticket.external_id && (
                      <Text size="xs" c="dimmed" ff="monospace">
                        {ticket.external_id}
                      </Text>
                    )}
                  </Table.Td>
                  <Table.Td>
                    <Badge size="sm" variant="light" color={TICKET_COLORS[ticket.status] ?? "gray"} data-testid="ticket-status">
                      {ticket.status}
                    </Badge>
                  </Table.Td>
                  <Table.Td>
                    <Badge size="sm" variant="dot" color={PRIORITY_COLORS[ticket.priority] ?? "gray"}>
                      {ticket.priority}
                    </Badge>
                  </Table.Td>
                  <Table.Td style={{ whiteSpace: "nowrap" }}>{formatDateTime(ticket.opened_at)}</Table.Td>
                  <Table.Td style={{ whiteSpace: "nowrap" }} data-testid="ticket-closed-at">
                    {formatDateTime(ticket.closed_at)}
                  </Table.Td>
                  <Table.Td>{ticket.source}</Table.Td>
                  {canWrite && (
                    <Table.Td>
                      <Group gap={4} wrap="nowrap" justify="flex-end">
                        <Menu position="bottom-end" withinPortal>
                          <Menu.Target>
                            <Tooltip label="Change status">
                              <ActionIcon
                                variant="subtle"
                                color="gray"
                                aria-label="Change ticket status"
                                loading={update.isPending && update.variables?.ticketId === ticket.id}
                              >
                                <IconCircleCheck size={16} />
                              </ActionIcon>
                            </Tooltip>
                          </Menu.Target>
                          <Menu.Dropdown>
                            {TICKET_STATUSES.filter((status) => status !== ticket.status).map((status) => (
                              <Menu.Item key={status} onClick={() => setStatus(ticket, status)}>
                                {STATUS_ACTIONS[status]}
                              </Menu.Item>
                            ))}
                          </Menu.Dropdown>
                        </Menu>
                        <Tooltip label="Edit">
                          <ActionIcon variant="subtle" color="gray" aria-label="Edit ticket" onClick={() => setEditing(ticket)}>
                            <IconPencil size={16} />
                          </ActionIcon>
                        </Tooltip>
                        <Tooltip label="Delete">
                          <ActionIcon variant="subtle" color="red" aria-label="Delete ticket" onClick={() => setDeleting(ticket)}>
                            <IconTrash size={16} />
                          </ActionIcon>
                        </Tooltip>
                      </Group>
                    </Table.Td>
                  )}
                </Table.Tr>
              ))
            )}
          </Table.Tbody>
        </Table>
      </Table.ScrollContainer>
    </Card>
  );
}
