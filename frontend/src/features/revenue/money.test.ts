import { describe, expect, it } from "vitest";
import { formatDate } from "../../components/format";
import { discountLabel, formatMoney, formatRate, formatMoneyCompact, intervalLabel, invoiceState, itemDates, movementChange, mrrChartPoints, subscriptionStatus } from "./money";

describe("formatMoney", () => {
  it("shows minor units in the currency's own decimals", () => {
    expect(formatMoney(123450, "USD")).toBe("$1,234.50");
    expect(formatMoney(7000, "JPY")).toBe("¥7,000");
    expect(formatMoney(1500, "KWD")).toContain("1.500");
  });
});

describe("formatRate", () => {
  it("drops the padding zeros and keeps every significant digit", () => {
    expect(formatRate("1.0800000000")).toBe("1.08");
    expect(formatRate("0.0000123400")).toBe("0.00001234");
    expect(formatRate("150.0000000000")).toBe("150.00");
    expect(formatRate("1500")).toBe("1,500.00");
    expect(formatRate("1.2345678901")).toBe("1.2345678901");
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

describe("mrrChartPoints", () => {
  it("labels each month for the axis and keeps MRR in minor units", () => {
    expect(mrrChartPoints([{ month: "2026-03-01", mrr: 125000 }])).toEqual([{ label: "Mar 2026", mrr: 125000 }]);
  });
  it("formats the axis compactly", () => {
    expect(formatMoneyCompact(1250000, "USD")).toBe("$12.5K");
  });
});

describe("movementChange", () => {
  it("shows a renewal as the whole amount renewed, not as a second uplift", () => {
    // Renewed from $1,000 to $1,250 a month: the +$250 is the expansion's, listed once there.
    expect(movementChange({ kind: "renewal", end_mrr: 125000, delta: 25000 }, "USD")).toEqual({ text: "$1,250.00 renewed" });
    expect(movementChange({ kind: "expansion", end_mrr: 125000, delta: 25000 }, "USD")).toEqual({ text: "+$250.00", color: "teal" });
    expect(movementChange({ kind: "churn", end_mrr: 0, delta: -125000 }, "USD").color).toBe("red");
  });
});

describe("subscriptionStatus", () => {
  it("shows a subscription whose term is over as ended, whatever the billing system said", () => {
    expect(subscriptionStatus({ status: "active", ends_on: "2026-01-01" }, "2026-06-01")).toBe("ended");
    // ends_on is exclusive: the subscription no longer runs on that day.
    expect(subscriptionStatus({ status: "active", ends_on: "2026-06-01" }, "2026-06-01")).toBe("ended");
    expect(subscriptionStatus({ status: "active", ends_on: "2026-06-02" }, "2026-06-01")).toBe("active");
    expect(subscriptionStatus({ status: "past_due", ends_on: null }, "2026-06-01")).toBe("past due");
  });
});

describe("invoiceState", () => {
  it("flags an unpaid invoice past its due day", () => {
    expect(invoiceState({ is_paid: false, due_on: "2026-05-31" }, "2026-06-01")).toBe("overdue");
    expect(invoiceState({ is_paid: false, due_on: "2026-06-01" }, "2026-06-01")).toBe("unpaid");
    expect(invoiceState({ is_paid: false, due_on: null }, "2026-06-01")).toBe("unpaid");
    expect(invoiceState({ is_paid: true, due_on: "2026-05-01" }, "2026-06-01")).toBe("paid");
  });
});

describe("itemDates", () => {
  it("shows an item's own start and its end, ended once the exclusive end day has come", () => {
    const [may10, jun1] = [formatDate("2026-05-10"), formatDate("2026-06-01")];
    expect(itemDates({ starts_on: null, ends_on: null }, "2026-05-20")).toBe("");
    expect(itemDates({ starts_on: "2026-05-10", ends_on: null }, "2026-05-20")).toBe(`from ${may10}`);
    expect(itemDates({ starts_on: null, ends_on: "2026-06-01" }, "2026-05-31")).toBe(`ends ${jun1}`);
    expect(itemDates({ starts_on: "2026-05-10", ends_on: "2026-06-01" }, "2026-06-01")).toBe(`from ${may10}, ended ${jun1}`);
  });
});
