import type { HealthComponent } from "./queries";

/** A model's components as the editor holds them: ranges as ordered steps ("below `end` scores
 * `score`", the last one for every value above), so they can have no gap or overlap. */
export type MappingDraft =
  | { kind: "linear"; low: number; high: number; invert: boolean }
  | { kind: "ranges"; steps: { end: number | null; score: number }[] }
  | { kind: "percentile" }
  | { kind: "values"; scores: { value: string; score: number }[]; other: number | null };
export type MetricDraft = { metric: string; mapping: MappingDraft };
export type ComponentDraft = { name: string; weight: number; metrics: MetricDraft[] };

export function toDraft(components: HealthComponent[]): ComponentDraft[] {
  return components.map((c) => ({
    name: c.name,
    weight: Number(c.weight),
    metrics: c.metrics.map((m) => {
      const mapping = m.mapping;
      if (mapping.kind === "linear")
        return { metric: m.metric, mapping: { kind: "linear", low: Number(mapping.low), high: Number(mapping.high), invert: Boolean(mapping.invert) } };
      if (mapping.kind === "ranges")
        return {
          metric: m.metric,
          mapping: { kind: "ranges", steps: mapping.ranges.map((r) => ({ end: r.end == null ? null : Number(r.end), score: Number(r.score) })) },
        };
      if (mapping.kind === "values")
        return {
          metric: m.metric,
          mapping: {
            kind: "values",
            scores: mapping.scores.map((s) => ({ value: s.value, score: Number(s.score) })),
            other: mapping.other == null ? null : Number(mapping.other),
          },
        };
      return { metric: m.metric, mapping: { kind: "percentile" } };
    }),
  }));
}

export function fromDraft(draft: ComponentDraft[]): HealthComponent[] {
  return draft.map((c) => ({
    name: c.name.trim(),
    weight: c.weight,
    metrics: c.metrics.map((m) => {
      const mapping = m.mapping;
      if (mapping.kind === "ranges") {
        const ranges = mapping.steps.map((step, i) => ({
          start: i === 0 ? null : mapping.steps[i - 1]!.end,
          end: i === mapping.steps.length - 1 ? null : step.end,
          score: step.score,
        }));
        return { metric: m.metric, mapping: { kind: "ranges" as const, ranges } };
      }
      return { metric: m.metric, mapping };
    }),
  }));
}

/** What keeps the draft from being saved, in words; null when it can be. */
export function draftProblem(draft: ComponentDraft[]): string | null {
  if (!draft.length) return "Add at least one component.";
  const names = draft.map((c) => c.name.trim());
  for (const [i, c] of draft.entries()) {
    if (!c.name.trim()) return "Every component needs a name.";
    // The breakdown and its changes tell components apart by name (the API refuses a repeat too).
    if (names.indexOf(names[i]!) < i) return `Two components are named ${names[i]}: give each a name of its own.`;
    if (!(c.weight > 0)) return `${c.name}: the weight must be above 0.`;
    if (!c.metrics.length) return `${c.name}: add at least one metric.`;
    for (const m of c.metrics) {
      if (!m.metric) return `${c.name}: choose a metric.`;
      const mapping = m.mapping;
      if (mapping.kind === "linear" && !(mapping.low < mapping.high))
        return `${c.name}: the 0 bound must be below the 100 bound.`;
      if (mapping.kind === "ranges") {
        const ends = mapping.steps.slice(0, -1).map((s) => s.end);
        if (ends.some((e) => e == null)) return `${c.name}: every range but the last needs an upper bound.`;
        if (ends.some((e, i) => i > 0 && e! <= ends[i - 1]!)) return `${c.name}: the ranges must rise.`;
        if (mapping.steps.some((s) => s.score < 0 || s.score > 100)) return `${c.name}: range scores are 0 to 100.`;
      }
      if (mapping.kind === "values") {
        const values = mapping.scores.map((s) => s.value);
        if (!values.length || values.some((v) => !v)) return `${c.name}: map at least one value, each named.`;
        if (new Set(values).size !== values.length) return `${c.name}: a value is mapped twice.`;
        if ([...mapping.scores.map((s) => s.score), mapping.other ?? 0].some((s) => s < 0 || s > 100))
          return `${c.name}: value scores are 0 to 100.`;
      }
    }
  }
  return null;
}

/** The score a linear mapping gives a value (for the mapping's chart). */
export function linearScore(low: number, high: number, invert: boolean, value: number): number {
  const score = value <= low ? 0 : value >= high ? 100 : (100 * (value - low)) / (high - low);
  return invert ? 100 - score : score;
}
