import type { components } from "../../api/gen/schema";

export type MetricFormat = components["schemas"]["MetricFormat"];

/** A metric's value as shown: money in the base currency, percents, days or a plain number. */
export function formatMetric(value: number | null | undefined, format: MetricFormat, currency: string): string {
  if (value == null || Number.isNaN(value)) return "—";
  switch (format) {
    case "currency":
      try {
        return new Intl.NumberFormat("en-US", { style: "currency", currency, maximumFractionDigits: 2 }).format(value);
      } catch {
        return `${value.toFixed(2)} ${currency}`;
      }
    case "percent":
      return `${formatNumber(value, 1)}%`;
    case "days": {
      const days = Math.round(value);
      return `${days} day${Math.abs(days) === 1 ? "" : "s"}`;
    }
    default:
      return formatNumber(value, 2);
  }
}

function formatNumber(value: number, digits: number): string {
  return new Intl.NumberFormat("en-US", { maximumFractionDigits: digits }).format(value);
}

export type Trend = "up" | "down" | "flat";

export function trendOf(change: number | null | undefined): Trend | null {
  if (change == null) return null;
  if (Math.abs(change) < 1e-9) return "flat";
  return change > 0 ? "up" : "down";
}

/** The change as a signed figure in the metric's format ("+12", "−$40.00", "+3.5 pts"). */
export function formatChange(change: number, format: MetricFormat, currency: string): string {
  const sign = change > 0 ? "+" : change < 0 ? "−" : "±";
  const size = Math.abs(change);
  if (format === "percent") return `${sign}${formatNumber(size, 1)} pts`;
  return `${sign}${formatMetric(size, format, currency)}`;
}

/** Lower is better for these: a rise is shown in red, a fall in green. */
const LOWER_IS_BETTER = new Set(["days_since_last_interaction", "open_tickets"]);

/** Neither direction is good or bad: days to renewal count down every day as a matter of course,
 * and the activity rank's trend is a slope, whose change says nothing of whether the rank rises
 * (a slope of +0.5 a day falling to +0.2 is still a rising rank). */
const NEUTRAL = new Set(["days_to_renewal", "activity_rank_trend"]);

export function trendColor(key: string, trend: Trend | null): string {
  if (trend === null || trend === "flat" || NEUTRAL.has(key)) return "dimmed";
  const good = (trend === "up") !== LOWER_IS_BETTER.has(key);
  return good ? "teal" : "red";
}

/** A metric key suggested from a label: "MRR per user" → "mrr_per_user". */
export function keyFromLabel(label: string): string {
  const key = label
    .toLowerCase()
    .normalize("NFKD")
    .replace(/[^a-z0-9]+/g, "_")
    .replace(/^_+|_+$/g, "")
    .slice(0, 64);
  return /^[a-z]/.test(key) ? key : key ? `m_${key}`.slice(0, 64) : "";
}

export const KEY_PATTERN = /^[a-z][a-z0-9_]*$/;

/** The metric names a formula mentions (identifiers that are not functions), for hints. */
export function formulaNames(formula: string): string[] {
  const names = new Set<string>();
  for (const match of formula.matchAll(/[A-Za-z_][A-Za-z0-9_]*/g)) {
    const after = formula.slice((match.index ?? 0) + match[0].length).trimStart();
    if (!after.startsWith("(")) names.add(match[0]);
  }
  return [...names];
}

/** Names in the formula that are not metrics the organisation has. */
export function unknownNames(formula: string, known: Iterable<string>): string[] {
  const set = new Set(known);
  return formulaNames(formula).filter((n) => !set.has(n));
}

export type TrendArrow = components["schemas"]["TrendArrow"];

/** What an activity rank's trend arrow stands for, in words (its tooltip). */
export function rankTrendLabel(trend: number | null | undefined): string {
  if (trend == null) return "No trend yet: it needs two days of ranks";
  const sign = trend > 0 ? "+" : trend < 0 ? "−" : "±";
  const size = Math.abs(trend);
  return `Trend over the last 30 days: ${sign}${formatNumber(size, 2)} rank point${size === 1 ? "" : "s"} a day`;
}

/** A rising activity rank is good news, a falling one bad. */
export function arrowColor(arrow: TrendArrow | null | undefined): string {
  return arrow === "up" ? "teal" : arrow === "down" ? "red" : "dimmed";
}

/** The account page's header already shows these: its Metrics card leaves them out. */
const IN_ACCOUNT_HEADER = new Set(["csm_score", "nps"]);

export function cardMetrics<T extends { key: string }>(metrics: T[]): T[] {
  return metrics.filter((m) => !IN_ACCOUNT_HEADER.has(m.key));
}
