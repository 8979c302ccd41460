import { LineChart } from "@mantine/charts";
import { Text } from "@mantine/core";
import type { MappingDraft } from "./draft";
import { mappingCurve } from "./editorCharts";

/** The score a metric's mapping gives across its values, redrawn as the mapping is edited (a
 * module of its own, so the editor loads recharts lazily). */
export default function MappingChart({ mapping }: { mapping: MappingDraft }) {
  if (mapping.kind === "percentile") {
    return (
      <Text size="xs" c="dimmed" data-testid="mapping-chart-percentile">
        No fixed curve: the score is 100 × the account's rank among the accounts this model scores, so it moves as theirs do.
      </Text>
    );
  }
  const points = mappingCurve(mapping);
  if (!points) return null;
  const described = points.map((p) => `${formatValue(p.value)} → ${Math.round(p.score)}`).join(", ");
  return (
    <div data-testid="mapping-chart" role="img" aria-label={`Score by value: ${described}`}>
      <LineChart
        h={110}
        data={points}
        dataKey="value"
        series={[{ name: "score", label: "Score", color: "blue.6" }]}
        curveType={mapping.kind === "ranges" ? "stepAfter" : "linear"}
        xAxisProps={{ type: "number", domain: ["dataMin", "dataMax"], tickFormatter: formatValue }}
        yAxisProps={{ domain: [0, 100], width: 30, ticks: [0, 50, 100] }}
        withDots={false}
        tickLine="none"
        gridAxis="y"
        valueFormatter={(v) => String(Math.round(v))}
      />
    </div>
  );
}

function formatValue(value: number): string {
  return (Math.round(value * 100) / 100).toLocaleString();
}
