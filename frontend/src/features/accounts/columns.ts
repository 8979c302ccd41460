import type { Account, AccountField, AccountListItem, AccountSort } from "../../api/types";
import { formatDate, formatNps } from "../../components/format";
import { BAND_LABELS, formatPoints } from "../health/bands";
import type { Band } from "../health/queries";
import { formatNumberAs, type FieldFormat } from "./fieldFormat";
import { fieldType, type FieldType } from "./filters";

/** The explorer's columns when no view says otherwise (keys of /accounts/fields). */
export const DEFAULT_COLUMNS = [
  "name",
  "external_id",
  "tier",
  "stage",
  "csm",
  "renewal_on",
  "health.score",
  "metric.mrr",
  "metric.arr",
  "csm_score",
  "nps",
  "churned_on",
];

/** Columns that say nothing in a segment: the churn date of accounts that have not churned. */
const EMPTY_IN_SEGMENT: Record<string, readonly string[]> = { active: ["churned_on", "churn_reason"] };

/** The keys worth showing in a segment ("active", "churned", "all"). */
export function columnsForSegment(keys: string[], segment: string): string[] {
  const empty = EMPTY_IN_SEGMENT[segment] ?? [];
  return keys.filter((key) => !empty.includes(key));
}

/** Shorter headers than the field labels for the columns a table shows most. */
const HEADER_LABELS: Record<string, string> = {
  name: "Name",
  external_id: "External ID",
  tier: "Tier",
  stage: "Stage",
  csm: "CSMs",
  renewal_on: "Renewal",
  "health.score": "Health",
  csm_score: "CSM score",
  nps: "NPS",
  churned_on: "Churned",
};

/**
 * The account's own fields the list sorts by, for before /accounts/fields has said which fields
 * sort (it also says so for custom fields and metrics), and for sorts that are not columns.
 */
const BUILTIN_SORTS: readonly string[] = [
  "name",
  "external_id",
  "crm_id",
  "billing_id",
  "support_id",
  "domain",
  "joined_on",
  "renewal_on",
  "days_to_renewal",
  "days_since_joined",
  "tier",
  "stage",
  "csm_score",
  "nps",
  "status_title",
  "churned",
  "churned_on",
  "has_parent",
  "created_at",
  "updated_at",
];

/** Whether a sort key from the URL may be sent: a built-in sort, a custom field, a metric or a
 * health score's field. */
export function plausibleSort(key: string): boolean {
  return BUILTIN_SORTS.includes(key) || /^(custom|metric|health)\.[a-z][a-z0-9_]*$/.test(key);
}

/** Whether the list can sort by `key`, once the organisation's fields are known. */
export function canSort(key: string, fields: AccountField[]): boolean {
  const field = fields.find((f) => f.key === key);
  return field ? field.sortable : BUILTIN_SORTS.includes(key);
}

export interface Column {
  key: string;
  label: string;
  type: FieldType;
  /** The sort key of the column's header; null when the list cannot sort by it. */
  sort: AccountSort | null;
  format: FieldFormat;
}

/**
 * The columns to show, in order: the chosen keys the organisation still has (a deleted custom
 * field drops out). Before the fields have loaded only the built-in defaults can be shown.
 */
export function resolveColumns(keys: string[], fields: AccountField[] | undefined): Column[] {
  const byKey = new Map((fields ?? []).map((f) => [f.key, f]));
  const columns: Column[] = [];
  for (const key of new Set(keys)) {
    const field = byKey.get(key);
    if (!field && !(key in HEADER_LABELS)) continue;
    if (!field && fields?.length) continue;
    columns.push({
      key,
      label: HEADER_LABELS[key] ?? field?.label ?? key,
      type: field ? fieldType(field) : BUILTIN_TYPES[key] ?? "text",
      sort: (field ? field.sortable : BUILTIN_SORTS.includes(key)) ? key : null,
      format: field?.format ?? null,
    });
  }
  return columns;
}

const BUILTIN_TYPES: Record<string, FieldType> = {
  name: "text",
  external_id: "text",
  tier: "category",
  stage: "category",
  csm: "users",
  renewal_on: "date",
  csm_score: "number",
  nps: "number",
  churned_on: "date",
};

/** The column state in the URL: the open view, and columns picked since (null: the view's). */
export interface ColumnState {
  viewId: string | null;
  columns: string[] | null;
}

const KEY = /^[a-z][a-z0-9_]*(\.[a-z0-9_]+)?$/;

export function readColumnState(params: URLSearchParams): ColumnState {
  const cols = params.get("cols");
  const columns = cols === null ? null : cols.split(",").filter((key) => KEY.test(key));
  return { viewId: params.get("view") || null, columns: columns?.length ? columns : null };
}

export function writeColumnState(params: URLSearchParams, state: ColumnState): URLSearchParams {
  if (state.viewId) params.set("view", state.viewId);
  if (state.columns) params.set("cols", state.columns.join(","));
  return params;
}

