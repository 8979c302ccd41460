import type { Account, AccountField, AccountSort } from "../../api/types";
import { formatDate, formatNps } from "../../components/format";
import { fieldType, type FieldType } from "./filters";

/** The explorer's columns when no view says otherwise (keys of /accounts/fields). */
export const DEFAULT_COLUMNS = ["name", "external_id", "tier", "stage", "csm", "renewal_on", "csm_score", "nps", "churned_on"];

/** Shorter headers than the field labels for the columns a table shows most. */
const HEADER_LABELS: Record<string, string> = {
  name: "Name",
  external_id: "External ID",
  tier: "Tier",
  stage: "Stage",
  csm: "CSMs",
  renewal_on: "Renewal",
  csm_score: "CSM score",
  nps: "NPS",
  churned_on: "Churned",
};

/** Every order the API can sort the account list by; columns among them get a sortable header. */
export const ACCOUNT_SORTS: readonly AccountSort[] = [
  "name",
  "external_id",
  "domain",
  "joined_on",
  "renewal_on",
  "csm_score",
  "nps",
  "churned_on",
  "created_at",
  "updated_at",
];
const SORTABLE: readonly string[] = ACCOUNT_SORTS;

export interface Column {
  key: string;
  label: string;
  type: FieldType;
  sort: AccountSort | null;
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
      sort: SORTABLE.includes(key) ? (key as AccountSort) : null,
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

/** An account's raw value for a column key (derived fields computed as the API does). */
export function columnValue(account: Account, key: string, today: Date = new Date()): CellValue {
  if (key.startsWith("custom.")) {
    const value = (account.custom_values as Record<string, unknown>)[key.slice(7)];
    return value === undefined || value === "" ? null : (value as CellValue);
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
      return account.renewal_on ? -daysBetween(account.renewal_on, today) : null;
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
}

/** A cell's text, formatted by the field's type; null when there is no value. */
export function formatCell(column: Pick<Column, "key" | "type">, value: CellValue, names: CellNames): string | null {
  if (value === null || value === undefined) return null;
  if (column.key === "tier" || column.key === "stage") {
    return typeof value === "string" ? (names[column.key](value) ?? "…") : null;
  }
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
      return Number.isFinite(n) ? n.toLocaleString() : String(value);
    }
    case "boolean":
      if (typeof value === "boolean") return value ? "Yes" : "No";
      return value === "true" ? "Yes" : value === "false" ? "No" : String(value);
    default:
      return Array.isArray(value) ? value.join(", ") : String(value);
  }
}
