import { describe, expect, it } from "vitest";
import { formatAgo, formatDateOf, secondsAgo } from "./format";

describe("how long ago", () => {
  it("says seconds, minutes, hours or days, whole and rounded down", () => {
    expect(secondsAgo(2)).toBe("just now");
    expect(secondsAgo(12.4)).toBe("12 seconds ago");
    expect(secondsAgo(60)).toBe("1 minute ago");
    expect(secondsAgo(179)).toBe("2 minutes ago");
    expect(secondsAgo(2 * 3600 + 59)).toBe("2 hours ago");
    expect(secondsAgo(3 * 86400)).toBe("3 days ago");
  });

  it("measures a time from the API against now, never into the future", () => {
    const now = Date.parse("2026-03-01T12:00:00Z");
    expect(formatAgo("2026-03-01T11:58:00Z", now)).toBe("2 minutes ago");
    expect(formatAgo("2026-03-01T12:00:30Z", now)).toBe("just now");
    expect(formatAgo(null, now)).toBe("—");
  });
});

describe("the day an instant falls on", () => {
  const day = (y: number, m: number, d: number) =>
    new Intl.DateTimeFormat(undefined, { year: "numeric", month: "short", day: "numeric" }).format(new Date(y, m - 1, d));

  it("is the day in the given time zone, without a time", () => {
    // Midnight of Dec 7 in Paris is still Dec 6 in UTC.
    expect(formatDateOf("2026-12-06T23:00:00Z", "Europe/Paris")).toBe(day(2026, 12, 7));
    expect(formatDateOf("2026-12-07T05:00:00Z", "America/New_York")).toBe(day(2026, 12, 7));
    expect(formatDateOf(null, "Europe/Paris")).toBe("—");
  });
});
