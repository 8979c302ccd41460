import {
  ActionIcon,
  Anchor,
  Badge,
  Box,
  Button,
  Card,
  Group,
  Menu,
  SegmentedControl,
  SimpleGrid,
  Stack,
  Switch,
  Table,
  Text,
  Timeline,
  Title,
  Tooltip,
} from "@mantine/core";
import { notifications } from "@mantine/notifications";
import { IconCircleCheck, IconPencil, IconPin, IconPinnedOff, IconTrash } from "@tabler/icons-react";
import { useState, type ReactNode } from "react";
import { Link } from "react-router";
import { errorMessage, isApiError } from "../../api/errors";
import type { Account, Interaction, InteractionType, Note, Ticket, TimelineKind } from "../../api/types";
import { ConfirmModal } from "../../components/ConfirmModal";
import { RichText, RichTextEditor } from "../../components/RichText";
import { formatDate, formatDateTime, plural } from "../../components/format";
import { htmlToText, isBlankHtml, sanitiseHtml } from "../../components/richtext";
import { CardSkeleton, EmptyState, ErrorState, TableSkeletonRows } from "../../components/states";
import { useOrganisation } from "../organisation/queries";
import { useCustomFields } from "../settings/queries";
import { INTERACTION_TYPES, InteractionFormModal, interactionTypeLabel, TICKET_STATUSES, TicketFormModal } from "./ActivityForms";
import { formatFieldValue } from "./fieldFormat";
import { FieldText } from "./FieldText";
import { FromChildAccount } from "./rollup";
import {
  useAccount,
  useAccountHistory,
  useAccountInteractions,
  useAccountNotes,
  useAccountTickets,
  useAccountTimeline,
  useChildAccounts,
  useCreateNote,
  useDeleteInteraction,
  useDeleteNote,
  useDeleteTicket,
  useUpdateNote,
  useUpdateTicket,
} from "./queries";

type NameOf = (id: string | null | undefined) => string | null;

function Field({ label, children, testId }: { label: string; children: ReactNode; testId?: string }) {
  return (
    <Stack gap={2}>
      <Text size="xs" tt="uppercase" fw={700} c="dimmed" lts={0.4}>
        {label}
      </Text>
      <Text size="sm" component="div" data-testid={testId}>
        {children}
      </Text>
    </Stack>
  );
}

function Section({ title, children }: { title: string; children: ReactNode }) {
  return (
    <Card withBorder radius="lg" p="lg">
      <Title order={5} mb="md">
        {title}
      </Title>
      {children}
    </Card>
  );
}

export function OverviewTab({ account }: { account: Account }) {
  const customFields = useCustomFields();
  const organisation = useOrganisation();
  const children = useChildAccounts(account.id);
  const parent = useAccount(account.parent_id ?? "", Boolean(account.parent_id));
  const values = (account.custom_values ?? {}) as Record<string, unknown>;

  return (
    <Stack>
      <Section title="Details">
        <SimpleGrid cols={{ base: 1, xs: 2, md: 3 }} spacing="xl" verticalSpacing="lg">
          <Field label="External ID" testId="account-external-id">
            <Text span ff="monospace" size="sm">
              {account.external_id}
            </Text>
          </Field>
          <Field label="CRM ID">{account.crm_id ?? "—"}</Field>
          <Field label="Billing ID">{account.billing_id ?? "—"}</Field>
          <Field label="Support ID">{account.support_id ?? "—"}</Field>
          <Field label="Domain">{account.domain ?? "—"}</Field>
          <Field label="Joined on">{formatDate(account.joined_on)}</Field>
          <Field label="Parent account" testId="account-parent">
            {account.parent_id ? (
              <Anchor component={Link} to={`/accounts/${account.parent_id}`} size="sm">
                {parent.data?.name ?? "Parent account"}
              </Anchor>
            ) : (
              "—"
            )}
          </Field>
          {account.churned_on && <Field label="Churn reason">{account.churn_reason ?? "—"}</Field>}
          <Field label="Created">{formatDateTime(account.created_at)}</Field>
          <Field label="Last updated">{formatDateTime(account.updated_at)}</Field>
        </SimpleGrid>
      </Section>

      <Section title="Custom fields">
        {customFields.isPending ? (
          <CardSkeleton lines={2} />
        ) : customFields.isError ? (
          <ErrorState error={customFields.error} onRetry={() => void customFields.refetch()} title="Could not load custom fields" />
        ) : customFields.data.length === 0 ? (
          <Text size="sm" c="dimmed">
            Your organisation has no custom fields yet.
          </Text>
        ) : (
          <SimpleGrid cols={{ base: 1, xs: 2, md: 3 }} spacing="xl" verticalSpacing="lg" data-testid="custom-fields">
            {customFields.data.map((field) => {
              const text = formatFieldValue(values[field.key], field.type, field.format, organisation.data?.base_currency);
              return (
                <Field key={field.id} label={field.label} testId={`custom-${field.key}`}>
                  {text === null ? "—" : <FieldText text={text} format={field.format} />}
                </Field>
              );
            })}
          </SimpleGrid>
        )}
      </Section>

      <Section title="Child accounts">
        {children.isPending ? (
          <CardSkeleton lines={2} />
        ) : children.isError ? (
          <ErrorState error={children.error} onRetry={() => void children.refetch()} title="Could not load child accounts" />
        ) : children.data.length === 0 ? (
          <Text size="sm" c="dimmed">
            No accounts belong to this one.
          </Text>
        ) : (
          <Stack gap="xs" data-testid="child-accounts">
            {children.data.map((child) => (
              <Group key={child.account.id} justify="space-between">
                <Anchor component={Link} to={`/accounts/${child.account.id}`} size="sm" fw={600}>
                  {child.account.name}
                </Anchor>
                <Text size="xs" c="dimmed">
                  {child.descendants ? plural(child.descendants, "descendant") : "no descendants"}
                </Text>
              </Group>
            ))}
          </Stack>
        )}
      </Section>
    </Stack>
  );
}

