import type { AccountField, CompareOp, DateOp, FilterCompareFields, FilterCondition } from "../../api/types";
import { wholeNumberProblem } from "../../components/numbers";

/** The field types /accounts/fields reports. */
export type FieldType = "text" | "category" | "number" | "date" | "boolean" | "users";

export type RowOp = CompareOp | DateOp;

/** The most days a date window may span (the API's bound: a hundred years). */
export const MAX_DAYS = 36500;

/** What a condition compares its field with: a value, or another field of the same type. */
export type CompareTarget = "value" | "field";

/** One condition as the builder edits it: a field, an operator and (maybe) a value. */
export interface FilterRow {
  id: string;
  field: string;
  op: RowOp | null;
  /** A string for text/category/date/users, a string[] for in/not_in, a number, or a boolean. */
  value: string | string[] | number | boolean | null;
  /** "field": compare with the field `other` (a compare_fields condition); a value when absent. */
  against?: CompareTarget;
  other?: string | null;
}

export type FilterMode = "all" | "any";

/** A bracketed group of conditions joined by its own All/Any, which can be negated ("not"). */
export interface FilterGroup {
  id: string;
  negate: boolean;
  mode: FilterMode;
  rows: FilterRow[];
}

/**
 * A condition of a saved filter that the builder's rows and groups cannot hold (a group inside a
 * group, an empty group, a "not" of a "not"): shown read-only and kept whole, so that editing the
 * rest never drops it.
 */
export interface LockedCondition {
  id: string;
  condition: FilterCondition;
}

/** The builder's whole state: top-level conditions, then groups, then locked conditions, joined by `mode`. */
export interface BuilderState {
  mode: FilterMode;
  rows: FilterRow[];
  groups: FilterGroup[];
  locked: LockedCondition[];
}

export interface OperatorInfo {
  value: RowOp;
  label: string;
  /** What the value input is: none, one value, several, a date, a number of days. */
  input: "none" | "single" | "multi" | "date" | "days";
}

const DATE_OPS: DateOp[] = [
  "within_last_days",
  "within_next_days",
  "more_than_days_ago",
  "more_than_days_ahead",
  "before",
  "after",
  "on",
];

const OPERATORS: Record<FieldType, OperatorInfo[]> = {
  text: [
    { value: "eq", label: "is", input: "single" },
    { value: "ne", label: "is not", input: "single" },
    { value: "contains", label: "contains", input: "single" },
    { value: "not_contains", label: "does not contain", input: "single" },
    { value: "starts_with", label: "starts with", input: "single" },
    { value: "is_empty", label: "is empty", input: "none" },
    { value: "is_not_empty", label: "is not empty", input: "none" },
  ],
  category: [
    { value: "eq", label: "is", input: "single" },
    { value: "ne", label: "is not", input: "single" },
    { value: "in", label: "is any of", input: "multi" },
    { value: "not_in", label: "is none of", input: "multi" },
    { value: "is_empty", label: "is empty", input: "none" },
    { value: "is_not_empty", label: "is not empty", input: "none" },
  ],
  number: [
    { value: "eq", label: "=", input: "single" },
    { value: "ne", label: "≠", input: "single" },
    { value: "gt", label: ">", input: "single" },
    { value: "gte", label: "≥", input: "single" },
    { value: "lt", label: "<", input: "single" },
    { value: "lte", label: "≤", input: "single" },
    { value: "is_empty", label: "is empty", input: "none" },
    { value: "is_not_empty", label: "is not empty", input: "none" },
  ],
  date: [
    { value: "within_last_days", label: "within the last … days", input: "days" },
    { value: "within_next_days", label: "within the next … days", input: "days" },
    { value: "more_than_days_ago", label: "more than … days ago", input: "days" },
    { value: "more_than_days_ahead", label: "more than … days ahead", input: "days" },
    { value: "on", label: "is on", input: "date" },
    { value: "before", label: "is before", input: "date" },
    { value: "after", label: "is after", input: "date" },
    { value: "is_empty", label: "is empty", input: "none" },
    { value: "is_not_empty", label: "is not empty", input: "none" },
  ],
  boolean: [
    { value: "eq", label: "is", input: "single" },
    { value: "is_empty", label: "is unknown", input: "none" },
    { value: "is_not_empty", label: "is known", input: "none" },
  ],
  users: [
    { value: "eq", label: "includes", input: "single" },
    { value: "ne", label: "does not include", input: "single" },
    { value: "in", label: "includes any of", input: "multi" },
    { value: "not_in", label: "includes none of", input: "multi" },
    { value: "is_empty", label: "is unassigned", input: "none" },
    { value: "is_not_empty", label: "is assigned", input: "none" },
  ],
};

type FieldOp = FilterCompareFields["op"];

