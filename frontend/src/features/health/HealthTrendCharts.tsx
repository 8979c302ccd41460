import { AreaChart } from "@mantine/charts";
import { SimpleGrid, Text } from "@mantine/core";
import { DAY_AXIS, LEGEND_BELOW } from "../../components/charts";
import { Section } from "../../components/Section";
import { BAND_COLOURS, BAND_LABELS, bandRanges } from "./bands";
import type { HealthBands, HealthTrendRead } from "./queries";
import { formatMrr, TREND_BANDS, type TrendBand, trendRows } from "./trend";

const CHART_HEIGHT = 240;

function bandSeries(edges: HealthBands | undefined) {
  const ranges = edges ? bandRanges(edges) : null;
  return TREND_BANDS.map((band: TrendBand) =>
    band === "no_data"
      ? { name: band, label: "No data", color: "gray.5" }
      : { name: band, label: ranges ? `${BAND_LABELS[band]} (${ranges[band]})` : BAND_LABELS[band], color: `${BAND_COLOURS[band]}.6` },
  );
}

/** Accounts and MRR per band, day by day, stacked (a module of its own, so the page loads
 * recharts lazily). The bands are the account Health tab's: same edges, same colours. */
export default function HealthTrendCharts({ trend, edges }: { trend: HealthTrendRead; edges: HealthBands | undefined }) {
  const accounts = trendRows(trend.points, "accounts");
  const mrr = trendRows(trend.points, "mrr");
  const series = bandSeries(edges);
  if (!accounts.length) {
    return (
      <Text c="dimmed" data-testid="health-trend-empty">
        No account was scored in this period.
      </Text>
    );
  }
  return (
    <SimpleGrid cols={{ base: 1, lg: 2 }}>
      <Section title="Accounts per band" testId="health-trend-accounts">
        <div role="img" aria-label="Accounts per health band by day">
          <AreaChart
            h={CHART_HEIGHT}
            data={accounts}
            dataKey="day"
            type="stacked"
            series={series}
            withLegend
            legendProps={LEGEND_BELOW}
            withDots={accounts.length <= 31}
            tickLine="none"
            yAxisProps={{ allowDecimals: false }}
            xAxisProps={DAY_AXIS}
          />
        </div>
      </Section>
      <Section title={`MRR per band (${trend.currency})`} testId="health-trend-mrr">
        <div role="img" aria-label="MRR per health band by day">
          <AreaChart
            h={CHART_HEIGHT}
            data={mrr}
            dataKey="day"
            type="stacked"
            series={series}
            withLegend
            legendProps={LEGEND_BELOW}
            withDots={mrr.length <= 31}
            tickLine="none"
            valueFormatter={(v) => formatMrr(v, trend.currency)}
            yAxisProps={{ width: 80 }}
            xAxisProps={DAY_AXIS}
          />
        </div>
      </Section>
    </SimpleGrid>
  );
}
