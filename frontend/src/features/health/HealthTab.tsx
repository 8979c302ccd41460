import { Badge, Card, Group, Progress, SimpleGrid, Stack, Table, Text, Title, Tooltip } from "@mantine/core";
import { lazy, Suspense } from "react";
import { formatDateTime } from "../../components/format";
import { CardSkeleton, ErrorState } from "../../components/states";
import { ChurnCard } from "../churn/ChurnCard";
import { useMetricFormatter } from "../metrics/useMetricFormatter";
import { BAND_COLOURS, BAND_LABELS, formatPoints, formatShare } from "./bands";
import { type AccountHealthRead, useAccountHealth, useAccountHealthHistory } from "./queries";

const HealthTrendChart = lazy(() => import("./HealthTrendChart"));

function Changes({ health }: { health: AccountHealthRead }) {
  return (
    <Group gap="xl">
      {health.changes.map((c) => {
        const movers = c.components.filter((m) => m.change);
        return (
          <Tooltip
            key={c.days}
            label={
              movers.length
                ? movers.map((m) => `${m.name}: ${m.then} → ${m.now}`).join(" · ")
                : c.score_then == null
                  ? "No score that day"
                  : "No component moved"
            }
          >
            <Stack gap={0} data-testid={`health-change-${c.days}`}>
              <Text size="xs" c="dimmed" tt="uppercase" fw={600}>
                {c.days} days
              </Text>
              <Text fw={600} c={c.change ? (c.change > 0 ? "teal" : "red") : undefined}>
                {formatPoints(c.change)}
              </Text>
            </Stack>
          </Tooltip>
        );
      })}
    </Group>
  );
}

function Breakdown({ health }: { health: AccountHealthRead }) {
  const format = useMetricFormatter();
  // In a narrow window the table scrolls inside its card, rather than running past it with the Points bars cut.
  return (
    <Table.ScrollContainer minWidth={620} type="native" data-testid="health-breakdown-scroll">
      <Table verticalSpacing="xs" data-testid="health-breakdown">
        <Table.Thead>
          <Table.Tr>
            <Table.Th>Component</Table.Th>
            <Table.Th>Metrics</Table.Th>
            <Table.Th ta="right">Score</Table.Th>
            <Table.Th ta="right">Weight</Table.Th>
            <Table.Th>Points</Table.Th>
          </Table.Tr>
        </Table.Thead>
        <Table.Tbody>
          {health.components.map((c) => (
            <Table.Tr key={c.name} data-testid="health-component">
              <Table.Td fw={500}>{c.name}</Table.Td>
              <Table.Td>
                <Stack gap={0}>
                  {c.metrics.map((m) => (
                    <Text key={m.metric} size="xs" c="dimmed">
                      {m.label}: {m.value == null ? "no data" : typeof m.value === "number" ? format(m.metric, m.value) : m.value}
                      {m.score != null ? ` → ${formatShare(m.score)}` : ""}
                    </Text>
                  ))}
                </Stack>
              </Table.Td>
              <Table.Td ta="right">{c.score ?? <Text span size="sm" c="dimmed">no data</Text>}</Table.Td>
              <Table.Td ta="right">{c.score == null ? "—" : `${formatShare(c.share * 100)}%`}</Table.Td>
              <Table.Td miw={180}>
                {c.score == null ? (
                  <Text size="xs" c="dimmed">
                    Left out: weights re-normalised
                  </Text>
                ) : (
                  <Tooltip label={`Adds ${formatShare(c.contribution)}; +${formatShare(c.could_add)} if ${c.name} reached 100`}>
                    <Stack gap={2}>
                      <Progress.Root size="md">
                        <Progress.Section value={c.contribution} color="blue" />
                        <Progress.Section value={c.could_add} color="gray.3" />
                      </Progress.Root>
                      <Text size="xs" c="dimmed">
                        {formatShare(c.contribution)} · +{formatShare(c.could_add)} possible
                      </Text>
                    </Stack>
                  </Tooltip>
                )}
              </Table.Td>
            </Table.Tr>
          ))}
        </Table.Tbody>
      </Table>
    </Table.ScrollContainer>
  );
}

/** The account's health score: the score and band, how each component made it, what moved it
 * and its trend against the band edges. */
export function HealthTab({ accountId }: { accountId: string }) {
  const health = useAccountHealth(accountId);
  const history = useAccountHealthHistory(accountId);
  if (health.isError) return <ErrorState error={health.error} onRetry={() => void health.refetch()} title="Could not load the health score" />;
  if (health.isPending) return <CardSkeleton lines={4} />;
  if (health.data === null)
    return (
      <Card withBorder radius="lg" p="lg" data-testid="account-health">
        <Text c="dimmed">Not scored yet: the health score is computed a few seconds after the account's figures.</Text>
      </Card>
    );
  const h = health.data;
  return (
    <Stack>
      <Card withBorder radius="lg" p="lg" data-testid="account-health">
        <Group justify="space-between" align="flex-start" mb="md">
          <Group gap="lg" align="center">
            <Text fz={40} fw={700} lh={1} data-testid="health-score">
              {h.score ?? "—"}
            </Text>
            <Stack gap={4}>
              {h.band ? (
                <Badge color={BAND_COLOURS[h.band]} variant="light" data-testid="health-band">
                  {BAND_LABELS[h.band]}
                </Badge>
              ) : (
                <Text size="sm" c="dimmed">
                  No data for any component
                </Text>
              )}
              <Text size="xs" c="dimmed" data-testid="health-model">
                {h.model_name} model, version {h.version} · computed {formatDateTime(h.computed_at)}
              </Text>
            </Stack>
          </Group>
          <Changes health={h} />
        </Group>
        <Breakdown health={h} />
      </Card>
      <ChurnCard accountId={accountId} />
      <Card withBorder radius="lg" p="lg">
        <Title order={5} mb="sm">
          Trend
        </Title>
        {history.isError ? (
          <ErrorState error={history.error} onRetry={() => void history.refetch()} title="Could not load the trend" />
        ) : history.isPending ? (
          <CardSkeleton lines={3} />
        ) : history.data.points.length < 2 ? (
          <Text size="sm" c="dimmed">
            The trend appears after two daily scores.
          </Text>
        ) : (
          <Suspense fallback={<CardSkeleton lines={3} />}>
            <SimpleGrid cols={1}>
              <HealthTrendChart history={history.data} />
            </SimpleGrid>
          </Suspense>
        )}
      </Card>
    </Stack>
  );
}
