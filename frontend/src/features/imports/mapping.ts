/** Pure helpers for the CSV import wizard: reading the header row and mapping columns to fields. */

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

/** The first mapping: a column whose name is exactly a field key maps to it, the rest are ignored. */
export function initialMapping(columns: string[], fields: string[]): Record<string, string> {
  const known = new Set(fields);
  const used = new Set<string>();
  const mapping: Record<string, string> = {};
  for (const column of columns) {
    if (known.has(column) && !used.has(column)) {
      mapping[column] = column;
      used.add(column);
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
