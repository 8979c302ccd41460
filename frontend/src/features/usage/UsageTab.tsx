import { Box, Card, Group, Pagination, SegmentedControl, SimpleGrid, Stack, Text, Title } from "@mantine/core";
import { lazy, Suspense, useState, type ReactNode } from "react";
import { formatDate, plural } from "../../components/format";
import { CardSkeleton, EmptyState, ErrorState } from "../../components/states";
import { useOrganisation } from "../organisation/queries";
import { EventsTable } from "./EventsTable";
import { useAccountEvents, useAccountFeatureUsage, useAccountUsage } from "./queries";
import {
  featureBars,
  featureLines,
  formatDuration,
  USAGE_RANGES,
  usagePoints,
  usageRange,
  type UsageRange,
} from "./series";

// Recharts is large: loaded with the first chart, not with the app.
const UsageCharts = lazy(() => import("./UsageCharts"));

const EVENTS_PAGE = 25;

function Stat({ label, value, testId }: { label: string; value: string; testId: string }) {
  return (
    <Stack gap={2}>
      <Text size="xs" tt="uppercase" fw={700} c="dimmed">
        {label}
      </Text>
      <Text fw={700} size="xl" data-testid={testId}>
        {value}
      </Text>
    </Stack>
  );
}

function RecentEvents({ accountId, rollup }: { accountId: string; rollup: boolean }) {
  const [page, setPage] = useState(1);
  const events = useAccountEvents(accountId, { limit: EVENTS_PAGE, offset: (page - 1) * EVENTS_PAGE, rollup });
  const pages = Math.max(1, Math.ceil((events.data?.total ?? 0) / EVENTS_PAGE));
  return (
    <Card withBorder radius="lg" p={0}>
      <Group p="md" justify="space-between">
        <Title order={5}>Latest events</Title>
        {events.data && (
          <Text size="xs" c="dimmed">
            {plural(events.data.total, "event")}
          </Text>
        )}
      </Group>
      {events.isError ? (
        <Box p="md">
          <ErrorState error={events.error} onRetry={() => void events.refetch()} title="Could not load events" />
        </Box>
      ) : events.data && events.data.total === 0 ? (
        <EmptyState title="No events yet" description="Events your product sends for this account's users appear here." />
      ) : (
        <>
          <EventsTable events={events.data?.items ?? []} loading={events.isPending} show="contact" accountId={accountId} />
          {pages > 1 && (
            <Group p="md" justify="flex-end">
              <Pagination total={pages} value={Math.min(page, pages)} onChange={setPage} size="sm" withEdges />
            </Group>
          )}
        </>
      )}
    </Card>
  );
}

/**
 * An account's product usage: daily charts over a chosen range, top features (in total and over
 * time) and the latest events; with `rollup`, of the account and its child accounts together.
 */
export function UsageTab({ accountId, rollup = false }: { accountId: string; rollup?: boolean }) {
  const [range, setRange] = useState<UsageRange>(30);
  // The range ends on the organisation's today (its days are the ones usage is counted in);
  // the browser's only if the organisation cannot be read.
  const organisation = useOrganisation();
  const ready = !organisation.isPending;
  const query = { ...usageRange(range, new Date(), organisation.data?.time_zone), rollup };
  const usage = useAccountUsage(accountId, query, ready);
  const featureUsage = useAccountFeatureUsage(accountId, query, ready);

  const picker = (
    <SegmentedControl
      size="xs"
      aria-label="Usage range"
      data={USAGE_RANGES.map((days) => ({ value: String(days), label: `${days} days` }))}
      value={String(range)}
      onChange={(value) => setRange(Number(value) as UsageRange)}
    />
  );

  let body: ReactNode;
  if (usage.isError) {
    body = <ErrorState error={usage.error} onRetry={() => void usage.refetch()} title="Could not load usage" />;
  } else if (usage.isPending) {
    body = (
      <Card withBorder radius="lg" p="lg">
        <CardSkeleton lines={6} />
      </Card>
    );
  } else if (usage.data.events === 0) {
    body = (
      <EmptyState
        title="No product usage in this range"
        description={`No event from this account's users in the last ${range} days: the latest ones, if any, are listed below. New events appear here a few seconds after your product sends them.`}
      />
    );
  } else {
    const points = usagePoints(usage.data.days);
    const features = featureBars(usage.data.top_features);
    body = (
      <Stack>
        <Card withBorder radius="lg" p="lg" data-testid="usage-totals">
          <SimpleGrid cols={{ base: 2, sm: 4 }}>
            <Stat label="Events" value={usage.data.events.toLocaleString()} testId="usage-events-total" />
            <Stat label="Active users" value={usage.data.active_contacts.toLocaleString()} testId="usage-active-users" />
            <Stat label="Sessions" value={usage.data.sessions.toLocaleString()} testId="usage-sessions" />
            <Stat label="Session time" value={formatDuration(usage.data.session_seconds)} testId="usage-session-time" />
          </SimpleGrid>
        </Card>
        <Suspense
          fallback={
            <Card withBorder radius="lg" p="lg">
              <CardSkeleton lines={6} />
            </Card>
          }
        >
          <UsageCharts
            points={points}
            features={features}
            trend={{
              lines: featureUsage.data ? featureLines(featureUsage.data) : undefined,
              error: featureUsage.isError ? featureUsage.error : null,
              onRetry: () => void featureUsage.refetch(),
            }}
          />
        </Suspense>
      </Stack>
    );
  }

  return (
    <Stack>
      <Group justify="space-between">
        <Text size="sm" c="dimmed" data-testid="usage-range">
          {usage.data
            ? `${formatDate(usage.data.since)} – ${formatDate(usage.data.until)}, as of the last rollup` +
              (usage.data.rollup ? `, across ${plural(usage.data.accounts, "account")}` : "")
            : " "}
        </Text>
        {picker}
      </Group>
      {body}
      <RecentEvents accountId={accountId} rollup={rollup} />
    </Stack>
  );
}
