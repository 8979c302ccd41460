import { Group, Text, Tooltip } from "@mantine/core";
import { IconArrowDownRight, IconArrowRight, IconArrowUpRight } from "@tabler/icons-react";
import { arrowColor, formatMetric, rankTrendLabel, type TrendArrow } from "./format";

const ICONS = { up: IconArrowUpRight, flat: IconArrowRight, down: IconArrowDownRight } as const;

/** The arrow of an activity rank's trend (the slope of its last 30 daily ranks), explained on hover. */
export function TrendArrowIcon({ arrow, trend }: { arrow: TrendArrow | null | undefined; trend: number | null | undefined }) {
  if (!arrow) return null;
  const Icon = ICONS[arrow];
  return (
    <Tooltip label={rankTrendLabel(trend)}>
      <Text span c={arrowColor(arrow)} lh={0} data-testid="trend-arrow" data-trend={arrow} aria-label={`Trend ${arrow}`}>
        <Icon size={16} />
      </Text>
    </Tooltip>
  );
}

/** An activity rank ("62.5%": busier than 62.5 % of the active ones) with its trend arrow. */
export function RankTrend({
  rank,
  trend,
  arrow,
  testId = "rank-trend",
}: {
  rank: number | null | undefined;
  trend: number | null | undefined;
  arrow: TrendArrow | null | undefined;
  testId?: string;
}) {
  return (
    <Group gap={4} wrap="nowrap" data-testid={testId}>
      <Text size="sm" fw={600} span data-testid="rank-value">
        {formatMetric(rank, "percent", "")}
      </Text>
      <TrendArrowIcon arrow={arrow} trend={trend} />
    </Group>
  );
}
