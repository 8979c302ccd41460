import type { components } from "../../api/gen/schema";
import { formatDate } from "../../components/format";

type Discount = components["schemas"]["DiscountRead"];

// ISO 4217 minor-unit exponents that are not 2 (as in domain/revenue/mrr.py).
const EXPONENTS: Record<string, number> = {
  BIF: 0, CLP: 0, DJF: 0, GNF: 0, ISK: 0, JPY: 0, KMF: 0, KRW: 0, PYG: 0, RWF: 0, UGX: 0, UYI: 0,
  VND: 0, VUV: 0, XAF: 0, XOF: 0, XPF: 0,
  BHD: 3, IQD: 3, JOD: 3, KWD: 3, LYD: 3, OMR: 3, TND: 3,
};

export function minorUnitExponent(currency: string): number {
  return EXPONENTS[currency.toUpperCase()] ?? 2;
}

/** Money sent as integer minor units, shown in its currency ("$1,234.50"). */
export function formatMoney(minor: number, currency: string): string {
  const exponent = minorUnitExponent(currency);
  const major = minor / 10 ** exponent;
  try {
    return new Intl.NumberFormat("en-US", {
      style: "currency",
      currency,
      minimumFractionDigits: exponent,
      maximumFractionDigits: exponent,
    }).format(major);
  } catch {
    return `${major.toFixed(exponent)} ${currency}`;
  }
}

/** An exchange rate as stored (a decimal string with ten places) without its padding zeros:
 * "1.0800000000" → "1.08", "150" → "150.00"; every significant digit is kept. */
export function formatRate(rate: string | number): string {
  const text = String(rate).trim();
  if (!/^\d+(\.\d+)?$/.test(text)) return text;
  const [whole, fraction = ""] = text.split(".");
  const digits = fraction.replace(/0+$/, "").padEnd(2, "0");
  return `${Number(whole).toLocaleString("en-US")}.${digits}`;
}

export function intervalLabel(months: number): string {
  if (months === 1) return "monthly";
  if (months === 3) return "quarterly";
  if (months === 12) return "annual";
  return `every ${months} months`;
}

export function discountLabel(discount: Discount | null | undefined, currency: string): string | null {
  if (!discount) return null;
  const off =
    discount.kind === "percent"
      ? `${Number(discount.percent ?? 0)}% off`
      : `${formatMoney(discount.amount ?? 0, currency)} off`;
  const duration =
    discount.intervals == null
      ? "forever"
      : `for ${discount.intervals} interval${discount.intervals === 1 ? "" : "s"}`;
  const coupon = discount.coupon_code ? ` (coupon ${discount.coupon_code})` : "";
  return `${off} ${duration}${coupon}`;
}

/** Money for a chart's axis: short ("$12.5K"), in the currency's major units. */
export function formatMoneyCompact(minor: number, currency: string): string {
  const major = minor / 10 ** minorUnitExponent(currency);
  try {
    return new Intl.NumberFormat("en-US", { style: "currency", currency, notation: "compact", maximumFractionDigits: 1 }).format(major);
  } catch {
    return `${major} ${currency}`;
  }
}

const monthFormat = new Intl.DateTimeFormat("en-US", { month: "short", year: "numeric" });

/** The MRR chart's points: each month labelled for its axis ("Mar 2026"), MRR in minor units. */
export function mrrChartPoints(months: { month: string; mrr: number }[]): { label: string; mrr: number }[] {
  return months.map((m) => {
    const [y, mo] = m.month.split("-").map(Number);
    return { label: monthFormat.format(new Date(y, mo - 1, 1)), mrr: m.mrr };
  });
}

type Movement = components["schemas"]["MrrMovementRead"];

/** What a movement changed, for the movements table. A renewal is not a change of MRR: it
 * shows the whole MRR renewed, and any uplift is the month's expansion, listed once there. */
export function movementChange(m: Pick<Movement, "kind" | "end_mrr" | "delta">, currency: string): { text: string; color?: string } {
  if (m.kind === "renewal") return { text: `${formatMoney(m.end_mrr, currency)} renewed` };
  const sign = m.delta > 0 ? "+" : "";
  return { text: `${sign}${formatMoney(m.delta, currency)}`, color: m.delta < 0 ? "red" : m.delta > 0 ? "teal" : undefined };
}

/** A subscription's status as shown: the billing system's, except that one whose term is over
 * (ends_on is exclusive) is ended, whatever was last reported. `today` is "YYYY-MM-DD". */
export function subscriptionStatus(s: { status: string; ends_on: string | null }, today: string): string {
  if (s.ends_on && s.ends_on <= today) return "ended";
  return s.status.replace(/_/g, " ");
}

/** An item's own dates, when it has any ("from May 10, 2026, ended Jun 1, 2026"): a mid-term
 * change of price or quantity shows as one item ending on the day its successor starts.
 * ends_on is exclusive; `today` is "YYYY-MM-DD". */
export function itemDates(item: { starts_on: string | null; ends_on: string | null }, today: string): string {
  const from = item.starts_on ? `from ${formatDate(item.starts_on)}` : null;
  const until = item.ends_on ? `${item.ends_on <= today ? "ended" : "ends"} ${formatDate(item.ends_on)}` : null;
  return [from, until].filter(Boolean).join(", ");
}

export const SUBSCRIPTION_COLORS: Record<string, string> = {
  active: "green",
  trialing: "cyan",
  "past due": "orange",
  cancelled: "gray",
  ended: "gray",
};

/** Paid, unpaid, or unpaid past its due day (overdue). `today` is "YYYY-MM-DD". */
export function invoiceState(inv: { is_paid: boolean; due_on: string | null }, today: string): "paid" | "unpaid" | "overdue" {
  if (inv.is_paid) return "paid";
  return inv.due_on && inv.due_on < today ? "overdue" : "unpaid";
}

export const MOVEMENT_COLORS: Record<string, string> = {
  new: "teal",
  reactivation: "cyan",
  expansion: "green",
  contraction: "orange",
  churn: "red",
  renewal: "blue",
};