export function HistoryTab({ accountId, userName }: { accountId: string; userName: NameOf }) {
  const history = useAccountHistory(accountId);
  if (history.isPending) {
    return (
      <Card withBorder radius="lg" p="lg">
        <CardSkeleton lines={6} />
      </Card>
    );
  }
  if (history.isError) {
    return <ErrorState error={history.error} onRetry={() => void history.refetch()} title="Could not load the history" />;
  }
  const { stages, csms, csm_scores: scores, nps, statuses } = history.data;
  return (
    <Stack>
      <Section title="Status updates">
        {statuses.length === 0 ? (
          <Text size="sm" c="dimmed">No status updates yet.</Text>
        ) : (
          <Table data-testid="status-history">
            <Table.Thead>
              <Table.Tr>
                <Table.Th>Posted</Table.Th>
                <Table.Th>Status</Table.Th>
                <Table.Th>By</Table.Th>
              </Table.Tr>
            </Table.Thead>
            <Table.Tbody>
              {statuses.map((status, i) => (
                <Table.Tr key={status.id} data-testid="status-history-row">
                  <Table.Td style={{ whiteSpace: "nowrap", verticalAlign: "top" }}>{formatDateTime(status.posted_at)}</Table.Td>
                  <Table.Td>
                    <Group gap="xs">
                      <Text size="sm" fw={600}>
                        {status.title}
                      </Text>
                      {i === 0 && (
                        <Badge size="xs" variant="light">
                          latest
                        </Badge>
                      )}
                    </Group>
                    {status.details && (
                      <Text size="sm" c="dimmed" style={{ whiteSpace: "pre-wrap" }}>
                        {status.details}
                      </Text>
                    )}
                  </Table.Td>
                  <Table.Td c="dimmed" style={{ verticalAlign: "top" }}>
                    {userName(status.changed_by_id) ?? "—"}
                  </Table.Td>
                </Table.Tr>
              ))}
            </Table.Tbody>
          </Table>
        )}
      </Section>
      <SimpleGrid cols={{ base: 1, md: 2 }}>
        <Section title="Lifecycle stages">
          {stages.length === 0 ? (
            <Text size="sm" c="dimmed">No stage history.</Text>
          ) : (
            <Table data-testid="stage-history">
              <Table.Thead>
                <Table.Tr>
                  <Table.Th>Stage</Table.Th>
                  <Table.Th>Entered</Table.Th>
                  <Table.Th>Left</Table.Th>
                  <Table.Th ta="right">Days</Table.Th>
                </Table.Tr>
              </Table.Thead>
              <Table.Tbody>
                {stages.map((period) => (
                  <Table.Tr key={period.entered_at + period.stage_name}>
                    <Table.Td>{period.stage_name}</Table.Td>
                    <Table.Td>{formatDate(period.entered_at)}</Table.Td>
                    <Table.Td>{period.left_at ? formatDate(period.left_at) : <Badge size="xs" variant="light">current</Badge>}</Table.Td>
                    <Table.Td ta="right">{Math.floor(period.days).toLocaleString()}</Table.Td>
                  </Table.Tr>
                ))}
              </Table.Tbody>
            </Table>
          )}
        </Section>
        <Section title="CSM assignments">
          {csms.length === 0 ? (
            <Text size="sm" c="dimmed">Never assigned.</Text>
          ) : (
            <Table data-testid="csm-history">
              <Table.Thead>
                <Table.Tr>
                  <Table.Th>CSM</Table.Th>
                  <Table.Th>From</Table.Th>
                  <Table.Th>Until</Table.Th>
                </Table.Tr>
              </Table.Thead>
              <Table.Tbody>
                {csms.map((period) => (
                  <Table.Tr key={period.user_id + period.assigned_at}>
                    <Table.Td>{userName(period.user_id) ?? "Unknown user"}</Table.Td>
                    <Table.Td>{formatDate(period.assigned_at)}</Table.Td>
                    <Table.Td>{period.unassigned_at ? formatDate(period.unassigned_at) : <Badge size="xs" variant="light">current</Badge>}</Table.Td>
                  </Table.Tr>
                ))}
              </Table.Tbody>
            </Table>
          )}
        </Section>
        <Section title="CSM scores">
          {scores.length === 0 ? (
            <Text size="sm" c="dimmed">No scores recorded.</Text>
          ) : (
            <Table data-testid="score-history">
              <Table.Tbody>
                {scores.map((entry) => (
                  <Table.Tr key={entry.recorded_at}>
                    <Table.Td>{formatDateTime(entry.recorded_at)}</Table.Td>
                    <Table.Td fw={600}>{entry.score}</Table.Td>
                    <Table.Td c="dimmed">{userName(entry.changed_by_id) ?? ""}</Table.Td>
                  </Table.Tr>
                ))}
              </Table.Tbody>
            </Table>
          )}
        </Section>
        <Section title="NPS responses">
          {nps.length === 0 ? (
            <Text size="sm" c="dimmed">No NPS responses.</Text>
          ) : (
            <Table data-testid="nps-history">
              <Table.Tbody>
                {nps.map((entry) => (
                  <Table.Tr key={entry.id}>
                    <Table.Td>{formatDateTime(entry.responded_at)}</Table.Td>
                    <Table.Td fw={600}>{entry.score}</Table.Td>
                    <Table.Td c="dimmed">{entry.contact ?? ""}</Table.Td>
                  </Table.Tr>
                ))}
              </Table.Tbody>
            </Table>
          )}
        </Section>
      </SimpleGrid>
    </Stack>
  );
}

