import { type ComponentDraft, linearScore, type MappingDraft } from "./draft";

/** A point of a mapping's chart: the score the mapping gives a value. */
export type CurvePoint = { value: number; score: number };

// Colours of the weights' pie, one per component in turn.
const PIE_COLOURS = ["blue.6", "teal.6", "grape.6", "orange.6", "cyan.6", "pink.6", "lime.7", "indigo.6"];

/** The points that draw a mapping across its values, lowest value first; null when it cannot be
 * drawn (percentile scores depend on the other accounts, or the bounds are not valid yet).
 * A linear ramp is its two bends with a margin either side; ranges are one point where each
 * step starts (drawn as steps: a value at a step's end already scores the next step's score). */
export function mappingCurve(mapping: MappingDraft): CurvePoint[] | null {
  if (mapping.kind === "linear") {
    const { low, high, invert } = mapping;
    if (!(Number.isFinite(low) && Number.isFinite(high) && low < high)) return null;
    const margin = (high - low) / 4;
    return [low - margin, low, high, high + margin].map((value) => ({ value, score: linearScore(low, high, invert, value) }));
  }
  if (mapping.kind === "ranges") {
    const ends = mapping.steps.slice(0, -1).map((s) => s.end);
    if (!ends.length || ends.some((e, i) => e == null || !Number.isFinite(e) || (i > 0 && e <= ends[i - 1]!))) return null;
    const first = ends[0]!;
    const last = ends[ends.length - 1]!;
    const margin = Math.max((last - first) / 4, 1);
    const points = mapping.steps.map((step, i) => ({ value: i === 0 ? first - margin : ends[i - 1]!, score: step.score }));
    // The last step holds on to the chart's right edge.
    return [...points, { value: last + margin, score: mapping.steps[mapping.steps.length - 1]!.score }];
  }
  return null;
}

/** Each component's share of the weights, in percent (components without a positive weight
 * have none), with its colour in the pie. */
export function weightShares(draft: ComponentDraft[]): { name: string; value: number; share: number; color: string }[] {
  const weighted = draft.filter((c) => Number.isFinite(c.weight) && c.weight > 0);
  const total = weighted.reduce((sum, c) => sum + c.weight, 0);
  return weighted.map((c, i) => ({
    name: c.name.trim() || `Component ${draft.indexOf(c) + 1}`,
    value: c.weight,
    share: (100 * c.weight) / total,
    color: PIE_COLOURS[i % PIE_COLOURS.length]!,
  }));
}
