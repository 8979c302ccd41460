import type { CustomFieldFormat, CustomFieldType } from "../../api/types";
import { formatDate } from "../../components/format";
import { formatMetric } from "../metrics/format";

/**
 * How a field's values are shown: a custom field's format (plain, integer, decimal, currency,
 * percent, date, text, url, email, default) or a metric's (number, currency, percent, days), as
 * /accounts/fields and /custom-fields give them; null for the account's own fields.
 */
export type FieldFormat = string | null | undefined;

/** The formats an admin can pick for each custom field type; the first is the type's default. */
export const FORMAT_OPTIONS: Record<CustomFieldType, { value: CustomFieldFormat; label: string }[]> = {
  number: [
    { value: "plain", label: "Number as entered" },
    { value: "integer", label: "Whole number" },
    { value: "decimal", label: "Two decimals" },
    { value: "currency", label: "Money (base currency)" },
    { value: "percent", label: "Percent (12.5 → 12.5%)" },
  ],
  date: [{ value: "date", label: "Date" }],
  text: [
    { value: "text", label: "Text" },
    { value: "url", label: "Link (web address)" },
    { value: "email", label: "Email address" },
  ],
  category: [{ value: "default", label: "Category" }],
  boolean: [{ value: "default", label: "Yes / no" }],
};

export function defaultFormat(type: CustomFieldType): CustomFieldFormat {
  return FORMAT_OPTIONS[type][0]!.value;
}

export function formatLabel(type: CustomFieldType, format: CustomFieldFormat): string {
  return FORMAT_OPTIONS[type].find((option) => option.value === format)?.label ?? format;
}

/** A number in a field's format; money needs the organisation's base currency. */
export function formatNumberAs(value: number, format: FieldFormat, currency?: string): string {
  switch (format) {
    case "integer":
      return Math.round(value).toLocaleString();
    case "decimal":
      return value.toLocaleString(undefined, { minimumFractionDigits: 2, maximumFractionDigits: 2 });
    case "currency":
      return currency
        ? formatMetric(value, "currency", currency)
        : value.toLocaleString(undefined, { minimumFractionDigits: 2, maximumFractionDigits: 2 });
    case "percent":
    case "days":
    case "number":
      // The metric formats, shown as the account's metrics card shows them.
      return formatMetric(value, format, currency ?? "");
    default:
      return value.toLocaleString();
  }
}

/** A field value's text in its type and format; null when there is no value. */
export function formatFieldValue(value: unknown, type: string, format: FieldFormat, currency?: string): string | null {
  if (value === null || value === undefined || value === "") return null;
  if (type === "number") {
    const n = typeof value === "number" ? value : Number(value);
    return Number.isFinite(n) ? formatNumberAs(n, format, currency) : String(value);
  }
  if (type === "date") return typeof value === "string" ? formatDate(value) : String(value);
  if (type === "boolean") {
    if (typeof value === "boolean") return value ? "Yes" : "No";
    return value === "true" ? "Yes" : value === "false" ? "No" : String(value);
  }
  return Array.isArray(value) ? value.join(", ") : String(value);
}

/**
 * Where a text shown as a URL or an email address links to; null when it is neither a web address
 * nor an email address (it is then shown as plain text, never as a script or other link).
 */
export function linkFor(format: FieldFormat, text: string): string | null {
  if (format === "email") return /^[^\s@]+@[^\s@]+\.[^\s@]+$/.test(text) ? `mailto:${text}` : null;
  if (format !== "url") return null;
  const candidate = /^[a-z][a-z0-9+.-]*:/i.test(text) ? text : `https://${text}`;
  try {
    const url = new URL(candidate);
    return url.protocol === "http:" || url.protocol === "https:" ? url.href : null;
  } catch {
    return null;
  }
}
