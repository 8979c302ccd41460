import type { components } from "../../api/gen/schema";

type UsageDay = components["schemas"]["UsageDay"];
type FeatureUsage = components["schemas"]["FeatureUsage"];

/** The ranges the Usage tab offers, in days ending today. */
export const USAGE_RANGES = [7, 30, 90] as const;
export type UsageRange = (typeof USAGE_RANGES)[number];

/** A calendar date as the API writes it ("2025-03-01"), from the local parts of `date`. */
export function isoDate(date: Date): string {
  const month = String(date.getMonth() + 1).padStart(2, "0");
  const day = String(date.getDate()).padStart(2, "0");
  return `${date.getFullYear()}-${month}-${day}`;
}

/** The calendar date ("2025-03-01") `instant` falls on in `timeZone` (the organisation's). */
export function isoDateIn(instant: Date, timeZone: string): string {
  const parts = new Intl.DateTimeFormat("en-US", { timeZone, year: "numeric", month: "2-digit", day: "2-digit" }).formatToParts(instant);
  const part = (type: string) => parts.find((p) => p.type === type)?.value ?? "";
  return `${part("year")}-${part("month")}-${part("day")}`;
}

/**
 * The `since` and `until` query for the last `days` days, today included. Both are sent, so the
 * range always holds exactly `days` days. "Today" is the organisation's when its `timeZone` is
 * given (the days the API counts usage in): a browser in another zone is a day off it for hours
 * every day, and would drop the organisation's today or ask for its tomorrow.
 */
export function usageRange(days: number, now: Date = new Date(), timeZone?: string): { since: string; until: string } {
  if (!timeZone) {
    const start = new Date(now.getFullYear(), now.getMonth(), now.getDate() - (days - 1));
    return { since: isoDate(start), until: isoDate(now) };
  }
  const until = isoDateIn(now, timeZone);
  const [y, m, d] = until.split("-").map(Number);
  // Calendar arithmetic in UTC, where no day is 23 or 25 hours long.
  const since = new Date(Date.UTC(y!, m! - 1, d! - (days - 1))).toISOString().slice(0, 10);
  return { since, until };
}

const dayFormat = new Intl.DateTimeFormat(undefined, { month: "short", day: "numeric" });

/** "2025-03-01" as a short axis label ("Mar 1"), without shifting it through a time zone. */
export function dayLabel(day: string): string {
  const [y, m, d] = day.slice(0, 10).split("-").map(Number);
  if (!y || !m || !d) return day;
  return dayFormat.format(new Date(y, m - 1, d));
}

export interface UsagePoint {
  day: string;
  label: string;
  events: number;
  activeUsers: number;
  sessions: number;
  sessionMinutes: number;
}

/** Minutes with one decimal: short sessions still show on a per-day chart. */
export function toMinutes(seconds: number): number {
  return Math.round(seconds / 6) / 10;
}

/** The API's days as chart rows, oldest first, with session time in minutes. */
export function usagePoints(days: readonly UsageDay[]): UsagePoint[] {
  return [...days]
    .sort((a, b) => a.day.localeCompare(b.day))
    .map((d) => ({
      day: d.day,
      label: dayLabel(d.day),
      events: d.events,
      activeUsers: d.active_contacts,
      sessions: d.sessions,
      sessionMinutes: toMinutes(d.session_seconds),
    }));
}

export interface FeatureBar {
  feature: string;
  events: number;
}

/** Top features as bar rows, the module in the label when there is one ("reports · analytics"). */
export function featureBars(features: readonly FeatureUsage[]): FeatureBar[] {
  return features.map((f) => ({ feature: f.module ? `${f.feature} · ${f.module}` : f.feature, events: f.events }));
}

/** Session time for people: "45 s", "12 min", "3 h 05 min". */
export function formatDuration(seconds: number): string {
  if (seconds < 60) return `${Math.round(seconds)} s`;
  const minutes = Math.round(seconds / 60);
  if (minutes < 60) return `${minutes} min`;
  const hours = Math.floor(minutes / 60);
  return `${hours.toLocaleString()} h ${String(minutes % 60).padStart(2, "0")} min`;
}

type FeatureSeries = components["schemas"]["FeatureSeries"];

const FEATURE_COLORS = ["teal.6", "blue.6", "grape.6", "orange.6", "pink.6", "cyan.6", "lime.6", "red.6"];

export interface FeatureLines {
  /** One row per period: its axis label and each feature's events under that feature's key. */
  data: Array<Record<string, string | number>>;
  /** The chart's series: a key safe for recharts (no dots), the feature's label and a colour. */
  series: Array<{ name: string; label: string; color: string }>;
  interval: FeatureSeries["interval"];
}

/**
 * The top features over time as chart rows. Keys are `f0`, `f1`, …: a feature name is the
 * integrator's free text, and recharts reads a dotted key as a path into the row.
 */
export function featureLines(series: FeatureSeries): FeatureLines {
  const features = series.features;
  const periods = features[0]?.periods ?? [];
  const data = periods.map((period, i) => {
    const row: Record<string, string | number> = { start: period.start, label: dayLabel(period.start) };
    features.forEach((feature, f) => {
      row[`f${f}`] = feature.periods[i]?.events ?? 0;
    });
    return row;
  });
  return {
    data,
    series: features.map((feature, f) => ({
      name: `f${f}`,
      label: feature.module ? `${feature.feature} · ${feature.module}` : feature.feature,
      color: FEATURE_COLORS[f % FEATURE_COLORS.length],
    })),
    interval: series.interval,
  };
}
