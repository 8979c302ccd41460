const dateFormat = new Intl.DateTimeFormat(undefined, { year: "numeric", month: "short", day: "numeric" });
const dateTimeFormat = new Intl.DateTimeFormat(undefined, {
  year: "numeric",
  month: "short",
  day: "numeric",
  hour: "2-digit",
  minute: "2-digit",
});

/** A calendar date from the API ("2025-03-01"), shown without shifting it through a time zone. */
export function formatDate(value: string | null | undefined): string {
  if (!value) return "—";
  const [y, m, d] = value.slice(0, 10).split("-").map(Number);
  if (!y || !m || !d) return value;
  return dateFormat.format(new Date(y, m - 1, d));
}

const dayFormat = new Intl.DateTimeFormat(undefined, { month: "short", day: "numeric" });

/** A calendar date as a chart's axis shows it ("Sep 9"), without its year. */
export function formatDay(value: string): string {
  const [y, m, d] = value.slice(0, 10).split("-").map(Number);
  return y && m && d ? dayFormat.format(new Date(y, m - 1, d)) : value;
}

/**
 * The calendar date an instant from the API falls on in `timeZone` (the organisation's; the
 * browser's when not given): for what happened on a day, which the API sends as that day's start.
 */
export function formatDateOf(value: string | null | undefined, timeZone?: string): string {
  if (!value) return "—";
  const date = new Date(value);
  if (Number.isNaN(date.getTime())) return value;
  try {
    return new Intl.DateTimeFormat(undefined, { year: "numeric", month: "short", day: "numeric", timeZone }).format(date);
  } catch {
    // A zone this browser does not know: its own.
    return dateFormat.format(date);
  }
}

/**
 * The day it is in `timeZone` (the organisation's, in which the API counts days; the browser's
 * when not given), as the browser's midnight of that day: for counts of days such as days to
 * renewal, which a browser in another zone would make a day off for hours every day.
 */
export function todayIn(timeZone?: string, now: Date = new Date()): Date {
  try {
    const parts = new Intl.DateTimeFormat("en-US", { timeZone, year: "numeric", month: "numeric", day: "numeric" }).formatToParts(now);
    const part = (type: string) => Number(parts.find((p) => p.type === type)?.value);
    return new Date(part("year"), part("month") - 1, part("day"));
  } catch {
    // A zone this browser does not know: its own.
    return new Date(now.getFullYear(), now.getMonth(), now.getDate());
  }
}

export function formatDateTime(value: string | null | undefined): string {
  if (!value) return "—";
  const date = new Date(value);
  return Number.isNaN(date.getTime()) ? value : dateTimeFormat.format(date);
}

export function plural(count: number, one: string, many = `${one}s`): string {
  return `${count.toLocaleString()} ${count === 1 ? one : many}`;
}

/** NPS comes as a decimal (a number or a string); show it with at most one decimal. */
export function formatNps(value: number | string | null | undefined): string {
  if (value === null || value === undefined || value === "") return "—";
  const n = Number(value);
  return Number.isFinite(n) ? (Math.round(n * 10) / 10).toLocaleString() : String(value);
}

/** How long ago, from a number of seconds: "12 seconds ago", "3 minutes ago", "2 days ago". */
export function secondsAgo(seconds: number): string {
  const s = Math.max(0, Math.round(seconds));
  if (s < 5) return "just now";
  if (s < 60) return `${plural(s, "second")} ago`;
  if (s < 3600) return `${plural(Math.floor(s / 60), "minute")} ago`;
  if (s < 86400) return `${plural(Math.floor(s / 3600), "hour")} ago`;
  return `${plural(Math.floor(s / 86400), "day")} ago`;
}

/** How long before `now` a time from the API was ("3 minutes ago"). */
export function formatAgo(value: string | null | undefined, now = Date.now()): string {
  if (!value) return "—";
  const time = new Date(value).getTime();
  return Number.isNaN(time) ? value : secondsAgo((now - time) / 1000);
}
