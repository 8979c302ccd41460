import { ActionIcon, Badge, Button, Card, Group, Stack, Switch, Table, Text, Tooltip } from "@mantine/core";
import { notifications } from "@mantine/notifications";
import { IconAlertTriangle, IconEdit, IconPlayerPlay, IconPlus, IconTrash } from "@tabler/icons-react";
import { useState } from "react";
import { errorMessage } from "../../api/errors";
import type { FilterCondition } from "../../api/types";
import { ConfirmModal } from "../../components/ConfirmModal";
import { PageHeader } from "../../components/PageHeader";
import { formatDateTime } from "../../components/format";
import { CardSkeleton, EmptyState, ErrorState } from "../../components/states";
import { describeCondition } from "../accounts/conditionText";
import { useAccountFields } from "../accounts/queries";
import { useUserDirectory } from "../users/queries";
import { AlertRuleEditor } from "./AlertRuleEditor";
import {
  type AlertRuleRead,
  useAlertRules,
  useDeleteAlertRule,
  useRunAlertRule,
  useSavedAlertRulePreview,
  useUpdateAlertRule,
} from "./queries";

/** Alert rules: each with its retrigger policy, when it last fired and how often lately. */
export function AlertRulesPage() {
  const rules = useAlertRules();
  const update = useUpdateAlertRule();
  const run = useRunAlertRule();
  const remove = useDeleteAlertRule();
  const fields = useAccountFields();
  const directory = useUserDirectory(true);
  const [editing, setEditing] = useState<AlertRuleRead | "new" | null>(null);
  const [deleting, setDeleting] = useState<AlertRuleRead | null>(null);
  const [running, setRunning] = useState<AlertRuleRead | null>(null);
  const failed = (title: string) => (error: unknown) => notifications.show({ color: "red", title, message: errorMessage(error) });

  return (
    <Stack gap="lg">
      <PageHeader
        title="Alert rules"
        description="Active rules are evaluated for accounts as their figures change, for every account hourly, and on Run now. A rule fires again for an account once its alert is dismissed (or its alert task closed) and the retrigger delay has passed since it fired."
        actions={
          <Button leftSection={<IconPlus size={16} />} onClick={() => setEditing("new")} data-testid="alert-rule-new">
            New alert rule
          </Button>
        }
      />
      {rules.isError ? (
        <ErrorState error={rules.error} onRetry={() => void rules.refetch()} title="Could not load alert rules" />
      ) : rules.isPending ? (
        <CardSkeleton />
      ) : rules.data.length === 0 ? (
        <EmptyState title="No alert rules yet" description="A rule alerts CSMs when an account starts to match its condition." />
      ) : (
        <Card withBorder radius="lg" p={0}>
          <Table verticalSpacing="sm" horizontalSpacing="md" data-testid="alert-rules">
            <Table.Thead bg="gray.0">
              <Table.Tr>
                <Table.Th>Rule</Table.Th>
                <Table.Th>Retrigger</Table.Th>
                <Table.Th>Last triggered</Table.Th>
                <Table.Th>Last 30 days</Table.Th>
                <Table.Th>Active</Table.Th>
                <Table.Th />
              </Table.Tr>
            </Table.Thead>
            <Table.Tbody>
              {rules.data.map((r) => (
                <Table.Tr key={r.id} data-testid="alert-rule-row">
                  <Table.Td>
                    <Group gap={6}>
                      <Text fw={500}>{r.name}</Text>
                      <Badge variant="light">{r.type}</Badge>
                      {r.problem && (
                        <Tooltip label={`Not evaluated: ${r.problem}`} multiline w={280}>
                          <Badge color="orange" variant="light" leftSection={<IconAlertTriangle size={12} />} data-testid="alert-rule-problem">
                            Broken
                          </Badge>
                        </Tooltip>
                      )}
                    </Group>
                    {r.problem && (
                      <Text size="xs" c="orange.8">
                        Not evaluated: {r.problem}
                      </Text>
                    )}
                    <Text size="sm" c="dimmed">
                      {r.description}
                    </Text>
                    <Text size="xs" c="dimmed" data-testid="alert-rule-condition">
                      When {describeCondition(r.condition as FilterCondition, fields.data ?? [], (id) => directory.byId.get(id)?.full_name)}
                      {r.creates_task || r.playbook_id ? " · makes a task" : ""}
                    </Text>
                  </Table.Td>
                  <Table.Td>{r.never_retrigger ? "Never" : `After ${r.retrigger_delay_days} days`}</Table.Td>
                  <Table.Td>{r.last_triggered_at ? formatDateTime(r.last_triggered_at) : "Never"}</Table.Td>
                  <Table.Td>{r.triggers_last_30_days}</Table.Td>
                  <Table.Td>
                    <Switch
                      aria-label={`${r.name} active`}
                      checked={r.is_active}
                      onChange={(e) => update.mutate({ id: r.id, body: { is_active: e.currentTarget.checked } }, { onError: failed("Could not change the rule") })}
                    />
                  </Table.Td>
                  <Table.Td>
                    <Group gap={4} justify="flex-end" wrap="nowrap">
                      <Tooltip label="Run now">
                        <ActionIcon
                          variant="subtle"
                          aria-label="Run now"
                          onClick={() => setRunning(r)}
                        >
                          <IconPlayerPlay size={16} />
                        </ActionIcon>
                      </Tooltip>
                      <Tooltip label="Edit">
                        <ActionIcon variant="subtle" aria-label="Edit" onClick={() => setEditing(r)}>
                          <IconEdit size={16} />
                        </ActionIcon>
                      </Tooltip>
                      <Tooltip label="Delete">
                        <ActionIcon variant="subtle" color="red" aria-label="Delete" onClick={() => setDeleting(r)}>
                          <IconTrash size={16} />
                        </ActionIcon>
                      </Tooltip>
                    </Group>
                  </Table.Td>
                </Table.Tr>
              ))}
            </Table.Tbody>
          </Table>
        </Card>
      )}
      {editing && <AlertRuleEditor rule={editing} onClose={() => setEditing(null)} />}
      {running && (
        <ConfirmModal
          opened
          title={`Run ${running.name} now?`}
          confirmLabel="Run now"
          loading={run.isPending}
          onClose={() => setRunning(null)}
          onConfirm={() =>
            run.mutate(running.id, {
              onSuccess: () => {
                notifications.show({ color: "tenure", title: "Running", message: `${running.name} is being evaluated over every account.` });
                setRunning(null);
              },
              onError: failed("Could not run the rule"),
            })
          }
        >
          <RunConsequences rule={running} />
        </ConfirmModal>
      )}
      {deleting && (
        <ConfirmModal
          opened
          title={`Delete ${deleting.name}?`}
          confirmLabel="Delete"
          danger
          loading={remove.isPending}
          onClose={() => setDeleting(null)}
          onConfirm={() => remove.mutate(deleting.id, { onSuccess: () => setDeleting(null), onError: failed("Could not delete") })}
        >
          The rule, every alert it raised and its history are deleted.
        </ConfirmModal>
      )}
    </Stack>
  );
}

/** What a run does, before it is confirmed: real alerts (and their tasks and notifications) for
 * the accounts that would fire now, even while the rule is inactive. */
function RunConsequences({ rule }: { rule: AlertRuleRead }) {
  const preview = useSavedAlertRulePreview(rule.id);
  return (
    <Stack gap="xs">
      <Text size="sm">
        The rule is evaluated over every account now{rule.is_active ? "" : ", although it is inactive"}: each account it fires for gets a
        real alert{rule.creates_task || rule.playbook_id ? " and task" : ""}, and the people it notifies are notified.
      </Text>
      <Text size="sm" c="dimmed" data-testid="alert-rule-run-preview">
        {preview.isError
          ? "How many accounts it would fire for could not be worked out."
          : preview.isPending
            ? "Counting the accounts it would fire for…"
            : `Of the accounts you see, ${preview.data.matched} match it now and it would fire for ${preview.data.would_fire}.`}
      </Text>
    </Stack>
  );
}
