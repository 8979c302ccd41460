import { AreaChart, BarChart, LineChart } from "@mantine/charts";
import { Card, SimpleGrid, Text, Title } from "@mantine/core";
import type { ReactNode } from "react";
import type { FeatureBar, UsagePoint } from "./series";

const CHART_HEIGHT = 220;

function ChartCard({ title, testId, children }: { title: string; testId: string; children: ReactNode }) {
  return (
    <Card withBorder radius="lg" p="lg" data-testid={testId}>
      <Title order={5} mb="md">
        {title}
      </Title>
      {children}
    </Card>
  );
}

/** The Usage tab's charts (a module of their own, so the tab can load recharts lazily). */
export default function UsageCharts({
  points,
  features,
}: {
  points: UsagePoint[];
  features: FeatureBar[];
}) {
  return (
    <SimpleGrid cols={{ base: 1, lg: 2 }}>
      <ChartCard title="Events per day" testId="usage-events-chart">
        <BarChart
          h={CHART_HEIGHT}
          data={points}
          dataKey="label"
          series={[{ name: "events", label: "Events", color: "tenure.6" }]}
          tickLine="none"
          yAxisProps={{ allowDecimals: false }}
        />
      </ChartCard>
      <ChartCard title="Active users per day" testId="usage-users-chart">
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
      </ChartCard>
      <ChartCard title="Sessions and session minutes per day" testId="usage-sessions-chart">
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
          curveType="monotone"
          tickLine="none"
          withDots={points.length <= 31}
          yAxisProps={{ allowDecimals: false }}
        />
      </ChartCard>
      <ChartCard title="Top features" testId="usage-features-chart">
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
      </ChartCard>
    </SimpleGrid>
  );
}
