import type { AccountQuery, AccountSelection, BulkEdit, FilterCondition } from "../../api/types";

/** Which accounts the candidate side offers: nobody's, other CSMs', or every account the CSM lacks. */
export type CandidateScope = "unassigned" | "others" | "all";

export const CANDIDATE_SCOPES: { value: CandidateScope; label: string }[] = [
  { value: "unassigned", label: "Unassigned" },
  { value: "others", label: "Assigned to other CSMs" },
  { value: "all", label: "All" },
];

/** One side's list: its condition and its search. */
export interface SideQuery {
  filter: FilterCondition;
  q: string;
}

function csm(op: "eq" | "ne" | "is_empty" | "is_not_empty", csmId?: string): FilterCondition {
  return op === "is_empty" || op === "is_not_empty"
    ? { kind: "compare", field: "csm", op }
    : { kind: "compare", field: "csm", op, value: csmId };
}

function allOf(conditions: FilterCondition[]): FilterCondition {
  return conditions.length === 1 ? conditions[0]! : { kind: "all", conditions };
}

/** The accounts assigned to the CSM. */
export function assignedFilter(csmId: string): FilterCondition {
  return csm("eq", csmId);
}

/**
 * Accounts the CSM does not have yet: nobody's ("unassigned"), someone else's ("others") or
 * either ("all"), narrowed by the manager's own condition from the filter builder.
 */
export function candidateFilter(csmId: string, scope: CandidateScope, extra: FilterCondition | null): FilterCondition {
  const conditions: FilterCondition[] =
    scope === "unassigned" ? [csm("is_empty")] : scope === "others" ? [csm("ne", csmId), csm("is_not_empty")] : [csm("ne", csmId)];
  if (extra) conditions.push(extra);
  return allOf(conditions);
}

/** One page of a side, by name (both sides list every account, churned ones too). */
export function sideQuery(side: SideQuery, page: number, size: number): AccountQuery {
  return {
    filter: side.filter,
    q: side.q.trim() || null,
    sort: "name",
    descending: false,
    limit: size,
    offset: (page - 1) * size,
  };
}

/** The ticked accounts, or every account the side's condition and search match. */
export function sideSelection(side: SideQuery, ids: string[], allMatching: boolean): AccountSelection {
  if (!allMatching) return { account_ids: ids };
  return { filter: side.filter, q: side.q.trim() || null };
}

/** Give the selected accounts to the CSM (their other CSMs keep them too). */
export function assignBody(csmId: string, selection: AccountSelection): BulkEdit {
  return { selection, changes: { add_csm_ids: [csmId] } };
}

/** Take the selected accounts away from the CSM (their other CSMs keep them). */
export function unassignBody(csmId: string, selection: AccountSelection): BulkEdit {
  return { selection, changes: { remove_csm_ids: [csmId] } };
}

/** Tick or untick ids, keeping the order they were ticked in. */
export function toggleIds(selected: string[], ids: string[], checked: boolean): string[] {
  if (!checked) return selected.filter((id) => !ids.includes(id));
  return [...selected, ...ids.filter((id) => !selected.includes(id))];
}
