import { describe, expect, it } from "vitest";
import { formatAgo, formatDateOf, secondsAgo, todayIn } from "./format";

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

describe("the organisation's today", () => {
  it("is the day it is in the organisation's zone, whatever the browser's", () => {
    // 23:30 in London on Dec 31 is already Jan 1 in Tokyo.
    const now = new Date(Date.UTC(2025, 11, 31, 23, 30));
    const tokyo = todayIn("Asia/Tokyo", now);
    const london = todayIn("Europe/London", now);
    expect([tokyo.getFullYear(), tokyo.getMonth(), tokyo.getDate()]).toEqual([2026, 0, 1]);
    expect([london.getFullYear(), london.getMonth(), london.getDate()]).toEqual([2025, 11, 31]);
    expect(tokyo.getHours()).toBe(0);
  });

  it("falls back to the browser's day for a zone it does not know", () => {
    const now = new Date(2025, 5, 15, 10);
    expect(todayIn("Not/AZone", now).getDate()).toBe(15);
  });
});
