import { Card, Group, SimpleGrid, Stack, Text, Title, Tooltip } from "@mantine/core";
import { IconArrowDownRight, IconArrowUpRight, IconMinus } from "@tabler/icons-react";
import { formatAgo, formatDate, formatDateTime } from "../../components/format";
import { CardSkeleton, ErrorState } from "../../components/states";
import { cardMetrics, formatChange, formatMetric, trendColor, trendOf } from "./format";
import { type AccountMetricsRead, useAccountMetrics, useMetricCatalog } from "./queries";
import { TrendArrowIcon } from "./RankTrend";

type Metric = AccountMetricsRead["metrics"][number];

function TrendBadge({ metric, currency, since }: { metric: Metric; currency: string; since: string }) {
  const trend = trendOf(metric.change);
  if (trend === null || metric.change == null) return null;
  const Icon = trend === "up" ? IconArrowUpRight : trend === "down" ? IconArrowDownRight : IconMinus;
  return (
    <Tooltip label={`Since ${since}: ${formatMetric(metric.previous, metric.format, currency)}`}>
      <Group gap={2} c={trendColor(metric.key, trend)} wrap="nowrap">
        <Icon size={14} />
        <Text size="xs" c="inherit">
          {formatChange(metric.change, metric.format, currency)}
        </Text>
      </Group>
    </Tooltip>
  );
}

/** As of when the figures are, or that a change to the account is being applied to them. */
function Freshness({ metrics, now }: { metrics: AccountMetricsRead; now: number }) {
  const at = metrics.computed_at ? formatDateTime(metrics.computed_at) : null;
  const [text, tip] = metrics.updating
    ? ["Updating…", at ? `A change is being applied to figures computed ${at}` : "A change is being applied"]
    : at
      ? [`Updated ${formatAgo(metrics.computed_at, now)}`, `Computed ${at}`]
      : ["Not computed yet", "These figures are computed a few seconds after the account's data arrives"];
  return (
    <Tooltip label={tip}>
      <Text size="xs" c="dimmed" data-testid="metrics-freshness">
        {text}
      </Text>
    </Tooltip>
  );
}

/** A metric's label, with what it measures on hover (built-in metrics' definitions, the
 * descriptions admins give their computed metrics). */
function MetricLabel({ label, description }: { label: string; description: string | null | undefined }) {
  const text = (
    <Text size="xs" c="dimmed" tt="uppercase" fw={600} data-testid="metric-title">
      {label}
    </Text>
  );
  return description ? (
    <Tooltip label={description} multiline maw={320}>
      {text}
    </Tooltip>
  ) : (
    text
  );
}

/** An account's current metrics with their change over the last 7 days. */
export function AccountMetricsCard({ accountId }: { accountId: string }) {
  const metrics = useAccountMetrics(accountId);
  const catalog = useMetricCatalog();
  const descriptions = new Map((catalog.data ?? []).map((m) => [m.key, m.description]));
  return (
    <Card withBorder radius="lg" p="lg" mt="md" data-testid="account-metrics">
      <Group justify="space-between" mb="md">
        <Title order={4}>Metrics</Title>
        {metrics.data && (
          <Group gap="md">
            <Freshness metrics={metrics.data} now={metrics.dataUpdatedAt} />
            <Text size="xs" c="dimmed">
              Trends compare with {formatDate(metrics.data.compared_with)}
            </Text>
          </Group>
        )}
      </Group>
      {metrics.isError ? (
        <ErrorState error={metrics.error} onRetry={() => void metrics.refetch()} title="Could not load metrics" />
      ) : metrics.isPending ? (
        <CardSkeleton lines={3} />
      ) : (
        <SimpleGrid cols={{ base: 2, sm: 3, lg: 4 }} spacing="md">
          {cardMetrics(metrics.data.metrics).map((m) => (
            <Stack key={m.key} gap={2} data-testid={`metric-${m.key}`}>
              <MetricLabel label={m.label} description={descriptions.get(m.key)} />
              <Group gap="xs" align="baseline" wrap="nowrap">
                <Text fw={600} data-testid="metric-value">
                  {formatMetric(m.value, m.format, metrics.data.currency)}
                </Text>
                {m.key === "activity_rank" ? (
                  // SPEC: the rank's arrow comes from its 30-day regression, not a 7-day change.
                  <TrendArrowIcon arrow={metrics.data.activity_rank.trend_arrow} trend={metrics.data.activity_rank.trend} />
                ) : (
                  <TrendBadge metric={m} currency={metrics.data.currency} since={metrics.data.compared_with} />
                )}
              </Group>
            </Stack>
          ))}
        </SimpleGrid>
      )}
    </Card>
  );
}
