import { ActionIcon, Anchor, Badge, Card, Group, Table, Text, Tooltip } from "@mantine/core";
import { notifications } from "@mantine/notifications";
import { IconCheck, IconRotate, IconTrash } from "@tabler/icons-react";
import { useEffect, useState } from "react";
import { Link } from "react-router";
import { errorMessage } from "../../api/errors";
import { ConfirmModal } from "../../components/ConfirmModal";
import { formatDate } from "../../components/format";
import { useCan } from "../auth/queries";
import { OutcomeMenu } from "./OutcomeMenu";
import { useCloseTask, useDeleteTask, useReopenTask } from "./queries";
import { TaskFormModal } from "./TaskFormModal";
import { formatTimeToClose, needsOutcome, OUTCOMES, type TaskRead } from "./tasks";

const OUTCOME_LABEL = Object.fromEntries(OUTCOMES.map((o) => [o.value, o.label]));

// At 1280 pixels the title column took the width: the owner and due day wrapped onto two lines
// and the state badge, whose label may be cut to an ellipsis, was squeezed to "OP…".
const NO_WRAP = { whiteSpace: "nowrap" as const };
const WHOLE_BADGE = { style: { flexShrink: 0, overflow: "visible" }, styles: { label: { overflow: "visible" } } } as const;

// How long the marked row is kept in view while the rest of the page loads above it.
const KEEP_IN_VIEW_MS = 3_000;

/** Brings the marked row into view (the notification led to it; it may be far down the account's
 * page), and keeps it there while cards above it load and grow, until the user moves. */
function useKeptInView(row: HTMLElement | null) {
  useEffect(() => {
    if (!row) return;
    const show = () => row.scrollIntoView({ block: "center" });
    show();
    const observer = new ResizeObserver(show);
    observer.observe(document.body);
    const stop = () => observer.disconnect();
    const moves = ["wheel", "keydown", "pointerdown", "touchstart"] as const;
    for (const move of moves) window.addEventListener(move, stop, { once: true });
    const timer = window.setTimeout(stop, KEEP_IN_VIEW_MS);
    return () => {
      stop();
      window.clearTimeout(timer);
      for (const move of moves) window.removeEventListener(move, stop);
    };
  }, [row]);
}

/** Tasks with their account, owner, due day and state; edited (by their title), closed (with an
 * outcome for an alert task), reopened and deleted (once confirmed) in place, by those who may
 * change accounts. */
