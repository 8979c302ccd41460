import type { components } from "../../api/gen/schema";

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

export interface Bar {
  label: string;
  value: number;
  height: number;
}

/** Bar heights for a small chart: the largest value fills `height`; none are negative. */
export function bars(points: { month: string; mrr: number }[], height: number): Bar[] {
  const max = Math.max(0, ...points.map((p) => p.mrr));
  return points.map((p) => ({
    label: p.month.slice(0, 7),
    value: p.mrr,
    height: max > 0 ? Math.max(0, Math.round((p.mrr / max) * height)) : 0,
  }));
}

export const MOVEMENT_COLORS: Record<string, string> = {
  new: "teal",
  reactivation: "cyan",
  expansion: "green",
  contraction: "orange",
  churn: "red",
  renewal: "blue",
};