/** Operators of a field-to-field comparison: order for numbers and dates, (in)equality otherwise. */
const FIELD_OPERATORS: Record<FieldType, { value: FieldOp; label: string }[]> = {
  number: [
    { value: "eq", label: "=" },
    { value: "ne", label: "≠" },
    { value: "gt", label: ">" },
    { value: "gte", label: "≥" },
    { value: "lt", label: "<" },
    { value: "lte", label: "≤" },
  ],
  date: [
    { value: "lt", label: "is before" },
    { value: "lte", label: "is on or before" },
    { value: "gt", label: "is after" },
    { value: "gte", label: "is on or after" },
    { value: "eq", label: "is on the same day as" },
    { value: "ne", label: "is not on the same day as" },
  ],
  text: [
    { value: "eq", label: "is the same as" },
    { value: "ne", label: "differs from" },
  ],
  category: [
    { value: "eq", label: "is the same as" },
    { value: "ne", label: "differs from" },
  ],
  boolean: [
    { value: "eq", label: "is the same as" },
    { value: "ne", label: "differs from" },
  ],
  users: [],
};

/** Fields the API matches by a rule rather than a column: they cannot be compared with a field. */
const NOT_FIELD_COMPARABLE = ["tier", "stage", "csm"];

export function fieldOperatorsFor(type: FieldType): { value: FieldOp; label: string }[] {
  return FIELD_OPERATORS[type];
}

/** Whether a field can be compared with another field at all. */
export function canCompareFields(field: AccountField | undefined): boolean {
  return Boolean(field) && !NOT_FIELD_COMPARABLE.includes(field!.key) && FIELD_OPERATORS[fieldType(field)].length > 0;
}

/** The fields `field` can be compared with: the other comparable fields of its type. */
export function comparableFields(field: AccountField | undefined, fields: AccountField[]): AccountField[] {
  if (!field || !canCompareFields(field)) return [];
  const type = fieldType(field);
  return fields.filter((other) => other.key !== field.key && canCompareFields(other) && fieldType(other) === type);
}

export function fieldType(field: AccountField | undefined): FieldType {
  const type = field?.type as FieldType | undefined;
  return type && type in OPERATORS ? type : "text";
}

/** The operators that make sense for a field of this type (the backend refuses the others). */
export function operatorsFor(type: FieldType): OperatorInfo[] {
  return OPERATORS[type];
}

export function operatorInfo(type: FieldType, op: RowOp | null): OperatorInfo | undefined {
  return OPERATORS[type].find((o) => o.value === op);
}

let nextId = 0;
export function newRowId(): string {
  nextId += 1;
  return `row-${nextId}`;
}

/** A fresh row for a field, with its type's first operator. */
export function newRow(field: AccountField): FilterRow {
  const type = fieldType(field);
  const op = operatorsFor(type)[0]!.value;
  return { id: newRowId(), field: field.key, op, value: type === "boolean" ? true : null };
}

/** A row for a condition still to be written: no field picked yet (so no "Name is" by default). */
export function blankRow(): FilterRow {
  return { id: newRowId(), field: "", op: null, value: null };
}

/** What an incomplete row still needs, or null when it is a whole condition. */
export function missingPart(row: FilterRow, fields: AccountField[]): string | null {
  if (rowToCondition(row, fields) !== null) return null;
  if (!fields.some((f) => f.key === row.field)) return "Pick a field";
  if (!row.op) return "Pick an operator";
  if (row.against === "field") return "Pick the other field";
  if (typeof row.value === "number" && operatorInfo(fieldType(fields.find((f) => f.key === row.field)), row.op)?.input === "days") {
    return wholeNumberProblem(row.value, 0, MAX_DAYS, "The number of days") ?? "Enter a value";
  }
  return "Enter a value";
}

/** How many rows (at the top and in groups) are not yet whole conditions, and so not applied. */
export function incompleteCount(state: BuilderState, fields: AccountField[]): number {
  const rows = [...state.rows, ...state.groups.flatMap((g) => g.rows)];
  return rows.filter((row) => missingPart(row, fields) !== null).length;
}

function isComplete(row: FilterRow, type: FieldType): boolean {
  const info = operatorInfo(type, row.op);
  if (!info) return false;
  const v = row.value;
  switch (info.input) {
    case "none":
      return true;
    case "multi":
      return Array.isArray(v) && v.length > 0;
    case "days":
      return typeof v === "number" && wholeNumberProblem(v, 0, MAX_DAYS, "") === null;
    case "date":
      return typeof v === "string" && /^\d{4}-\d{2}-\d{2}$/.test(v);
    case "single":
      if (type === "number") return typeof v === "number" && Number.isFinite(v);
      if (type === "boolean") return typeof v === "boolean";
      return typeof v === "string" && v.trim() !== "";
  }
}

