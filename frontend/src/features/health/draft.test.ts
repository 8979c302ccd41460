import { describe, expect, it } from "vitest";
import { draftProblem, fromDraft, linearScore, toDraft } from "./draft";

const SUPPORT = {
  name: "Support",
  weight: 3,
  metrics: [
    {
      metric: "open_tickets",
      mapping: {
        kind: "ranges" as const,
        ranges: [
          { start: null, end: 1, score: 100 },
          { start: 1, end: 3, score: 70 },
          { start: 3, end: null, score: 0 },
        ],
      },
    },
  ],
};

describe("a health model's draft", () => {
  it("holds ranges as steps and gives them back without gaps", () => {
    const draft = toDraft([SUPPORT]);
    expect(draft[0]!.metrics[0]!.mapping).toEqual({
      kind: "ranges",
      steps: [
        { end: 1, score: 100 },
        { end: 3, score: 70 },
        { end: null, score: 0 },
      ],
    });
    expect(fromDraft(draft)).toEqual([SUPPORT]);
  });

  it("names what keeps it from being saved", () => {
    const draft = toDraft([SUPPORT]);
    expect(draftProblem(draft)).toBeNull();
    draft[0]!.weight = 0;
    expect(draftProblem(draft)).toBe("Support: the weight must be above 0.");
    draft[0]!.weight = 1;
    draft[0]!.metrics[0]!.mapping = { kind: "ranges", steps: [{ end: 3, score: 1 }, { end: 2, score: 1 }, { end: null, score: 0 }] };
    expect(draftProblem(draft)).toBe("Support: the ranges must rise.");
    draft[0]!.metrics[0]!.mapping = { kind: "linear", low: 5, high: 5, invert: false };
    expect(draftProblem(draft)).toBe("Support: the 0 bound must be below the 100 bound.");
  });

  it("refuses two components of one name, as the API does", () => {
    const [support] = toDraft([SUPPORT]);
    expect(draftProblem([support!, { ...support!, name: " Support " }])).toBe(
      "Two components are named Support: give each a name of its own.",
    );
    expect(draftProblem([support!, { ...support!, name: "support" }])).toBeNull();
  });

  it("draws a linear mapping as the API scores it", () => {
    expect([0, 10, 15, 20, 30].map((v) => linearScore(10, 20, false, v))).toEqual([0, 0, 50, 100, 100]);
    expect(linearScore(10, 20, true, 12)).toBe(80);
  });
  it("keeps a dimension's value scores and refuses a value mapped twice", () => {
    const tier = {
      name: "Tier",
      weight: 1,
      metrics: [{ metric: "tier", mapping: { kind: "values" as const, scores: [{ value: "Tier 1", score: 100 }], other: null } }],
    };
    const draft = toDraft([tier]);
    expect(fromDraft(draft)).toEqual([tier]);
    expect(draftProblem(draft)).toBeNull();
    const twice = { ...tier.metrics[0]!.mapping, scores: [...tier.metrics[0]!.mapping.scores, { value: "Tier 1", score: 0 }] };
    expect(draftProblem([{ ...draft[0]!, metrics: [{ metric: "tier", mapping: twice }] }])).toBe("Tier: a value is mapped twice.");
  });
});
