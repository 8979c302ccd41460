import type { FreshnessStageRead } from "./queries";

// The live chain's stages in the order they run, then the hourly refresh of every account; a
// stage added later shows under its own name.
const STAGES: Record<string, string> = {
  usage: "Usage rollup",
  revenue: "Revenue (MRR)",
  metrics: "Metrics",
  health: "Health scores",
  alerts: "Alerts",
  refresh: "Hourly refresh of every account",
};
const ORDER = Object.keys(STAGES);

export function stageLabel(stage: string): string {
  return STAGES[stage] ?? stage.charAt(0).toUpperCase() + stage.slice(1).replace(/_/g, " ");
}

/** The stages in the order the chain runs them, the ones it does not know yet last. */
export function inChainOrder(stages: readonly FreshnessStageRead[]): FreshnessStageRead[] {
  const rank = (stage: string) => (ORDER.includes(stage) ? ORDER.indexOf(stage) : ORDER.length);
  return [...stages].sort((a, b) => rank(a.stage) - rank(b.stage) || a.stage.localeCompare(b.stage));
}

/** How long a run of a stage took: "35 ms", "2.4 s", "3 min 5 s". */
export function formatDuration(seconds: number): string {
  if (seconds < 1) return `${Math.round(seconds * 1000)} ms`;
  if (seconds < 60) return `${seconds.toFixed(1)} s`;
  const whole = Math.round(seconds);
  return `${Math.floor(whole / 60)} min ${whole % 60} s`;
}