/** One row as an API condition, or null while it is incomplete. */
export function rowToCondition(row: FilterRow, fields: AccountField[]): FilterCondition | null {
  const field = fields.find((f) => f.key === row.field);
  if (!field || !row.op) return null;
  const type = fieldType(field);
  if (row.against === "field") {
    const op = FIELD_OPERATORS[type].find((o) => o.value === row.op)?.value;
    const other = comparableFields(field, fields).find((f) => f.key === row.other);
    return op && other ? { kind: "compare_fields", field: row.field, op, other: other.key } : null;
  }
  if (!isComplete(row, type)) return null;
  const info = operatorInfo(type, row.op)!;
  if ((DATE_OPS as string[]).includes(row.op)) {
    const op = row.op as DateOp;
    return info.input === "days"
      ? { kind: "date", field: row.field, op, days: row.value as number }
      : { kind: "date", field: row.field, op, date: row.value as string };
  }
  const op = row.op as CompareOp;
  if (info.input === "none") return { kind: "compare", field: row.field, op };
  const value = typeof row.value === "string" ? row.value.trim() : row.value;
  return { kind: "compare", field: row.field, op, value: value as string | number | boolean | string[] };
}

function groupToCondition(group: FilterGroup, fields: AccountField[]): FilterCondition | null {
  const conditions = group.rows.map((row) => rowToCondition(row, fields)).filter((c): c is FilterCondition => c !== null);
  if (!conditions.length) return null;
  const inner: FilterCondition = { kind: group.mode, conditions };
  return group.negate ? { kind: "not", condition: inner } : inner;
}

/**
 * The builder's rows (and groups, and locked conditions, as they were) as the API's filter tree;
 * null when no condition is complete. A group with no complete condition is left out, negated or not.
 */
export function rowsToFilter(
  mode: FilterMode,
  rows: FilterRow[],
  fields: AccountField[],
  groups: FilterGroup[] = [],
  locked: LockedCondition[] = [],
): FilterCondition | null {
  const conditions = [
    ...rows.map((row) => rowToCondition(row, fields)),
    ...groups.map((group) => groupToCondition(group, fields)),
    ...locked.map((l) => l.condition),
  ].filter((c): c is FilterCondition => c !== null);
  if (!conditions.length) return null;
  return { kind: mode, conditions };
}

export function stateToFilter(state: BuilderState, fields: AccountField[]): FilterCondition | null {
  return rowsToFilter(state.mode, state.rows, fields, state.groups, state.locked);
}

/**
 * The filter the builder shows as applied: its incomplete rows left out, as the builder says they
 * are. A saved view or link with a condition on a field the organisation no longer has showed
 * "not applied", yet was sent and failed the whole list ("unknown field").
 */
export function appliedFilter(filter: FilterCondition | null, fields: AccountField[]): FilterCondition | null {
  return filter && stateToFilter(filterToRows(filter), fields);
}

/** A comparison as a row; null for a condition that is not one (a nested group). */
function conditionToRow(c: FilterCondition): FilterRow | null {
  switch (c.kind) {
    case "compare":
      return { id: newRowId(), field: c.field, op: c.op, value: (c.value ?? null) as FilterRow["value"] };
    case "date":
      return { id: newRowId(), field: c.field, op: c.op, value: (c.days ?? c.date ?? null) as FilterRow["value"] };
    case "compare_fields":
      return { id: newRowId(), field: c.field, op: c.op, value: null, against: "field", other: c.other };
  }
  return null;
}

/** A group of comparisons as a group; null when it is more (a group in it) or less (empty, which
 * the builder would leave out, though an empty "any" matches no account). */
function conditionToGroup(c: FilterCondition, negate: boolean): FilterGroup | null {
  const inner = c.kind === "all" || c.kind === "any" ? c : { kind: "all" as const, conditions: [c] };
  const rows = inner.conditions.map(conditionToRow);
  if (!rows.length || rows.some((row) => row === null)) return null;
  return { id: newRowId(), negate, mode: inner.kind, rows: rows as FilterRow[] };
}

export function newGroup(): FilterGroup {
  return { id: newRowId(), negate: false, mode: "all", rows: [blankRow()] };
}

/**
 * The builder's state back from a filter tree, as the builder writes it: an all/any of
 * comparisons and of groups (all/any, maybe under a "not"). A condition nested deeper is locked:
 * kept as it is, never rewritten without its inner groups.
 */
export function filterToRows(filter: FilterCondition | null): BuilderState {
  if (!filter) return { mode: "all", rows: [], groups: [], locked: [] };
  const top = filter.kind === "all" || filter.kind === "any" ? filter : { kind: "all" as const, conditions: [filter] };
  const rows: FilterRow[] = [];
  const groups: FilterGroup[] = [];
  const locked: LockedCondition[] = [];
  for (const c of top.conditions) {
    const row = conditionToRow(c);
    const group = row ? null : c.kind === "not" ? conditionToGroup(c.condition, true) : conditionToGroup(c, false);
    if (row) rows.push(row);
    else if (group) groups.push(group);
    else locked.push({ id: newRowId(), condition: c });
  }
  return { mode: top.kind, rows, groups, locked };
}

/** The filter as a URL parameter value, and back (a bad value is no filter). */
export function encodeFilter(filter: FilterCondition | null): string | null {
  return filter ? JSON.stringify(filter) : null;
}

export function decodeFilter(value: string | null): FilterCondition | null {
  if (!value) return null;
  try {
    const parsed = JSON.parse(value) as FilterCondition;
    return parsed && typeof parsed === "object" && "kind" in parsed ? parsed : null;
  } catch {
    return null;
  }
}