export function TaskTable({
  tasks,
  showAccount = true,
  markedId = null,
}: {
  tasks: TaskRead[];
  showAccount?: boolean;
  /** A task to pick out (the one a notification led to). */
  markedId?: string | null;
}) {
  const close = useCloseTask();
  const reopen = useReopenTask();
  const remove = useDeleteTask();
  const canWork = useCan()("update_accounts");
  const [editing, setEditing] = useState<TaskRead | null>(null);
  const [deleting, setDeleting] = useState<TaskRead | null>(null);
  const [markedRow, setMarkedRow] = useState<HTMLTableRowElement | null>(null);
  useKeptInView(markedRow);
  const failed = (title: string) => (error: unknown) => notifications.show({ color: "red", title, message: errorMessage(error) });
  return (
    <Card withBorder radius="lg" p={0}>
      <Table verticalSpacing="sm" horizontalSpacing="md" data-testid="tasks-table">
        <Table.Thead bg="gray.0">
          <Table.Tr>
            <Table.Th>Task</Table.Th>
            {showAccount && <Table.Th>Account</Table.Th>}
            <Table.Th>Owner</Table.Th>
            <Table.Th>Due</Table.Th>
            <Table.Th>State</Table.Th>
            {canWork && <Table.Th />}
          </Table.Tr>
        </Table.Thead>
        <Table.Tbody>
          {tasks.map((t) => (
            <Table.Tr
              key={t.id}
              data-testid="task-row"
              ref={t.id === markedId ? setMarkedRow : undefined}
              data-marked={t.id === markedId || undefined}
              bg={t.id === markedId ? "var(--mantine-color-yellow-0)" : undefined}
            >
              <Table.Td>
                <Group gap={6}>
                  {canWork ? (
                    <Anchor component="button" fw={500} onClick={() => setEditing(t)} title="Edit the task">
                      {t.title}
                    </Anchor>
                  ) : (
                    <Text fw={500}>{t.title}</Text>
                  )}
                  {t.type !== "regular" && <Badge variant="light">{t.type}</Badge>}
                  {t.priority !== "normal" && <Badge color={t.priority === "low" ? "gray" : "orange"}>{t.priority}</Badge>}
                  {t.tags.map((tag) => (
                    <Badge key={tag} variant="outline" color="gray" tt="none">
                      {tag}
                    </Badge>
                  ))}
                </Group>
                {t.details && (
                  <Text size="sm" c="dimmed" lineClamp={2}>
                    {t.details}
                  </Text>
                )}
                {t.subtask_count > 0 && (
                  <Text size="xs" c="dimmed">
                    {t.subtask_count} sub-tasks
                  </Text>
                )}
              </Table.Td>
              {showAccount && (
                <Table.Td>
                  <Anchor component={Link} to={`/accounts/${t.account_id}`}>
                    {t.account_name}
                  </Anchor>
                </Table.Td>
              )}
              <Table.Td style={NO_WRAP} data-testid="task-row-owner">
                {t.owner_name ?? "—"}
              </Table.Td>
              <Table.Td style={NO_WRAP} data-testid="task-row-due">
                <Text c={t.is_overdue ? "red" : undefined}>{t.due_on ? formatDate(t.due_on) : "—"}</Text>
              </Table.Td>
              <Table.Td>
                {t.status === "open" ? (
                  <Badge color={t.is_overdue ? "red" : "blue"} {...WHOLE_BADGE} data-testid="task-state">
                    {t.is_overdue ? "overdue" : "open"}
                  </Badge>
                ) : (
                  <Text size="sm">
                    closed{t.outcome ? ` · ${OUTCOME_LABEL[t.outcome]}` : ""} · {formatTimeToClose(t.hours_to_close)}
                  </Text>
                )}
              </Table.Td>
              {canWork && (
                <Table.Td>
                  <Group gap={4} justify="flex-end" wrap="nowrap">
                    {t.status === "open" &&
                      (needsOutcome(t) ? (
                        <OutcomeMenu onClose={(outcome) => close.mutate({ id: t.id, outcome }, { onError: failed("Could not close") })} />
                      ) : (
                        <Tooltip label="Close">
                          <ActionIcon variant="subtle" aria-label="Close" onClick={() => close.mutate({ id: t.id, outcome: null }, { onError: failed("Could not close") })}>
                            <IconCheck size={16} />
                          </ActionIcon>
                        </Tooltip>
                      ))}
                    {t.status === "closed" && t.type !== "alert" && (
                      <Tooltip label="Reopen">
                        <ActionIcon variant="subtle" aria-label="Reopen" onClick={() => reopen.mutate(t.id, { onError: failed("Could not reopen") })}>
                          <IconRotate size={16} />
                        </ActionIcon>
                      </Tooltip>
                    )}
                    <Tooltip label="Delete">
                      <ActionIcon variant="subtle" color="red" aria-label="Delete" onClick={() => setDeleting(t)}>
                        <IconTrash size={16} />
                      </ActionIcon>
                    </Tooltip>
                  </Group>
                </Table.Td>
              )}
            </Table.Tr>
          ))}
        </Table.Tbody>
      </Table>
      {editing && <TaskFormModal task={editing} onClose={() => setEditing(null)} />}
      {deleting && (
        <ConfirmModal
          opened
          title={`Delete “${deleting.title}”?`}
          confirmLabel="Delete"
          danger
          loading={remove.isPending}
          onClose={() => setDeleting(null)}
          onConfirm={() => remove.mutate(deleting.id, { onSuccess: () => setDeleting(null), onError: failed("Could not delete") })}
        >
          {deleting.type === "alert"
            ? "The task, its sub-tasks and its alert go from lists and reports as if they never existed. To keep the record, close it with an outcome instead."
            : "The task and its sub-tasks go from lists and reports as if they never existed. To keep the record, close it instead."}
        </ConfirmModal>
      )}
    </Card>
  );
}
