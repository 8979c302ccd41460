import { describe, expect, it } from "vitest";
import {
  arrowColor,
  formatChange,
  formatMetric,
  formulaNames,
  keyFromLabel,
  rankTrendLabel,
  cardMetrics,
  trendColor,
  trendOf,
  unknownNames,
} from "./format";

describe("formatMetric", () => {
  it("formats each kind", () => {
    expect(formatMetric(1234.5, "currency", "USD")).toBe("$1,234.50");
    expect(formatMetric(62.5, "percent", "USD")).toBe("62.5%");
    expect(formatMetric(1, "days", "USD")).toBe("1 day");
    expect(formatMetric(-12, "days", "USD")).toBe("-12 days");
    expect(formatMetric(12345.678, "number", "USD")).toBe("12,345.68");
  });

  it("shows a dash for no value", () => {
    expect(formatMetric(null, "number", "USD")).toBe("—");
    expect(formatMetric(undefined, "currency", "EUR")).toBe("—");
  });

  it("survives an unknown currency code", () => {
    expect(formatMetric(10, "currency", "???")).toBe("10.00 ???");
  });
});

describe("trends", () => {
  it("reads the direction of a change", () => {
    expect(trendOf(null)).toBeNull();
    expect(trendOf(0)).toBe("flat");
    expect(trendOf(3)).toBe("up");
    expect(trendOf(-0.5)).toBe("down");
  });

  it("colours by whether more is better", () => {
    expect(trendColor("active_users_30d", "up")).toBe("teal");
    expect(trendColor("open_tickets", "up")).toBe("red");
    expect(trendColor("open_tickets", "down")).toBe("teal");
    expect(trendColor("mrr", "flat")).toBe("dimmed");
  });

  it("keeps days to renewal neutral: counting down is normal", () => {
    expect(trendColor("days_to_renewal", "down")).toBe("dimmed");
    expect(trendColor("days_to_renewal", "up")).toBe("dimmed");
    expect(trendColor("activity_rank_trend", "down")).toBe("dimmed");
  });

  it("formats a signed change", () => {
    expect(formatChange(12, "number", "USD")).toBe("+12");
    expect(formatChange(-40, "currency", "USD")).toBe("−$40.00");
    expect(formatChange(3.25, "percent", "USD")).toBe("+3.3 pts");
  });
});

describe("keys and formulas", () => {
  it("suggests a key from a label", () => {
    expect(keyFromLabel("MRR per user")).toBe("mrr_per_user");
    expect(keyFromLabel("  30-day events / seat ")).toBe("m_30_day_events_seat");
    expect(keyFromLabel("!!!")).toBe("");
  });

  it("finds the metrics a formula names, not its functions", () => {
    expect(formulaNames("round(mrr / max(active_users_30d, 1)) + mrr")).toEqual(["mrr", "active_users_30d"]);
    expect(unknownNames("mrr / seats", ["mrr"])).toEqual(["seats"]);
  });
});

describe("activity rank trends", () => {
  it("says what the slope means", () => {
    expect(rankTrendLabel(0.85)).toBe("Trend over the last 30 days: +0.85 rank points a day");
    expect(rankTrendLabel(-1)).toBe("Trend over the last 30 days: −1 rank point a day");
    expect(rankTrendLabel(0)).toBe("Trend over the last 30 days: ±0 rank points a day");
    expect(rankTrendLabel(null)).toBe("No trend yet: it needs two days of ranks");
  });

  it("colours a rising rank as good news", () => {
    expect(arrowColor("up")).toBe("teal");
    expect(arrowColor("down")).toBe("red");
    expect(arrowColor("flat")).toBe("dimmed");
    expect(arrowColor(null)).toBe("dimmed");
  });
});

describe("cardMetrics", () => {
  it("leaves out what the account header shows", () => {
    const keys = cardMetrics([{ key: "mrr" }, { key: "csm_score" }, { key: "nps" }, { key: "days_to_renewal" }]).map((m) => m.key);
    expect(keys).toEqual(["mrr", "days_to_renewal"]);
  });
});
