import { describe, expect, it } from "vitest";
import { bandRanges } from "./bands";
import { bandShares, formatMrr, trendRows } from "./trend";

const POINTS = [
  { day: "2026-03-02", band: "good" as const, accounts: 3, mrr: 300 },
  { day: "2026-03-01", band: "poor" as const, accounts: 1, mrr: 50 },
  { day: "2026-03-01", band: "good" as const, accounts: 2, mrr: 200 },
  { day: "2026-03-02", band: null, accounts: 1, mrr: 0 },
];

describe("the health trend", () => {
  it("gives a row per day, oldest first, with every band (0 without accounts)", () => {
    expect(trendRows(POINTS, "accounts")).toEqual([
      { day: "2026-03-01", good: 2, average: 0, poor: 1, no_data: 0 },
      { day: "2026-03-02", good: 3, average: 0, poor: 0, no_data: 1 },
    ]);
    expect(trendRows(POINTS, "mrr").map((r) => [r.good, r.poor])).toEqual([
      [200, 50],
      [300, 0],
    ]);
  });

  it("shares a day out between the bands", () => {
    const [first] = trendRows(POINTS, "accounts");
    expect(bandShares(first!)).toEqual({ good: (100 * 2) / 3, average: 0, poor: 100 / 3, no_data: 0 });
    expect(bandShares({ day: "2026-03-03", good: 0, average: 0, poor: 0, no_data: 0 }).good).toBe(0);
  });

  it("names the scores each band holds from the organisation's edges", () => {
    expect(bandRanges({ good_from: 71, average_from: 31 })).toEqual({ good: "71–100", average: "31–70", poor: "0–30" });
  });

  it("shows MRR in whole units of the currency", () => {
    expect(formatMrr(12_300.4, "USD")).toBe("$12,300");
    expect(formatMrr(99.5, "EUR")).toBe("€100");
  });
});
