/** Pure helpers for the CSV import wizard: reading the header row and mapping columns to fields. */

import type { AccountImport } from "../../api/types";

/** The value a column maps to when it is not imported. */
export const IGNORE = "__ignore__";

/** Split one CSV line into cells (RFC 4180 quoting: "a,b" and "" for a quote). */
export function parseCsvLine(line: string): string[] {
  const cells: string[] = [];
  let cell = "";
  let quoted = false;
  for (let i = 0; i < line.length; i += 1) {
    const char = line[i]!;
    if (quoted) {
      if (char === '"') {
        if (line[i + 1] === '"') {
          cell += '"';
          i += 1;
        } else {
          quoted = false;
        }
      } else {
        cell += char;
      }
    } else if (char === '"') {
      quoted = true;
    } else if (char === ",") {
      cells.push(cell);
      cell = "";
    } else {
      cell += char;
    }
  }
  cells.push(cell);
  return cells;
}

/** The header row of a CSV text (BOM stripped, blank names dropped). */
export function csvHeader(text: string): string[] {
  const first = text.replace(/^\uFEFF/, "").split(/\r?\n/, 1)[0] ?? "";
  if (!first.trim()) return [];
  return parseCsvLine(first)
    .map((cell) => cell.trim())
    .filter(Boolean);
}

/** Names of what an import sets that are not filter fields (the rest are named by `labels`). */
const IMPORT_LABELS: Record<string, string> = { csm: "CSM email", parent_external_id: "Parent's external id" };

/** A field as the mapping shows it: its label, and its key when they differ. */
export function fieldLabel(field: string, labels: ReadonlyMap<string, string>): string {
  const label = IMPORT_LABELS[field] ?? labels.get(field) ?? field;
  return label === field ? field : `${label} · ${field}`;
}

/** The first mapping: a column named as a field's key, or as its label (in any case), maps to
 * it, each field once; the rest are ignored. */
export function initialMapping(
  columns: string[],
  fields: string[],
  labels: ReadonlyMap<string, string> = new Map(),
): Record<string, string> {
  const byName = new Map<string, string>();
  for (const field of fields) {
    byName.set(field, field);
    for (const name of [field, IMPORT_LABELS[field] ?? labels.get(field)]) {
      const key = name?.toLowerCase();
      if (key && !byName.has(key)) byName.set(key, field);
    }
  }
  const used = new Set<string>();
  const mapping: Record<string, string> = {};
  for (const column of columns) {
    const field = byName.get(column) ?? byName.get(column.trim().toLowerCase());
    if (field && !used.has(field)) {
      mapping[column] = field;
      used.add(field);
    } else {
      mapping[column] = IGNORE;
    }
  }
  return mapping;
}

/** The mapping as the API wants it: a JSON object of the imported columns only. */
export function mappingJson(mapping: Record<string, string>): string {
  const out: Record<string, string> = {};
  for (const [column, field] of Object.entries(mapping)) {
    if (field && field !== IGNORE) out[column] = field;
  }
  return JSON.stringify(out);
}

/** Fields mapped by more than one column (the wizard refuses to submit those). */
export function duplicateFields(mapping: Record<string, string>): string[] {
  const seen = new Map<string, number>();
  for (const field of Object.values(mapping)) {
    if (field !== IGNORE) seen.set(field, (seen.get(field) ?? 0) + 1);
  }
  return [...seen.entries()].filter(([, n]) => n > 1).map(([field]) => field);
}

export function isFinished(status: string): boolean {
  return status === "succeeded" || status === "failed";
}

type RunOutcome = Pick<AccountImport, "status" | "dry_run" | "error_count">;

/** A dry run that found errors: an import of its file would write nothing. */
export function foundErrors(run: RunOutcome): boolean {
  return run.dry_run && isFinished(run.status) && run.error_count > 0;
}

/** A run's state in words. A dry run that found errors finished, but "succeeded" (its job's
 * state) read as if the file would import. */
export function statusLabel(run: RunOutcome): string {
  return foundErrors(run) ? "errors found" : run.status;
}
