import { ActionIcon, Badge, Box, Button, Card, Group, SegmentedControl, Table, Text, Tooltip } from "@mantine/core";
import { notifications } from "@mantine/notifications";
import { IconPencil, IconTrash } from "@tabler/icons-react";
import { useState } from "react";
import { errorMessage } from "../../api/errors";
import type { Interaction, InteractionType } from "../../api/types";
import { ConfirmModal } from "../../components/ConfirmModal";
import { formatDateTime } from "../../components/format";
import { EmptyState, ErrorState, TableSkeletonRows } from "../../components/states";
import type { NameOf } from "../users/queries";
import { INTERACTION_TYPES, InteractionFormModal, interactionTypeLabel } from "./ActivityForms";
import { useAccountInteractions, useDeleteInteraction } from "./queries";
import { FromChildAccount } from "./rollup";

/** Calls, meetings, emails and QBRs with the customer, by type; logged, edited and deleted here. */
export function InteractionsTab({
  accountId,
  userName,
  canWrite = false,
  rollup = false,
}: {
  accountId: string;
  userName: NameOf;
  canWrite?: boolean;
  rollup?: boolean;
}) {
  const [type, setType] = useState<InteractionType | "all">("all");
  const [logOpened, setLogOpened] = useState(false);
  const [editing, setEditing] = useState<Interaction | null>(null);
  const [deleting, setDeleting] = useState<Interaction | null>(null);
  const interactions = useAccountInteractions(accountId, type === "all" ? null : type, true, rollup);
  const remove = useDeleteInteraction(accountId);
  const columns = canWrite ? 6 : 5;

  const onDelete = () =>
    deleting &&
    remove.mutate(deleting, {
      onSuccess: () => {
        setDeleting(null);
        notifications.show({ color: "tenure", title: "Interaction deleted", message: deleting.subject ?? "" });
      },
      onError: (error) => notifications.show({ color: "red", title: "Could not delete the interaction", message: errorMessage(error) }),
    });

  return (
    <Card withBorder radius="lg" p={0}>
      <Group p="md">
        <SegmentedControl
          size="xs"
          aria-label="Interaction type"
          data={[{ value: "all", label: "All" }, ...INTERACTION_TYPES]}
          value={type}
          onChange={(v) => setType(v as InteractionType | "all")}
        />
        {canWrite && (
          <Button size="xs" ml="auto" onClick={() => setLogOpened(true)} data-testid="log-interaction">
            Log interaction
          </Button>
        )}
      </Group>
      <InteractionFormModal accountId={accountId} opened={logOpened} onClose={() => setLogOpened(false)} />
      <InteractionFormModal accountId={accountId} interaction={editing ?? undefined} opened={editing !== null} onClose={() => setEditing(null)} />
      <ConfirmModal
        opened={deleting !== null}
        onClose={() => setDeleting(null)}
        title="Delete this interaction?"
        confirmLabel="Delete interaction"
        danger
        loading={remove.isPending}
        onConfirm={onDelete}
      >
        {`“${deleting?.subject ?? "This interaction"}” is removed from the account, its timeline and search. This cannot be undone.`}
      </ConfirmModal>
      {interactions.isError ? (
        <Box p="md">
          <ErrorState error={interactions.error} onRetry={() => void interactions.refetch()} title="Could not load interactions" />
        </Box>
      ) : interactions.data && interactions.data.items.length === 0 ? (
        <EmptyState title="No interactions" description="Calls, meetings, emails and QBRs with this customer appear here." />
      ) : (
        <Table.ScrollContainer minWidth={700}>
          <Table verticalSpacing="sm" horizontalSpacing="md" data-testid="interactions-table">
            <Table.Thead bg="gray.0">
              <Table.Tr>
                <Table.Th>When</Table.Th>
                <Table.Th>Type</Table.Th>
                <Table.Th>Subject</Table.Th>
                <Table.Th>Participants</Table.Th>
                <Table.Th>Outcome</Table.Th>
                {canWrite && <Table.Th w={80} aria-label="Actions" />}
              </Table.Tr>
            </Table.Thead>
            <Table.Tbody>
              {interactions.isPending ? (
                <TableSkeletonRows columns={columns} rows={5} />
              ) : (
                interactions.data.items.map((item) => (
                  <Table.Tr key={item.id} data-testid="interaction-row">
                    <Table.Td style={{ whiteSpace: "nowrap" }}>{formatDateTime(item.occurred_at)}</Table.Td>
                    <Table.Td>
                      <Badge size="sm" variant="light" tt="none">
                        {interactionTypeLabel(item.type)}
                      </Badge>
                    </Table.Td>
                    <Table.Td>
                      <Text size="sm" fw={600}>
                        {item.subject ?? "(no subject)"}
                      </Text>
                      <FromChildAccount accountId={accountId} item={item} />
                      {item.body && (
                        <Text size="xs" c="dimmed" lineClamp={2}>
                          {item.body}
                        </Text>
                      )}
                    </Table.Td>
                    <Table.Td>
                      <Text size="sm">
                        {[...item.participant_user_ids.map((id) => userName(id) ?? "Team member"), ...item.participant_contacts].join(", ") || "—"}
                      </Text>
                    </Table.Td>
                    <Table.Td>
                      <Text size="sm">{item.outcome ?? "—"}</Text>
                    </Table.Td>
                    {canWrite && (
                      <Table.Td>
                        <Group gap={4} wrap="nowrap" justify="flex-end">
                          <Tooltip label="Edit">
                            <ActionIcon variant="subtle" color="gray" aria-label="Edit interaction" onClick={() => setEditing(item)}>
                              <IconPencil size={16} />
                            </ActionIcon>
                          </Tooltip>
                          <Tooltip label="Delete">
                            <ActionIcon variant="subtle" color="red" aria-label="Delete interaction" onClick={() => setDeleting(item)}>
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
      )}
    </Card>
  );
}
