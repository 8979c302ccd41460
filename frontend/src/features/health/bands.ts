import type { Band } from "./queries";

export const BAND_COLOURS: Record<Band, string> = { good: "teal", average: "yellow", poor: "red" };
export const BAND_LABELS: Record<Band, string> = { good: "Good", average: "Average", poor: "Poor" };

/** "+12", "−5", "0" for a change in points; "—" without one. */
export function formatPoints(change: number | null | undefined): string {
  if (change == null) return "—";
  if (change > 0) return `+${change}`;
  if (change < 0) return `−${Math.abs(change)}`;
  return "0";
}

/** Points to one decimal place, without a trailing ".0". */
export function formatShare(points: number): string {
  return (Math.round(points * 10) / 10).toString();
}

/** The scores each band holds ("71–100"), from the organisation's band edges. */
export function bandRanges(edges: { good_from: number; average_from: number }): Record<Band, string> {
  return {
    good: `${edges.good_from}–100`,
    average: `${edges.average_from}–${edges.good_from - 1}`,
    poor: `0–${edges.average_from - 1}`,
  };
}
