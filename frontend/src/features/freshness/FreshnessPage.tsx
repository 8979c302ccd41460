import { Box, Card, SimpleGrid, Stack, Table, Text, Title, Tooltip } from "@mantine/core";
import { IconCircleCheck } from "@tabler/icons-react";
import type { ReactNode } from "react";
import { PageHeader } from "../../components/PageHeader";
import { formatAgo, formatDateTime, secondsAgo } from "../../components/format";
import { CardSkeleton, EmptyState, ErrorState } from "../../components/states";
import { type FreshnessRead, useFreshness } from "./queries";
import { formatDuration, inChainOrder, stageLabel } from "./stages";

function Stat({ label, value, hint, testId }: { label: string; value: ReactNode; hint?: ReactNode; testId: string }) {
  return (
    <Card withBorder radius="lg" p="lg">
      <Text size="xs" c="dimmed" tt="uppercase" fw={600}>
        {label}
      </Text>
      <Text fw={700} size="xl" data-testid={testId}>
        {value}
      </Text>
      {hint && (
        <Text size="xs" c="dimmed">
          {hint}
        </Text>
      )}
    </Card>
  );
}

function Backlog({ freshness }: { freshness: FreshnessRead }) {
  if (freshness.pending_accounts === 0) {
    return (
      <Card withBorder radius="lg" p={0} data-testid="freshness-up-to-date">
        <EmptyState
          title="All figures are up to date"
          description="No change to your data waits to be reflected in usage, revenue, metrics, health scores or alerts."
          icon={<IconCircleCheck size={28} />}
        />
      </Card>
    );
  }
  const oldest = freshness.oldest_change_seconds;
  return (
    <SimpleGrid cols={{ base: 1, xs: 2, md: 4 }} data-testid="freshness-backlog">
      <Stat label="Accounts waiting" value={freshness.pending_accounts.toLocaleString()} testId="freshness-pending" />
      <Stat label="Being updated" value={freshness.running_accounts.toLocaleString()} testId="freshness-running" />
      <Stat
        label="Failed"
        value={
          <Text span inherit c={freshness.failed_accounts > 0 ? "red" : undefined}>
            {freshness.failed_accounts.toLocaleString()}
          </Text>
        }
        hint={freshness.failed_accounts > 0 ? "Tried again within the hour" : undefined}
        testId="freshness-failed"
      />
      <Stat
        label="Oldest waiting change"
        value={
          <Tooltip label={formatDateTime(freshness.oldest_change_at)}>
            <span>{oldest === null ? "—" : secondsAgo(oldest)}</span>
          </Tooltip>
        }
        testId="freshness-oldest"
      />
    </SimpleGrid>
  );
}

function Stages({ freshness, now }: { freshness: FreshnessRead; now: number }) {
  if (freshness.stages.length === 0) {
    return (
      <Text size="sm" c="dimmed" p="lg" data-testid="freshness-no-stages">
        No stage has run yet: they run a few seconds after data changes.
      </Text>
    );
  }
  return (
    <Table.ScrollContainer minWidth={560}>
      <Table verticalSpacing="sm" horizontalSpacing="md" data-testid="freshness-stages">
        <Table.Thead bg="gray.0">
          <Table.Tr>
            <Table.Th>Stage</Table.Th>
            <Table.Th>Last completed</Table.Th>
            <Table.Th ta="right">Accounts</Table.Th>
            <Table.Th ta="right">Duration</Table.Th>
          </Table.Tr>
        </Table.Thead>
        <Table.Tbody>
          {inChainOrder(freshness.stages).map((stage) => (
            <Table.Tr key={stage.stage} data-testid={`freshness-stage-${stage.stage}`}>
              <Table.Td>
                <Text size="sm" fw={600}>
                  {stageLabel(stage.stage)}
                </Text>
              </Table.Td>
              <Table.Td>
                <Text size="sm">{formatAgo(stage.completed_at, now)}</Text>
                <Text size="xs" c="dimmed">
                  {formatDateTime(stage.completed_at)}
                </Text>
              </Table.Td>
              <Table.Td ta="right">{stage.accounts.toLocaleString()}</Table.Td>
              <Table.Td ta="right">{formatDuration(stage.seconds)}</Table.Td>
            </Table.Tr>
          ))}
        </Table.Tbody>
      </Table>
    </Table.ScrollContainer>
  );
}

/** How far the organisation's figures are behind the data it sent, refreshed while open. */
export function FreshnessPage() {
  const freshness = useFreshness();
  return (
    <>
      <PageHeader
        title="Data freshness"
        description="Changes to your data waiting to be reflected in usage, revenue, metrics, health scores and alerts. Refreshes every few seconds."
      />
      {freshness.isError ? (
        <ErrorState error={freshness.error} onRetry={() => void freshness.refetch()} title="Could not load data freshness" />
      ) : freshness.isPending ? (
        <Card withBorder radius="lg" p="lg">
          <CardSkeleton lines={4} />
        </Card>
      ) : (
        <Stack gap="lg">
          <Backlog freshness={freshness.data} />
          <Card withBorder radius="lg" p={0}>
            <Box p="lg" pb="sm">
              <Title order={4}>Stages</Title>
              <Text size="sm" c="dimmed">
                When each step of bringing figures up to date last completed, for how many accounts.
              </Text>
            </Box>
            {/* Measured against when the answer came, so "ago" moves with each refresh. */}
            <Stages freshness={freshness.data} now={freshness.dataUpdatedAt} />
          </Card>
        </Stack>
      )}
    </>
  );
}
