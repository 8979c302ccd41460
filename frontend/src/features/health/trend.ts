import type { Band, HealthTrendRead } from "./queries";

/** A band of the trend: good, average, poor, or the accounts scored without data. */
export type TrendBand = Band | "no_data";
export const TREND_BANDS: TrendBand[] = ["good", "average", "poor", "no_data"];

/** One day of the trend: a figure per band (accounts or MRR), 0 for a band without any. */
export type TrendRow = { day: string } & Record<TrendBand, number>;

/** The trend's points (a row per day and band) as one row per day, oldest first, with the
 * accounts or the MRR of each band. */
export function trendRows(points: HealthTrendRead["points"], measure: "accounts" | "mrr"): TrendRow[] {
  const days = new Map<string, TrendRow>();
  for (const p of points) {
    let row = days.get(p.day);
    if (!row) {
      row = { day: p.day, good: 0, average: 0, poor: 0, no_data: 0 };
      days.set(p.day, row);
    }
    row[p.band ?? "no_data"] += p[measure];
  }
  return [...days.values()].sort((a, b) => a.day.localeCompare(b.day));
}

/** Each band's share of the day's total, in percent (0 for an empty day). */
export function bandShares(row: TrendRow): Record<TrendBand, number> {
  const total = TREND_BANDS.reduce((sum, b) => sum + row[b], 0);
  const share = (b: TrendBand) => (total ? (100 * row[b]) / total : 0);
  return { good: share("good"), average: share("average"), poor: share("poor"), no_data: share("no_data") };
}

/** MRR in whole units of the currency ("$12,300"). */
export function formatMrr(value: number, currency: string): string {
  try {
    return new Intl.NumberFormat("en-US", { style: "currency", currency, maximumFractionDigits: 0 }).format(value);
  } catch {
    return `${Math.round(value).toLocaleString()} ${currency}`;
  }
}