/** The keys shown: picked in the URL, else the open view's, else the defaults. */
export function chosenColumns(state: ColumnState, viewColumns: string[] | undefined): string[] {
  if (state.columns) return state.columns;
  if (viewColumns?.length) return viewColumns;
  return DEFAULT_COLUMNS;
}

export function moveColumn(keys: string[], key: string, by: -1 | 1): string[] {
  const from = keys.indexOf(key);
  const to = from + by;
  if (from < 0 || to < 0 || to >= keys.length) return keys;
  const next = [...keys];
  next.splice(from, 1);
  next.splice(to, 0, key);
  return next;
}

export type CellValue = string | number | boolean | string[] | null;

function daysBetween(from: string, to: Date): number {
  const [y, m, d] = from.split("-").map(Number);
  const start = new Date(y!, m! - 1, d!).getTime();
  const end = new Date(to.getFullYear(), to.getMonth(), to.getDate()).getTime();
  return Math.round((end - start) / 86_400_000);
}

/** The columns whose values the list must ask for with its accounts (metrics and health, which
 * an account's own fields do not carry); a health score is shown in its band's colour, so the
 * band comes with it. */
export function listedValues(keys: string[]): string[] {
  const wanted = keys.flatMap((key) =>
    key === "health.score" ? [key, "health.band"] : key.startsWith("metric.") || key.startsWith("health.") ? [key] : [],
  );
  return [...new Set(wanted)];
}

/** An account's raw value for a column key (derived fields computed as the API does). */
export function columnValue(account: Account | AccountListItem, key: string, today: Date = new Date()): CellValue {
  if (key.startsWith("custom.")) {
    const value = (account.custom_values as Record<string, unknown>)[key.slice(7)];
    return value === undefined || value === "" ? null : (value as CellValue);
  }
  if (key.startsWith("metric.")) {
    // Only the list's items carry metric values (those of the metric columns it asked for).
    const values = ("metric_values" in account ? account.metric_values : undefined) ?? {};
    return values[key.slice(7)] ?? null;
  }
  if (key.startsWith("health.")) {
    const values = ("health_values" in account ? account.health_values : undefined) ?? {};
    return values[key.slice(7)] ?? null;
  }
  switch (key) {
    case "tier":
      return account.tier_id;
    case "stage":
      return account.stage_id;
    case "csm":
      return account.csm_ids;
    case "churned":
      return account.churned_on !== null;
    case "has_parent":
      return account.parent_id !== null;
    case "days_to_renewal":
      // `0 -`, not a unary minus: an account renewing today showed "-0".
      return account.renewal_on ? 0 - daysBetween(account.renewal_on, today) : null;
    case "days_since_joined":
      return account.joined_on ? daysBetween(account.joined_on, today) : null;
  }
  const value = (account as unknown as Record<string, unknown>)[key];
  return value === undefined || value === "" ? null : (value as CellValue);
}

export interface CellNames {
  tier: (id: string) => string | undefined;
  stage: (id: string) => string | undefined;
  users: (ids: string[]) => string[];
  /** The organisation's base currency, for money columns. */
  currency?: string;
  /** The organisation's today (`todayIn`), for days to renewal and since joining. */
  today?: Date;
}

/** A cell's text, formatted by the field's type and format; null when there is no value. */
export function formatCell(
  column: Pick<Column, "key" | "type"> & { format?: FieldFormat },
  value: CellValue,
  names: CellNames,
): string | null {
  if (value === null || value === undefined) return null;
  if (column.key === "tier" || column.key === "stage") {
    return typeof value === "string" ? (names[column.key](value) ?? "…") : null;
  }
  if (column.key === "health.band") return BAND_LABELS[value as Band] ?? String(value);
  switch (column.type) {
    case "users": {
      const ids = Array.isArray(value) ? value : [String(value)];
      if (!ids.length) return null;
      const known = names.users(ids);
      const extra = ids.length - known.length;
      if (!known.length) return `${ids.length} ${ids.length === 1 ? "CSM" : "CSMs"}`;
      return known.join(", ") + (extra > 0 ? ` +${extra}` : "");
    }
    case "date":
      return typeof value === "string" ? formatDate(value) : String(value);
    case "number": {
      if (column.key === "nps") return formatNps(value as number | string);
      const n = typeof value === "number" ? value : Number(value);
      // A health score's change over 7 or 30 days, signed as the health trends write it ("+5", "−3").
      if (column.key.startsWith("health.change_") && Number.isFinite(n)) return formatPoints(n);
      return Number.isFinite(n) ? formatNumberAs(n, column.format, names.currency) : String(value);
    }
    case "boolean":
      if (typeof value === "boolean") return value ? "Yes" : "No";
      return value === "true" ? "Yes" : value === "false" ? "No" : String(value);
    default:
      return Array.isArray(value) ? value.join(", ") : String(value);
  }
}
