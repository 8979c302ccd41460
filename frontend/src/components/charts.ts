import type { LegendProps } from "recharts";

/** A chart's legend below it, its entries in the order of the chart's series (health bands
 * from good to poor, features from the most used): Recharts sorts them by name otherwise. */
export const LEGEND_BELOW: Partial<LegendProps> = { verticalAlign: "bottom", itemSorter: null };