const KIND_LABEL: Record<TimelineKind, { label: string; color: string }> = {
  interaction: { label: "Interaction", color: "blue" },
  note: { label: "Note", color: "yellow" },
  ticket: { label: "Ticket", color: "orange" },
  ticket_closed: { label: "Ticket closed", color: "green" },
  status_update: { label: "Status", color: "tenure" },
  stage_change: { label: "Stage", color: "grape" },
  csm_assigned: { label: "CSM assigned", color: "teal" },
  csm_unassigned: { label: "CSM unassigned", color: "gray" },
  csm_score: { label: "CSM score", color: "indigo" },
  nps_response: { label: "NPS", color: "cyan" },
  churn: { label: "Churn", color: "red" },
  reactivation: { label: "Reactivation", color: "green" },
};

export function TimelineTab({ accountId, userName, rollup = false }: { accountId: string; userName: NameOf; rollup?: boolean }) {
  const timeline = useAccountTimeline(accountId, true, rollup);
  if (timeline.isPending) return <Card withBorder radius="lg" p="lg"><CardSkeleton lines={6} /></Card>;
  if (timeline.isError) return <ErrorState error={timeline.error} onRetry={() => void timeline.refetch()} title="Could not load the timeline" />;
  if (timeline.data.items.length === 0) return <EmptyState title="Nothing has happened yet" description="Interactions, notes, tickets and changes show up here." />;
  return (
    <Card withBorder radius="lg" p="lg">
      <Timeline bulletSize={14} lineWidth={2} data-testid="timeline">
        {timeline.data.items.map((item) => {
          const kind = KIND_LABEL[item.kind] ?? { label: item.kind, color: "gray" };
          return (
            <Timeline.Item
              key={`${item.kind}-${item.id}`}
              color={kind.color}
              data-testid="timeline-item"
              title={
                <Group gap="xs">
                  <Badge size="xs" variant="light" color={kind.color}>
                    {kind.label}
                  </Badge>
                  <Text size="sm" fw={600}>
                    {item.title}
                  </Text>
                  <FromChildAccount accountId={accountId} item={item} />
                </Group>
              }
            >
              {item.detail &&
                (item.kind === "note" ? (
                  <RichText html={item.detail} c="dimmed" mah={110} style={{ overflow: "hidden" }} />
                ) : (
                  <Text size="sm" c="dimmed" lineClamp={3} style={{ whiteSpace: "pre-wrap" }}>
                    {htmlToText(item.detail)}
                  </Text>
                ))}
              <Text size="xs" c="dimmed" mt={4}>
                {formatDateTime(item.occurred_at)}
                {item.author_id && userName(item.author_id) ? ` · ${userName(item.author_id)}` : ""}
              </Text>
            </Timeline.Item>
          );
        })}
      </Timeline>
      {timeline.data.total > timeline.data.items.length && (
        <Text size="xs" c="dimmed" mt="md">
          Showing the latest {timeline.data.items.length} of {timeline.data.total.toLocaleString()} events.
        </Text>
      )}
    </Card>
  );
}

