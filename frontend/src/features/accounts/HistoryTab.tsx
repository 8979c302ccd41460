import { Badge, Card, Group, SimpleGrid, Stack, Table, Text } from "@mantine/core";
import { formatDate, formatDateTime } from "../../components/format";
import { Section } from "../../components/Section";
import { CardSkeleton, ErrorState } from "../../components/states";
import type { NameOf } from "../users/queries";
import { useAccountHistory } from "./queries";

/** How the account got here: its status updates, stages, CSMs, CSM scores and NPS responses. */
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
