import { LineChart } from "@mantine/charts";
import { DAY_AXIS } from "../../components/charts";
import type { AccountHealthHistoryRead } from "./queries";

/** The score day by day with the band edges drawn (a module of its own, so the Health tab loads
 * recharts lazily, as the Usage tab does). */
export default function HealthTrendChart({ history }: { history: AccountHealthHistoryRead }) {
  const data = history.points.map((p) => ({ day: p.day, score: p.score }));
  return (
    <div data-testid="health-trend" role="img" aria-label="Health score by day">
      <LineChart
        h={220}
        data={data}
        dataKey="day"
        series={[{ name: "score", label: "Health score", color: "blue.6" }]}
        yAxisProps={{ domain: [0, 100], width: 40 }}
        xAxisProps={DAY_AXIS}
        referenceLines={[
          { y: history.good_from, label: `Good from ${history.good_from}`, color: "teal.6" },
          { y: history.average_from, label: `Average from ${history.average_from}`, color: "yellow.7" },
        ]}
        xAxisLabel="Day"
        yAxisLabel="Score"
        connectNulls={false}
        withDots={data.length < 40}
        tickLine="none"
      />
    </div>
  );
}