export function NotesTab({
  accountId,
  userName,
  canWrite,
  rollup = false,
}: {
  accountId: string;
  userName: NameOf;
  canWrite: boolean;
  rollup?: boolean;
}) {
  const notes = useAccountNotes(accountId, true, rollup);
  const create = useCreateNote(accountId);
  const update = useUpdateNote(accountId);
  const remove = useDeleteNote(accountId);
  const [body, setBody] = useState("");
  // A new key empties the (uncontrolled) editor after a note is added.
  const [draft, setDraft] = useState(0);
  const [pinned, setPinned] = useState(false);
  const fieldError = isApiError(create.error) ? create.error.fieldErrorMap().body : undefined;
  // The note being edited (one at a time) and its HTML.
  const [editing, setEditing] = useState<{ id: string; html: string } | null>(null);
  const editError = isApiError(update.error) ? update.error.fieldErrorMap().body : undefined;
  const [deleting, setDeleting] = useState<Note | null>(null);

  const saveEdit = () => {
    if (!editing || isBlankHtml(editing.html)) return;
    update.mutate(
      { noteId: editing.id, body: { body: sanitiseHtml(editing.html) } },
      {
        onSuccess: () => {
          setEditing(null);
          notifications.show({ color: "tenure", title: "Note updated", message: "" });
        },
      },
    );
  };

  const add = () => {
    if (isBlankHtml(body)) return;
    create.mutate(
      { body: sanitiseHtml(body), is_pinned: pinned },
      {
        onSuccess: () => {
          setBody("");
          setDraft((n) => n + 1);
          setPinned(false);
          notifications.show({ color: "tenure", title: "Note added", message: "" });
        },
      },
    );
  };
  const failed = (title: string) => (error: Error) => notifications.show({ color: "red", title, message: errorMessage(error) });

  return (
    <Stack>
      {canWrite && (
        <Card withBorder radius="lg" p="lg">
          <Stack gap="sm">
            <RichTextEditor
              key={draft}
              label="New note"
              placeholder="What should the team know about this account?"
              onChange={setBody}
              error={fieldError ?? (create.isError && !fieldError ? errorMessage(create.error) : undefined)}
              testId="note-input"
            />
            <Group justify="space-between">
              <Switch label="Pin to the top" checked={pinned} onChange={(e) => setPinned(e.currentTarget.checked)} />
              <Button onClick={add} loading={create.isPending} disabled={isBlankHtml(body)}>
                Add note
              </Button>
            </Group>
          </Stack>
        </Card>
      )}
      {notes.isPending ? (
        <Card withBorder radius="lg" p="lg"><CardSkeleton lines={4} /></Card>
      ) : notes.isError ? (
        <ErrorState error={notes.error} onRetry={() => void notes.refetch()} title="Could not load notes" />
      ) : notes.data.items.length === 0 ? (
        <EmptyState title="No notes yet" description="Notes are for context the whole team should see." />
      ) : (
        notes.data.items.map((note) => (
          <Card key={note.id} withBorder radius="lg" p="md" data-testid="note" bg={note.is_pinned ? "yellow.0" : undefined}>
            <Group justify="space-between" align="flex-start" wrap="nowrap">
              <Box style={{ minWidth: 0, flex: 1 }}>
                {note.is_pinned && (
                  <Badge size="xs" color="yellow" variant="light" mb={4} leftSection={<IconPin size={10} />}>
                    Pinned
                  </Badge>
                )}
                {editing?.id === note.id ? null : <RichText html={note.body} testId="note-body" />}
                <Text size="xs" c="dimmed" mt={4}>
                  {formatDateTime(note.created_at)}
                  {userName(note.author_id) ? ` · ${userName(note.author_id)}` : ""}
                </Text>
                <FromChildAccount accountId={accountId} item={note} />
              </Box>
              {canWrite && editing?.id !== note.id && (
                <Group gap={4} wrap="nowrap">
                  <Tooltip label="Edit">
                    <ActionIcon
                      variant="subtle"
                      color="gray"
                      aria-label="Edit note"
                      onClick={() => {
                        update.reset();
                        setEditing({ id: note.id, html: note.body });
                      }}
                    >
                      <IconPencil size={16} />
                    </ActionIcon>
                  </Tooltip>
                  <Tooltip label={note.is_pinned ? "Unpin" : "Pin"}>
                    <ActionIcon
                      variant="subtle"
                      color="gray"
                      aria-label={note.is_pinned ? "Unpin note" : "Pin note"}
                      onClick={() =>
                        update.mutate({ noteId: note.id, body: { is_pinned: !note.is_pinned } }, { onError: failed("Could not update the note") })
                      }
                    >
                      {note.is_pinned ? <IconPinnedOff size={16} /> : <IconPin size={16} />}
                    </ActionIcon>
                  </Tooltip>
                  <Tooltip label="Delete">
                    <ActionIcon variant="subtle" color="red" aria-label="Delete note" onClick={() => setDeleting(note)}>
                      <IconTrash size={16} />
                    </ActionIcon>
                  </Tooltip>
                </Group>
              )}
            </Group>
            {editing?.id === note.id && (
              <Stack gap="sm" mt="xs">
                <RichTextEditor
                  label="Note text"
                  initialHtml={note.body}
                  onChange={(html) => setEditing({ id: note.id, html })}
                  error={editError ?? (update.isError && !editError ? errorMessage(update.error) : undefined)}
                  testId="note-edit-input"
                  autoFocus
                />
                <Group justify="flex-end" gap="xs">
                  <Button variant="default" size="xs" onClick={() => setEditing(null)}>
                    Cancel
                  </Button>
                  <Button size="xs" onClick={saveEdit} loading={update.isPending} disabled={isBlankHtml(editing.html)}>
                    Save note
                  </Button>
                </Group>
              </Stack>
            )}
          </Card>
        ))
      )}
      <ConfirmModal
        opened={deleting !== null}
        onClose={() => setDeleting(null)}
        title="Delete this note?"
        confirmLabel="Delete note"
        danger
        loading={remove.isPending}
        onConfirm={() =>
          deleting &&
          remove.mutate(deleting.id, {
            onSuccess: () => {
              setDeleting(null);
              notifications.show({ color: "tenure", title: "Note deleted", message: "" });
            },
            onError: failed("Could not delete the note"),
          })
        }
      >
        The note is removed from the account and its timeline. This cannot be undone.
      </ConfirmModal>
    </Stack>
  );
}

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

const TICKET_COLORS: Record<string, string> = { open: "red", pending: "orange", solved: "green", closed: "gray" };
const PRIORITY_COLORS: Record<string, string> = { low: "gray", normal: "blue", high: "orange", urgent: "red" };
/** What the status menu calls moving a ticket to each status. */
const STATUS_ACTIONS: Record<Ticket["status"], string> = { open: "Reopen", pending: "Mark pending", solved: "Mark solved", closed: "Close ticket" };

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
