import { describe, expect, it } from "vitest";
import type { ComponentDraft } from "./draft";
import { mappingCurve, weightShares } from "./editorCharts";
import { moveItem } from "./reorder";

describe("the model editor's charts", () => {
  it("draws a linear mapping as its ramp with a margin either side, inverted when asked", () => {
    expect(mappingCurve({ kind: "linear", low: 10, high: 50, invert: false })).toEqual([
      { value: 0, score: 0 },
      { value: 10, score: 0 },
      { value: 50, score: 100 },
      { value: 60, score: 100 },
    ]);
    expect(mappingCurve({ kind: "linear", low: 10, high: 50, invert: true })!.map((p) => p.score)).toEqual([100, 100, 0, 0]);
  });

  it("draws ranges as a step where each range starts, the last held to the edge", () => {
    const curve = mappingCurve({
      kind: "ranges",
      steps: [
        { end: 1, score: 100 },
        { end: 3, score: 70 },
        { end: null, score: 0 },
      ],
    });
    expect(curve).toEqual([
      { value: 0, score: 100 },
      { value: 1, score: 70 },
      { value: 3, score: 0 },
      { value: 4, score: 0 },
    ]);
  });

  it("draws nothing for percentile or for bounds that cannot be saved", () => {
    expect(mappingCurve({ kind: "percentile" })).toBeNull();
    expect(mappingCurve({ kind: "linear", low: 5, high: 5, invert: false })).toBeNull();
    expect(mappingCurve({ kind: "ranges", steps: [{ end: 3, score: 1 }, { end: 2, score: 1 }, { end: null, score: 0 }] })).toBeNull();
  });

  it("shares the pie by weight, leaving out components without a positive weight", () => {
    const draft: ComponentDraft[] = [
      { name: "Product usage", weight: 7, metrics: [] },
      { name: "Support", weight: 3, metrics: [] },
      { name: "", weight: 10, metrics: [] },
      { name: "Nothing yet", weight: 0, metrics: [] },
    ];
    expect(weightShares(draft).map(({ name, share }) => [name, share])).toEqual([
      ["Product usage", 35],
      ["Support", 15],
      ["Component 3", 50],
    ]);
    expect(new Set(weightShares(draft).map((s) => s.color)).size).toBe(3);
  });
});

describe("reordering segment models", () => {
  it("moves one model to another's place, the others keeping their order", () => {
    expect(moveItem(["a", "b", "c", "d"], 0, 2)).toEqual(["b", "c", "a", "d"]);
    expect(moveItem(["a", "b", "c", "d"], 3, 0)).toEqual(["d", "a", "b", "c"]);
    expect(moveItem(["a", "b"], 1, 1)).toEqual(["a", "b"]);
  });

  it("keeps the order when a move would leave the list", () => {
    expect(moveItem(["a", "b"], 0, -1)).toEqual(["a", "b"]);
    expect(moveItem(["a", "b"], 1, 2)).toEqual(["a", "b"]);
  });
});
