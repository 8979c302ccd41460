import { describe, expect, it } from "vitest";
import { dayLabel, featureBars, featureLines, formatDuration, isoDate, isoDateIn, toMinutes, usagePoints, usageRange } from "./series";

describe("usageRange", () => {
  it("covers exactly the given number of days, today included", () => {
    expect(usageRange(7, new Date(2025, 2, 10, 23, 30))).toEqual({ since: "2025-03-04", until: "2025-03-10" });
    expect(usageRange(1, new Date(2025, 2, 10))).toEqual({ since: "2025-03-10", until: "2025-03-10" });
  });

  it("crosses month and year ends", () => {
    expect(usageRange(30, new Date(2025, 0, 15))).toEqual({ since: "2024-12-17", until: "2025-01-15" });
    expect(usageRange(90, new Date(2024, 2, 1))).toEqual({ since: "2023-12-03", until: "2024-03-01" });
  });

  it("counts calendar days across a daylight-saving change", () => {
    // Europe and the US change clocks in late March; 7 days must still be 7 dates.
    expect(usageRange(7, new Date(2025, 2, 31, 0, 30))).toEqual({ since: "2025-03-25", until: "2025-03-31" });
  });
});

describe("usageRange in the organisation's time zone", () => {
  // 23:30 in London on 10 March is already the 11th in Tokyo and still the 10th in Los Angeles.
  const instant = new Date(Date.UTC(2025, 2, 10, 23, 30));

  it("ends on the organisation's today, whatever the browser's", () => {
    expect(usageRange(7, instant, "Asia/Tokyo")).toEqual({ since: "2025-03-05", until: "2025-03-11" });
    expect(usageRange(7, instant, "America/Los_Angeles")).toEqual({ since: "2025-03-04", until: "2025-03-10" });
    expect(usageRange(1, instant, "Pacific/Kiritimati")).toEqual({ since: "2025-03-11", until: "2025-03-11" });
  });

  it("crosses month and year ends and daylight-saving changes", () => {
    expect(usageRange(30, new Date(Date.UTC(2025, 0, 15, 12)), "Europe/London")).toEqual({ since: "2024-12-17", until: "2025-01-15" });
    expect(usageRange(7, new Date(Date.UTC(2025, 2, 31, 0, 30)), "Europe/Berlin")).toEqual({ since: "2025-03-25", until: "2025-03-31" });
  });
});

describe("isoDateIn", () => {
  it("is the date the instant falls on in the zone", () => {
    const instant = new Date(Date.UTC(2025, 11, 31, 23, 30));
    expect(isoDateIn(instant, "UTC")).toBe("2025-12-31");
    expect(isoDateIn(instant, "Asia/Tokyo")).toBe("2026-01-01");
  });
});

describe("isoDate", () => {
  it("pads months and days", () => {
    expect(isoDate(new Date(2025, 0, 5))).toBe("2025-01-05");
  });
});

describe("dayLabel", () => {
  it("shows the calendar day it is given, whatever the time zone", () => {
    expect(dayLabel("2025-03-01")).toBe(new Intl.DateTimeFormat(undefined, { month: "short", day: "numeric" }).format(new Date(2025, 2, 1)));
    expect(dayLabel("not a date")).toBe("not a date");
  });
});

describe("usagePoints", () => {
  it("orders days oldest first and turns session seconds into minutes", () => {
    const points = usagePoints([
      { day: "2025-03-02", events: 4, active_contacts: 2, sessions: 3, session_seconds: 930 },
      { day: "2025-03-01", events: 0, active_contacts: 0, sessions: 0, session_seconds: 0 },
    ]);
    expect(points.map((p) => p.day)).toEqual(["2025-03-01", "2025-03-02"]);
    expect(points[1]).toEqual({
      day: "2025-03-02",
      label: dayLabel("2025-03-02"),
      events: 4,
      activeUsers: 2,
      sessions: 3,
      sessionMinutes: 15.5,
    });
    expect(points[0]!.events).toBe(0);
  });
});

describe("toMinutes", () => {
  it("keeps one decimal", () => {
    expect(toMinutes(0)).toBe(0);
    expect(toMinutes(45)).toBe(0.8);
    expect(toMinutes(3600)).toBe(60);
  });
});

describe("featureBars", () => {
  it("names a feature with its module when it has one", () => {
    expect(
      featureBars([
        { feature: "reports", module: "analytics", events: 12 },
        { feature: "search", module: null, events: 3 },
      ]),
    ).toEqual([
      { feature: "reports · analytics", events: 12 },
      { feature: "search", events: 3 },
    ]);
  });
});

describe("formatDuration", () => {
  it("picks seconds, minutes or hours", () => {
    expect(formatDuration(0)).toBe("0 s");
    expect(formatDuration(59)).toBe("59 s");
    expect(formatDuration(720)).toBe("12 min");
    expect(formatDuration(3 * 3600 + 5 * 60)).toBe("3 h 05 min");
  });
});

describe("featureLines", () => {
  const week = (start: string, end: string, events: number) => ({ start, end, events });

  it("puts each feature under a key recharts cannot misread, one row per period", () => {
    const lines = featureLines({
      account_id: "a",
      since: "2025-03-01",
      until: "2025-04-15",
      rollup: false,
      interval: "week",
      features: [
        {
          feature: "reports.v2",
          module: "analytics",
          events: 9,
          periods: [week("2025-03-01", "2025-03-02", 4), week("2025-03-03", "2025-03-09", 5)],
        },
        {
          feature: "search",
          module: null,
          events: 1,
          periods: [week("2025-03-01", "2025-03-02", 0), week("2025-03-03", "2025-03-09", 1)],
        },
      ],
    });

    expect(lines.interval).toBe("week");
    expect(lines.series.map(({ name, label }) => ({ name, label }))).toEqual([
      { name: "f0", label: "reports.v2 · analytics" },
      { name: "f1", label: "search" },
    ]);
    expect(lines.data.map(({ start, f0, f1 }) => [start, f0, f1])).toEqual([
      ["2025-03-01", 4, 0],
      ["2025-03-03", 5, 1],
    ]);
    expect(lines.data[0]!.label).toBe(dayLabel("2025-03-01"));
  });

  it("has nothing to draw without features", () => {
    const lines = featureLines({ account_id: "a", since: "2025-03-01", until: "2025-03-02", rollup: false, interval: "day", features: [] });
    expect(lines).toEqual({ data: [], series: [], interval: "day" });
  });
});
