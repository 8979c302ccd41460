import type { LegendProps, XAxisProps } from "recharts";
import { formatDay } from "./format";

/** A chart's legend below it, its entries in the order of the chart's series (health bands
 * from good to poor, features from the most used): Recharts sorts them by name otherwise. */
export const LEGEND_BELOW: Partial<LegendProps> = { verticalAlign: "bottom", itemSorter: null };

/** A chart's axis of days ("2026-09-09") as dates are written elsewhere ("Sep 9"). */
export const DAY_AXIS: Partial<XAxisProps> = { tickFormatter: (day: string) => formatDay(day) };
