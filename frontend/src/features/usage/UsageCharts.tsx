import { AreaChart, BarChart, LineChart } from "@mantine/charts";
import { SimpleGrid, Stack, Text } from "@mantine/core";
import type { ReactNode } from "react";
import { LEGEND_BELOW } from "../../components/charts";
import { Section } from "../../components/Section";
import { CardSkeleton, ErrorState } from "../../components/states";
import type { FeatureBar, FeatureLines, UsagePoint } from "./series";

const CHART_HEIGHT = 220;

/** The state of the top features over time, loaded apart from the daily usage. */
export interface FeatureTrend {
  lines: FeatureLines | undefined;
  error: unknown;
  onRetry: () => void;
}

function FeatureTrendChart({ trend }: { trend: FeatureTrend }) {
  const { lines } = trend;
  const title = `Top features per ${lines?.interval === "week" ? "week" : "day"}`;
  let body: ReactNode;
  if (trend.error) {
    body = <ErrorState error={trend.error} onRetry={trend.onRetry} title="Could not load the features over time" />;
  } else if (!lines) {
    body = <CardSkeleton lines={5} />;
  } else if (lines.series.length === 0) {
    body = (
      <Text size="sm" c="dimmed">
        No event in this range names a feature.
      </Text>
    );
  } else {
    body = (
      <LineChart
        h={CHART_HEIGHT + 40}
        data={lines.data}
        dataKey="label"
        series={lines.series}
        withLegend
        legendProps={LEGEND_BELOW}
        curveType="monotone"
        tickLine="none"
        withDots={lines.data.length <= 31}
        yAxisProps={{ allowDecimals: false }}
      />
    );
  }
  return (
    <Section title={title} testId="usage-feature-trend-chart">
      {body}
    </Section>
  );
}

/** The Usage tab's charts (a module of their own, so the tab can load recharts lazily). */
export default function UsageCharts({
  points,
  features,
  trend,
}: {
  points: UsagePoint[];
  features: FeatureBar[];
  trend: FeatureTrend;
}) {
  return (
    <Stack>
      <SimpleGrid cols={{ base: 1, lg: 2 }}>
        <Section title="Events per day" testId="usage-events-chart">
          <BarChart
            h={CHART_HEIGHT}
            data={points}
            dataKey="label"
            series={[{ name: "events", label: "Events", color: "tenure.6" }]}
            tickLine="none"
            yAxisProps={{ allowDecimals: false }}
          />
        </Section>
        <Section title="Active users per day" testId="usage-users-chart">
          <AreaChart
            h={CHART_HEIGHT}
            data={points}
            dataKey="label"
            series={[{ name: "activeUsers", label: "Active users", color: "blue.6" }]}
            curveType="monotone"
            tickLine="none"
            withDots={points.length <= 31}
            yAxisProps={{ allowDecimals: false }}
          />
        </Section>
        <Section title="Sessions and session minutes per day" testId="usage-sessions-chart">
          <LineChart
            h={CHART_HEIGHT}
            data={points}
            dataKey="label"
            series={[
              { name: "sessions", label: "Sessions", color: "grape.6" },
              { name: "sessionMinutes", label: "Session minutes", color: "orange.6", yAxisId: "right" },
            ]}
            withRightYAxis
            yAxisLabel="Sessions"
            rightYAxisLabel="Minutes"
            withLegend
            legendProps={LEGEND_BELOW}
            curveType="monotone"
            tickLine="none"
            withDots={points.length <= 31}
            yAxisProps={{ allowDecimals: false }}
          />
        </Section>
        <Section title="Top features" testId="usage-features-chart">
          {features.length === 0 ? (
            <Text size="sm" c="dimmed">
              No event in this range names a feature.
            </Text>
          ) : (
            <BarChart
              h={Math.max(CHART_HEIGHT, features.length * 28)}
              data={features}
              dataKey="feature"
              orientation="vertical"
              series={[{ name: "events", label: "Events", color: "teal.6" }]}
              tickLine="none"
              gridAxis="y"
              yAxisProps={{ width: 150 }}
              xAxisProps={{ allowDecimals: false }}
            />
          )}
        </Section>
      </SimpleGrid>
      <FeatureTrendChart trend={trend} />
    </Stack>
  );
}
