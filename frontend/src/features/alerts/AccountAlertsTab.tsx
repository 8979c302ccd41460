import { ActionIcon, Badge, Group, Stack, Table, Text, Tooltip } from "@mantine/core";
import { notifications } from "@mantine/notifications";
import { IconAlarmSnooze, IconCheck } from "@tabler/icons-react";
import { errorMessage } from "../../api/errors";
import { Section } from "../../components/Section";
import { formatDate, formatDateTime } from "../../components/format";
import { CardSkeleton, ErrorState } from "../../components/states";
import { useCan } from "../auth/queries";
import { inDays, SNOOZE_DAYS, Values } from "./AlertsPage";
import { type AccountRuleVerdict, HELD_REASON, useAccountAlerts, useAlertVerdicts, useDismissAlert, useSnoozeAlert } from "./queries";

/** What a verdict says in words: it fires, it is held back and why, or it does not match. */
export function verdictText(verdict: AccountRuleVerdict): string {
  if (!verdict.matches) return "Does not match";
  if (verdict.fires) return "Matches: would alert at the next evaluation";
  if (verdict.held === null) return "Matches";
  const reason = HELD_REASON[verdict.held];
  return verdict.may_fire_from ? `${reason} (may alert from ${formatDate(verdict.may_fire_from)})` : reason;
}

/** The account's open alerts (reason, values, dismiss and snooze) and, for each active rule,
 * why it does or does not alert on the account now. */
export function AccountAlertsTab({ accountId }: { accountId: string }) {
  const alerts = useAccountAlerts(accountId);
  const verdicts = useAlertVerdicts(accountId);
  const dismiss = useDismissAlert();
  const snooze = useSnoozeAlert();
  const canWork = useCan()("update_accounts");
  const failed = (title: string) => (error: unknown) => notifications.show({ color: "red", title, message: errorMessage(error) });

  return (
    <Stack>
      <Section title="Open alerts" testId="account-alerts">
        {alerts.isPending ? (
          <CardSkeleton lines={2} />
        ) : alerts.isError ? (
          <ErrorState error={alerts.error} onRetry={() => void alerts.refetch()} title="Could not load the alerts" />
        ) : alerts.data.items.length === 0 ? (
          <Text size="sm" c="dimmed">
            No open alerts on this account.
          </Text>
        ) : (
          <Stack gap="md">
            {alerts.data.items.map((a) => (
              <Group key={a.id} justify="space-between" align="flex-start" wrap="nowrap" data-testid="account-alert">
                <Stack gap={4}>
                  <Group gap={6}>
                    <Text fw={600}>{a.rule_name}</Text>
                    <Badge variant="light">{a.type}</Badge>
                    {a.snoozed_until && <Badge color="yellow">snoozed until {formatDate(a.snoozed_until)}</Badge>}
                  </Group>
                  <Text size="sm" c="dimmed">
                    {a.reason}
                  </Text>
                  <Values values={a.values} />
                  <Text size="xs" c="dimmed">
                    Fired {formatDateTime(a.fired_at)}
                  </Text>
                </Stack>
                {canWork && (
                  <Group gap={4} wrap="nowrap">
                    {/* An alert task is closed with an outcome (in the inbox or on the Tasks page), not dismissed. */}
                    {a.task_id === null ? (
                      <Tooltip label="Dismiss">
                        <ActionIcon variant="subtle" aria-label="Dismiss" onClick={() => dismiss.mutate(a.id, { onError: failed("Could not dismiss") })}>
                          <IconCheck size={16} />
                        </ActionIcon>
                      </Tooltip>
                    ) : (
                      <Badge variant="outline">alert task</Badge>
                    )}
                    <Tooltip label={`Snooze ${SNOOZE_DAYS} days`}>
                      <ActionIcon
                        variant="subtle"
                        aria-label="Snooze"
                        onClick={() => snooze.mutate({ id: a.id, until: inDays(SNOOZE_DAYS) }, { onError: failed("Could not snooze") })}
                      >
                        <IconAlarmSnooze size={16} />
                      </ActionIcon>
                    </Tooltip>
                  </Group>
                )}
              </Group>
            ))}
          </Stack>
        )}
      </Section>

      <Section title="Why (no) alert" testId="account-alert-verdicts">
        {verdicts.isPending ? (
          <CardSkeleton lines={2} />
        ) : verdicts.isError ? (
          <ErrorState error={verdicts.error} onRetry={() => void verdicts.refetch()} title="Could not load the rules' verdicts" />
        ) : verdicts.data.length === 0 ? (
          <Text size="sm" c="dimmed">
            Your organisation has no active alert rules.
          </Text>
        ) : (
          <Table verticalSpacing="xs">
            <Table.Thead>
              <Table.Tr>
                <Table.Th>Rule</Table.Th>
                <Table.Th>Verdict</Table.Th>
                <Table.Th>Values now</Table.Th>
              </Table.Tr>
            </Table.Thead>
            <Table.Tbody>
              {verdicts.data.map((v) => (
                <Table.Tr key={v.rule_id} data-testid="account-alert-verdict">
                  <Table.Td>{v.rule_name}</Table.Td>
                  <Table.Td>
                    <Text size="sm" c={v.fires ? "red" : v.matches ? undefined : "dimmed"}>
                      {verdictText(v)}
                    </Text>
                  </Table.Td>
                  <Table.Td>
                    <Values values={v.values} />
                  </Table.Td>
                </Table.Tr>
              ))}
            </Table.Tbody>
          </Table>
        )}
      </Section>
    </Stack>
  );
}
