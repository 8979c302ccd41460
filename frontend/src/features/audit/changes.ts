export interface FieldChange {
  field: string;
  before: string;
  after: string;
}

/** Names of what entries refer to by id, where the reader may know them. */
export interface AuditNames {
  tiers?: Map<string, string>;
  stages?: Map<string, string>;
  users?: Map<string, string>;
  roles?: Map<string, string>;
}

/** Fields holding ids: the label shown for them and the names that read them. */
const NAMED: Record<string, { label: string; names: keyof AuditNames }> = {
  tier_id: { label: "tier", names: "tiers" },
  stage_id: { label: "stage", names: "stages" },
  csm_ids: { label: "CSMs", names: "users" },
  status_author_id: { label: "status author", names: "users" },
  manager_id: { label: "manager", names: "users" },
  role_id: { label: "role", names: "roles" },
};

function shown(value: unknown, names?: Map<string, string>): string {
  if (value === null || value === undefined) return "—";
  if (names && typeof value === "string") return names.get(value) ?? value;
  if (names && Array.isArray(value)) return value.length ? value.map((v) => shown(v, names)).join(", ") : "—";
  if (typeof value === "string") return value;
  return JSON.stringify(value);
}

export interface RecordField {
  field: string;
  value: string;
}

/** A record created or deleted in full, field by field as the entry lists them, ids of tiers,
 * stages, users and roles read as names as in `changedFields`. */
export function recordFields(record: Record<string, unknown>, names: AuditNames = {}): RecordField[] {
  return Object.entries(record).map(([field, value]) => {
    const named = NAMED[field];
    const known = named ? (names[named.names] ?? new Map<string, string>()) : undefined;
    return { field: named?.label ?? field.replace(/_/g, " "), value: shown(value, known) };
  });
}

/** The fields an update changed, each with its value before and after, in the order the entry
 * lists them; a field the entry holds on both sides with the same value is left out. Ids of
 * tiers, stages, users and roles read as their names when `names` knows them. */
export function changedFields(before: Record<string, unknown>, after: Record<string, unknown>, names: AuditNames = {}): FieldChange[] {
  const fields = [...new Set([...Object.keys(before), ...Object.keys(after)])];
  return fields
    .filter((field) => JSON.stringify(before[field] ?? null) !== JSON.stringify(after[field] ?? null))
    .map((field) => {
      const named = NAMED[field];
      const known = named ? (names[named.names] ?? new Map<string, string>()) : undefined;
      return {
        field: named?.label ?? field.replace(/_/g, " "),
        before: shown(before[field], known),
        after: shown(after[field], known),
      };
    });
}
