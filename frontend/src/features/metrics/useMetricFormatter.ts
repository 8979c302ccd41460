import { useAccountFields } from "../accounts/queries";
import { useOrganisation } from "../organisation/queries";
import { formatMetric } from "./format";

/** A metric's value as the account's metrics card shows it (money in the currency, shares in
 * percent); a number rounded to one decimal place for a metric not known. */
export type MetricFormatter = (key: string, value: number) => string;

export const plainNumber: MetricFormatter = (_key, value) => (Math.round(value * 10) / 10).toLocaleString("en-US");

/** Metrics (built-in or the organisation's own, by key) in their formats: the churn model's
 * drivers, the health score's inputs. */
export function useMetricFormatter(): MetricFormatter {
  const fields = useAccountFields();
  const organisation = useOrganisation();
  const formats = new Map((fields.data ?? []).map((f) => [f.key, f.format]));
  const currency = organisation.data?.base_currency ?? "";
  return (key, value) => {
    const format = formats.get(`metric.${key}`) ?? formats.get(`custom.${key}`) ?? formats.get(key);
    return format === "currency" || format === "percent" || format === "days" ? formatMetric(value, format, currency) : plainNumber(key, value);
  };
}
