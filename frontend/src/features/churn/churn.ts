import { plainNumber, type MetricFormatter } from "../metrics/useMetricFormatter";
import type { CalibrationBin, ChurnDriverRead } from "./queries";

/** A probability in percent with one decimal place ("23.5%"); "—" without one. */
export function formatProbability(percent: number | null | undefined): string {
  if (percent == null) return "—";
  return `${(Math.round(percent * 10) / 10).toString()}%`;
}

/** A 0–1 share as a whole percent ("42%"), with one decimal place under 10 % ("0.4%"), where a
 * whole percent would make different low probabilities all "0%". */
export function formatRate(share: number | null | undefined): string {
  if (share == null) return "—";
  const percent = share * 100;
  return `${percent < 10 ? Math.round(percent * 10) / 10 : Math.round(percent)}%`;
}

/** The calibration gap above which the probabilities are not to be read as stated. */
export const LOOSE_CALIBRATION = 0.15;

/** An AUC to two decimals; "—" when it could not be measured. */
export function formatAuc(auc: number | null | undefined): string {
  return auc == null ? "—" : auc.toFixed(2);
}

/** How a driver moves the account's probability, in words a CSM reads. */
export function describeDriver(driver: ChurnDriverRead, format: MetricFormatter = plainNumber): string {
  const value =
    driver.value == null ? "no value (counted as average)" : `${format(driver.key, driver.value)} against ${format(driver.key, driver.mean)} on average`;
  if (driver.contribution > 0) return `Raises the risk: ${value}`;
  if (driver.contribution < 0) return `Lowers the risk: ${value}`;
  return `No effect: ${value}`;
}

/** The largest gap between predicted and observed churn over the calibration bins, weighted
 * bins only (a bin of a handful of rows says little). */
export function worstCalibrationGap(bins: CalibrationBin[], minRows = 20): number | null {
  const gaps = bins.filter((b) => b.rows >= minRows).map((b) => Math.abs(b.predicted - b.observed));
  return gaps.length ? Math.max(...gaps) : null;
}
