import { describe, expect, it } from "vitest";
import { wholeNumberProblem } from "./numbers";

describe("wholeNumberProblem", () => {
  it("refuses what is out of range, not whole or not a number, naming the field", () => {
    for (const value of [150, -5, 55.5, "", "-", "1e"]) {
      expect(wholeNumberProblem(value, 0, 100, "CSM score")).toBe("CSM score is a whole number from 0 to 100");
    }
  });

  it("takes a whole number within the range, as typed or as text", () => {
    for (const value of [0, 55, 100, "42"]) expect(wholeNumberProblem(value, 0, 100, "CSM score")).toBeNull();
  });
});
