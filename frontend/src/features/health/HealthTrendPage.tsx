import { Card, SegmentedControl, Select, SimpleGrid, Stack, Text } from "@mantine/core";
import { lazy, Suspense } from "react";
import { useSearchParams } from "react-router";
import { PageHeader } from "../../components/PageHeader";
import { formatDate, plural } from "../../components/format";
import { CardSkeleton, ErrorState } from "../../components/states";
import { useCsmOptions } from "../accounts/csms";
import { useCan, useMe } from "../auth/queries";
import { BAND_COLOURS, BAND_LABELS, bandRanges, formatShare } from "./bands";
import { type HealthTrendRead, useHealthBands, useHealthTrend } from "./queries";
import { bandShares, formatMrr, TREND_BANDS, trendRows } from "./trend";

const HealthTrendCharts = lazy(() => import("./HealthTrendCharts"));

const PERIODS = ["30", "90", "180", "365"];
// The scope picker's value for every account the caller may see (a CSM's is their id).
const WHOLE_ORGANISATION = "organisation";

function daysAgo(days: number): string {
  return new Date(Date.now() - days * 86_400_000).toISOString().slice(0, 10);
}

/** The last day of the trend in figures: each band's accounts, their share and their MRR. */
function Latest({ trend }: { trend: HealthTrendRead }) {
  const accounts = trendRows(trend.points, "accounts").at(-1);
  const mrr = trendRows(trend.points, "mrr").at(-1);
  const bands = useHealthBands();
  if (!accounts || !mrr) return null;
  const shares = bandShares(accounts);
  const ranges = bands.data ? bandRanges(bands.data) : null;
  return (
    <Card withBorder radius="lg" p="lg">
      <Text size="sm" c="dimmed" mb="xs" data-testid="health-trend-latest-day">
        {/* The range ends on the organisation's today, whose figures are the current scores. */}
        {accounts.day === trend.until ? `Now (${formatDate(accounts.day)})` : `On ${formatDate(accounts.day)}`}
      </Text>
      <SimpleGrid cols={{ base: 2, md: 4 }}>
        {TREND_BANDS.map((band) => (
          <Stack key={band} gap={0} data-testid={`health-trend-latest-${band}`}>
            <Text size="xs" tt="uppercase" fw={700} c={band === "no_data" ? "dimmed" : BAND_COLOURS[band]}>
              {band === "no_data" ? "No data" : BAND_LABELS[band]}
              {band !== "no_data" && ranges ? ` · ${ranges[band]}` : ""}
            </Text>
            <Text fz={24} fw={700} data-testid={`health-trend-count-${band}`}>
              {plural(accounts[band], "account")}
            </Text>
            <Text size="sm" c="dimmed">
              {formatShare(shares[band])}% · {formatMrr(mrr[band], trend.currency)} MRR
            </Text>
          </Stack>
        ))}
      </SimpleGrid>
    </Card>
  );
}

/** Health over time: accounts and MRR per band, for the organisation or one CSM's accounts
 * (a CSM who may not see every account sees their own). */
export function HealthTrendPage() {
  const [params, setParams] = useSearchParams();
  const can = useCan();
  const me = useMe();
  const everyone = can("view_all_accounts");
  const picked = params.get("csm");
  const csmId = everyone ? picked : (me.data?.id ?? null);
  const csms = useCsmOptions(everyone, picked ? [picked] : []);
  const period = PERIODS.includes(params.get("days") ?? "") ? params.get("days")! : "90";
  const trend = useHealthTrend({ since: daysAgo(Number(period) - 1), csmId });
  const bands = useHealthBands();

  const set = (key: string, value: string | null) => {
    const next = new URLSearchParams(params);
    if (value) next.set(key, value);
    else next.delete(key);
    setParams(next, { replace: true });
  };

  return (
    <Stack gap="lg">
      <PageHeader
        title="Health"
        description="How many accounts, and how much MRR, sit in each health band day by day. Each day counts the scores the accounts had that day; today, the scores they have now."
        actions={
          <>
            {everyone ? (
              <Select
                aria-label="Accounts"
                data={[{ value: WHOLE_ORGANISATION, label: "Whole organisation" }, ...csms.options]}
                value={picked ?? WHOLE_ORGANISATION}
                onChange={(v) => set("csm", v === WHOLE_ORGANISATION ? null : v)}
                searchable
                allowDeselect={false}
                w={240}
                data-testid="health-trend-scope"
              />
            ) : (
              <Text size="sm" c="dimmed">
                Your accounts
              </Text>
            )}
            <SegmentedControl
              aria-label="Period"
              value={period}
              onChange={(v) => set("days", v)}
              data={PERIODS.map((days) => ({ value: days, label: `${days} days` }))}
            />
          </>
        }
      />
      {trend.isError ? (
        <ErrorState error={trend.error} onRetry={() => void trend.refetch()} title="Could not load the health trend" />
      ) : !trend.data ? (
        <CardSkeleton />
      ) : (
        <>
          <Latest trend={trend.data} />
          <Suspense fallback={<CardSkeleton />}>
            <HealthTrendCharts trend={trend.data} edges={bands.data} />
          </Suspense>
        </>
      )}
    </Stack>
  );
}
