import { ActionIcon, Anchor, Badge, Button, Card, Checkbox, Group, Menu, SegmentedControl, Select, Stack, Table, Text, Tooltip } from "@mantine/core";
import { notifications } from "@mantine/notifications";
import { IconAlarmSnooze, IconCheck, IconListCheck, IconTrash } from "@tabler/icons-react";
import { useState } from "react";
import { Link } from "react-router";
import { errorMessage } from "../../api/errors";
import { ConfirmModal } from "../../components/ConfirmModal";
import { PageHeader } from "../../components/PageHeader";
import { formatDate, formatDateTime, plural } from "../../components/format";
import { CardSkeleton, EmptyState, ErrorState } from "../../components/states";
import { useCellNames } from "../accounts/AccountCell";
import { formatCell, resolveColumns, type CellValue } from "../accounts/columns";
import { useAccountFields } from "../accounts/queries";
import { useCan } from "../auth/queries";
import { OutcomeMenu } from "../tasks/OutcomeMenu";
import { OUTCOMES } from "../tasks/tasks";
import {
  ALERT_TYPE_OPTIONS,
  type AlertRead,
  type AlertStatus,
  type AlertType,
  useAlerts,
  useBulkCloseAlertTasks,
  useBulkDeleteAlerts,
  useBulkDismissAlerts,
  useCloseAlertTask,
  useConvertAlert,
  useDeleteAlert,
  useDismissAlert,
  useSnoozeAlert,
} from "./queries";

const PAGE = 50;
const OUTCOME_LABEL = Object.fromEntries(OUTCOMES.map((o) => [o.value, o.label]));
export const SNOOZE_DAYS = 7;

export function inDays(days: number): string {
  const day = new Date();
  day.setDate(day.getDate() + days);
  return day.toISOString().slice(0, 10);
}

// A value is never cut to an ellipsis: its column widens instead.
const WHOLE = { label: { overflow: "visible" } } as const;

/** The values that made an account match, each by its field's label and in its format (the
 * field's key and the raw value while the fields load, or for a field since removed). */
export function Values({ values }: { values: AlertRead["values"] }) {
  const fields = useAccountFields();
  const names = useCellNames();
  const columns = new Map(resolveColumns(Object.keys(values), fields.data).map((column) => [column.key, column]));
  return (
    <Group gap={4}>
      {Object.entries(values).map(([key, value]) => {
        const column = columns.get(key);
        const shown = column ? formatCell(column, value as CellValue, names) : value === null ? null : String(value);
        return (
          <Badge key={key} variant="light" color="gray" tt="none" styles={WHOLE} data-testid="alert-value">
            {column?.label ?? key}: {shown ?? "—"}
          </Badge>
        );
      })}
    </Group>
  );
}

/** The alerts inbox: alerts on the accounts you may see, newest first, with the rule's reason
 * and the values that made the account match. */
