import { PieChart } from "@mantine/charts";
import { Group, Stack, Text } from "@mantine/core";
import { formatShare } from "./bands";
import type { ComponentDraft } from "./draft";
import { weightShares } from "./editorCharts";

/** Each component's share of the weights as a pie, with the shares in words beside it (a
 * module of its own, so the editor loads recharts lazily). */
export default function WeightsPie({ draft }: { draft: ComponentDraft[] }) {
  const shares = weightShares(draft);
  if (!shares.length) return null;
  return (
    <Group gap="lg" align="center" wrap="nowrap" data-testid="health-weights">
      <PieChart
        size={120}
        data={shares.map((s) => ({ name: s.name, value: s.value, color: s.color }))}
        withTooltip
        tooltipDataSource="segment"
        valueFormatter={(v) => `weight ${v}`}
        aria-label="Weights by component"
      />
      <Stack gap={2}>
        <Text size="sm" fw={600}>
          Share of the score
        </Text>
        {shares.map((s) => (
          <Group key={s.name} gap={6} wrap="nowrap">
            <div style={{ width: 10, height: 10, borderRadius: 2, background: `var(--mantine-color-${s.color.replace(".", "-")})` }} />
            <Text size="sm" data-testid="health-weight-share">
              {s.name} {formatShare(s.share)}%
            </Text>
          </Group>
        ))}
        <Text size="xs" c="dimmed">
          Components without data on an account leave their share to the others.
        </Text>
      </Stack>
    </Group>
  );
}
