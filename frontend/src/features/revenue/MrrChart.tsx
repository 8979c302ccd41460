import { BarChart } from "@mantine/charts";
import { formatMoney, formatMoneyCompact, mrrChartPoints } from "./money";

/** MRR at each month's end, with axes and a tooltip per bar (a module of its own, so the
 * Financials tab loads recharts lazily, as the Usage tab does). */
export default function MrrChart({ months, currency }: { months: { month: string; mrr: number }[]; currency: string }) {
  return (
    <div data-testid="mrr-chart" role="img" aria-label="MRR by month">
      <BarChart
        h={220}
        data={mrrChartPoints(months.slice(-24))}
        dataKey="label"
        series={[{ name: "mrr", label: "MRR", color: "blue.5" }]}
        valueFormatter={(value) => formatMoney(value, currency)}
        yAxisProps={{ tickFormatter: (value: number) => formatMoneyCompact(value, currency), width: 70 }}
        xAxisLabel="Month end"
        yAxisLabel={`MRR (${currency})`}
        tickLine="none"
      />
    </div>
  );
}