export function AlertsPage() {
  const [status, setStatus] = useState<AlertStatus | "all">("open");
  const [type, setType] = useState<AlertType | null>(null);
  const [showSnoozed, setShowSnoozed] = useState(false);
  const [offset, setOffset] = useState(0);
  const [selected, setSelected] = useState<string[]>([]);
  // The alerts to delete once confirmed: one row's, or the selection.
  const [deleting, setDeleting] = useState<{ ids: string[]; selection: boolean } | null>(null);
  // Working alerts changes accounts' records: those who may not see them read-only.
  const canWork = useCan()("update_accounts");
  const alerts = useAlerts({
    status: status === "all" ? undefined : status,
    type: type ?? undefined,
    snoozed: showSnoozed ? undefined : false,
    limit: PAGE,
    offset,
  });
  const dismiss = useDismissAlert();
  const closeTask = useCloseAlertTask();
  const convert = useConvertAlert();
  const snooze = useSnoozeAlert();
  const remove = useDeleteAlert();
  const bulkDismiss = useBulkDismissAlerts();
  const bulkDelete = useBulkDeleteAlerts();
  const bulkClose = useBulkCloseAlertTasks();
  const failed = (title: string) => (error: unknown) => notifications.show({ color: "red", title, message: errorMessage(error) });
  const done = (title: string) => () => notifications.show({ color: "tenure", title, message: "" });
  const bulkDone = (verb: string) => (result: { count: number }) => {
    setSelected([]);
    notifications.show({ color: "tenure", title: `${plural(result.count, "alert")} ${verb}`, message: "" });
  };
  const confirmDelete = ({ ids, selection }: { ids: string[]; selection: boolean }) => {
    const onError = failed("Could not delete");
    if (selection) {
      bulkDelete.mutate({ alert_ids: ids }, { onSuccess: (result) => (setDeleting(null), bulkDone("deleted")(result)), onError });
    } else {
      remove.mutate(ids[0], { onSuccess: () => (setDeleting(null), done("Alert deleted")()), onError });
    }
  };
  const items = alerts.data?.items ?? [];
  const total = alerts.data?.total ?? 0;
  // Only open alert tasks close with an outcome; the API refuses plain alerts (they are dismissed).
  const selectedTasks = items.filter((a) => selected.includes(a.id) && a.task_id && a.status === "open").map((a) => a.id);
  const toggle = (id: string) => setSelected((s) => (s.includes(id) ? s.filter((x) => x !== id) : [...s, id]));

  return (
    <Stack gap="lg">
      <PageHeader title="Alerts" description="Alerts raised by your organisation's alert rules on the accounts you may see." />
      <Group>
        <SegmentedControl
          value={status}
          onChange={(v) => {
            setStatus(v as AlertStatus | "all");
            setOffset(0);
          }}
          data={[
            { value: "open", label: "Open" },
            { value: "dismissed", label: "Dismissed" },
            { value: "closed", label: "Closed tasks" },
            { value: "all", label: "All" },
          ]}
          data-testid="alerts-status"
        />
        <Select
          placeholder="Any type"
          clearable
          w={180}
          value={type}
          onChange={(v) => {
            setType(v as AlertType | null);
            setOffset(0);
          }}
          data={ALERT_TYPE_OPTIONS}
        />
        <Checkbox label="Show snoozed" checked={showSnoozed} onChange={(e) => setShowSnoozed(e.currentTarget.checked)} />
        {canWork && selected.length > 0 && (
          <Group gap="xs" ml="auto">
            <Text size="sm">{plural(selected.length, "alert")} selected</Text>
            <Button size="xs" variant="default" onClick={() => bulkDismiss.mutate({ alert_ids: selected }, { onSuccess: bulkDone("dismissed"), onError: failed("Could not dismiss") })}>
              Dismiss
            </Button>
            {selectedTasks.length > 0 && (
              <Menu position="bottom-end" withinPortal>
                <Menu.Target>
                  <Button size="xs" variant="default" data-testid="alerts-bulk-close">
                    Close with outcome…
                  </Button>
                </Menu.Target>
                <Menu.Dropdown>
                  <Menu.Label>{plural(selectedTasks.length, "alert task")}</Menu.Label>
                  {OUTCOMES.map((o) => (
                    <Menu.Item
                      key={o.value}
                      onClick={() =>
                        bulkClose.mutate({ alert_ids: selectedTasks, outcome: o.value }, { onSuccess: bulkDone("closed"), onError: failed("Could not close") })
                      }
                    >
                      {o.label}
                    </Menu.Item>
                  ))}
                </Menu.Dropdown>
              </Menu>
            )}
            <Button size="xs" color="red" variant="light" onClick={() => setDeleting({ ids: selected, selection: true })}>
              Delete
            </Button>
          </Group>
        )}
      </Group>
      {alerts.isError ? (
        <ErrorState error={alerts.error} onRetry={() => void alerts.refetch()} title="Could not load alerts" />
      ) : alerts.isPending ? (
        <CardSkeleton />
      ) : items.length === 0 ? (
        <EmptyState title="No alerts" description="Nothing matches these filters." />
      ) : (
        <Card withBorder radius="lg" p={0}>
          <Table verticalSpacing="sm" horizontalSpacing="md" data-testid="alerts-table">
            <Table.Thead bg="gray.0">
              <Table.Tr>
                {canWork && <Table.Th w={40} />}
                <Table.Th>Account</Table.Th>
                <Table.Th>Alert</Table.Th>
                <Table.Th>Values</Table.Th>
                <Table.Th>Fired</Table.Th>
                {canWork && <Table.Th />}
              </Table.Tr>
            </Table.Thead>
            <Table.Tbody>
              {items.map((a) => (
                <Table.Tr key={a.id} data-testid="alert-row">
                  {canWork && (
                    <Table.Td>
                      <Checkbox aria-label={`Select ${a.account_name}`} checked={selected.includes(a.id)} onChange={() => toggle(a.id)} />
                    </Table.Td>
                  )}
                  <Table.Td>
                    <Anchor component={Link} to={`/accounts/${a.account_id}`}>
                      {a.account_name}
                    </Anchor>
                  </Table.Td>
                  <Table.Td>
                    <Group gap={6}>
                      <Text fw={500}>{a.rule_name}</Text>
                      <Badge variant="light">{a.type}</Badge>
                      {a.task_id && <Badge color="violet">alert task</Badge>}
                      {a.status === "dismissed" && <Badge color="gray">dismissed</Badge>}
                      {a.outcome && <Badge color="gray">closed · {OUTCOME_LABEL[a.outcome]}</Badge>}
                      {a.snoozed_until && <Badge color="yellow">snoozed until {formatDate(a.snoozed_until)}</Badge>}
                    </Group>
                    <Text size="sm" c="dimmed">
                      {a.reason}
                    </Text>
                  </Table.Td>
                  <Table.Td>
                    <Values values={a.values} />
                  </Table.Td>
                  {/* One line: at 1280 pixels it took three ("Dec 7, / 2026, / 11:49 PM"). */}
                  <Table.Td style={{ whiteSpace: "nowrap" }} data-testid="alert-fired">
                    {formatDateTime(a.fired_at)}
                  </Table.Td>
                  {canWork && (
                    <Table.Td>
                      <Group gap={4} justify="flex-end" wrap="nowrap">
                        {a.status === "open" && a.task_id && (
                          <OutcomeMenu onClose={(outcome) => closeTask.mutate({ id: a.id, outcome }, { onError: failed("Could not close") })} />
                        )}
                        {a.status === "open" && !a.task_id && (
                          <>
                            <Tooltip label="Dismiss">
                              <ActionIcon variant="subtle" aria-label="Dismiss" onClick={() => dismiss.mutate(a.id, { onSuccess: done("Alert dismissed"), onError: failed("Could not dismiss") })}>
                                <IconCheck size={16} />
                              </ActionIcon>
                            </Tooltip>
                            <Tooltip label="Convert to task">
                              <ActionIcon variant="subtle" aria-label="Convert to task" onClick={() => convert.mutate(a.id, { onSuccess: done("Alert converted into a task"), onError: failed("Could not convert") })}>
                                <IconListCheck size={16} />
                              </ActionIcon>
                            </Tooltip>
                          </>
                        )}
                        {a.status === "open" && (
                          <Tooltip label={`Snooze ${SNOOZE_DAYS} days`}>
                            <ActionIcon
                              variant="subtle"
                              aria-label="Snooze"
                              onClick={() =>
                                snooze.mutate({ id: a.id, until: inDays(SNOOZE_DAYS) }, { onSuccess: done(`Alert snoozed for ${SNOOZE_DAYS} days`), onError: failed("Could not snooze") })
                              }
                            >
                              <IconAlarmSnooze size={16} />
                            </ActionIcon>
                          </Tooltip>
                        )}
                        <Tooltip label="Delete">
                          <ActionIcon variant="subtle" color="red" aria-label="Delete" onClick={() => setDeleting({ ids: [a.id], selection: false })}>
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
        </Card>
      )}
      {total > PAGE && (
        <Group justify="space-between">
          <Text size="sm" c="dimmed">
            {offset + 1}–{Math.min(offset + PAGE, total)} of {total}
          </Text>
          <Group gap="xs">
            <Button size="xs" variant="default" disabled={offset === 0} onClick={() => setOffset(offset - PAGE)}>
              Previous
            </Button>
            <Button size="xs" variant="default" disabled={offset + PAGE >= total} onClick={() => setOffset(offset + PAGE)}>
              Next
            </Button>
          </Group>
        </Group>
      )}
      {deleting && (
        <ConfirmModal
          opened
          title={deleting.selection ? `Delete ${plural(deleting.ids.length, "alert")}?` : "Delete this alert?"}
          confirmLabel="Delete"
          danger
          loading={remove.isPending || bulkDelete.isPending}
          onClose={() => setDeleting(null)}
          onConfirm={() => confirmDelete(deleting)}
        >
          Deleted alerts go from lists, counts and their rules' history as if they never fired (an alert task takes its task along); a rule may fire
          again for the account. To keep the record, dismiss instead.
        </ConfirmModal>
      )}
    </Stack>
  );
}
