import { describe, expect, it } from "vitest";
import { bars, discountLabel, formatMoney, intervalLabel } from "./money";

describe("formatMoney", () => {
  it("shows minor units in the currency's own decimals", () => {
    expect(formatMoney(123450, "USD")).toBe("$1,234.50");
    expect(formatMoney(7000, "JPY")).toBe("¥7,000");
    expect(formatMoney(1500, "KWD")).toContain("1.500");
  });
});

describe("intervalLabel", () => {
  it("names the usual intervals", () => {
    expect([1, 3, 12, 6].map(intervalLabel)).toEqual(["monthly", "quarterly", "annual", "every 6 months"]);
  });
});

describe("discountLabel", () => {
  it("describes percent and amount discounts with their duration", () => {
    expect(discountLabel({ kind: "percent", percent: "10", amount: null, intervals: 2, coupon_code: "LAUNCH" }, "USD")).toBe(
      "10% off for 2 intervals (coupon LAUNCH)",
    );
    expect(discountLabel({ kind: "amount", percent: null, amount: 500, intervals: null, coupon_code: null }, "USD")).toBe(
      "$5.00 off forever",
    );
    expect(discountLabel(null, "USD")).toBeNull();
  });
});

describe("bars", () => {
  it("scales to the largest month and never below zero", () => {
    const result = bars(
      [
        { month: "2026-01-01", mrr: 0 },
        { month: "2026-02-01", mrr: 5000 },
        { month: "2026-03-01", mrr: 10000 },
      ],
      100,
    );
    expect(result.map((b) => b.height)).toEqual([0, 50, 100]);
    expect(result[2].label).toBe("2026-03");
  });

  it("draws nothing when there is no revenue", () => {
    expect(bars([{ month: "2026-01-01", mrr: 0 }], 80)[0].height).toBe(0);
  });
});
