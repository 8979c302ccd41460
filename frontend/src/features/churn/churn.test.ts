import { describe, expect, it } from "vitest";
import { describeDriver, formatAuc, formatProbability, formatRate, worstCalibrationGap } from "./churn";

describe("churn figures", () => {
  it("formats probabilities, rates and AUCs", () => {
    expect(formatProbability(23.456)).toBe("23.5%");
    expect(formatProbability(null)).toBe("—");
    expect(formatRate(0.416)).toBe("42%");
    expect(formatRate(0.004)).toBe("0.4%");
    expect(formatRate(0.0004)).toBe("0%");
    expect(formatAuc(0.9134)).toBe("0.91");
    expect(formatAuc(null)).toBe("—");
  });

  it("says which way a driver moves the risk", () => {
    const driver = { key: "active_users_30d", label: "Active users", mean: 19.94, value: 2, contribution: 1.3 };
    expect(describeDriver(driver)).toBe("Raises the risk: 2 against 19.9 on average");
    expect(describeDriver({ ...driver, contribution: -0.4 })).toMatch(/^Lowers the risk/);
    expect(describeDriver({ ...driver, value: null, contribution: 0 })).toBe("No effect: no value (counted as average)");
    const money = (_key: string, value: number) => `$${value.toFixed(2)}`;
    expect(describeDriver({ ...driver, value: 182230.56, mean: 34896.1, contribution: -0.2 }, money)).toBe(
      "Lowers the risk: $182230.56 against $34896.10 on average",
    );
  });

  it("measures calibration on bins with enough rows", () => {
    const bins = [
      { low: 0, high: 0.1, rows: 500, predicted: 0.04, observed: 0.05 },
      { low: 0.8, high: 0.9, rows: 3, predicted: 0.85, observed: 0 },
      { low: 0.9, high: 1, rows: 40, predicted: 0.95, observed: 0.9 },
    ];
    expect(worstCalibrationGap(bins)).toBeCloseTo(0.05);
    expect(worstCalibrationGap(bins.slice(1, 2))).toBeNull();
  });
});
