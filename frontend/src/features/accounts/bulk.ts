import type { AccountSelection, BulkChanges, BulkEdit, FilterCondition } from "../../api/types";
import { wholeNumberProblem } from "../../components/numbers";

export type CustomValue = string | number | boolean | null;

/** Leave churn alone, mark the selected accounts churned, or reactivate them. */
export type ChurnAction = "leave" | "churn" | "reactivate";

/** What the bulk-edit form holds: "" for a field left alone. */
export interface BulkForm {
  tierId: string;
  stageId: string;
  /** As typed: refused (`csmScoreProblem`), never clamped, when not a whole number from 0 to 100. */
  csmScore: number | string;
  /** A date ("YYYY-MM-DD") to set, or "" to leave it alone (unless `clearRenewal`). */
  renewalOn: string;
  clearRenewal: boolean;
  /** Only the custom fields the user picked to change (by key); null or "" clears the value. */
  customValues: Record<string, CustomValue>;
  addCsmIds: string[];
  removeCsmIds: string[];
  /** null: leave the CSMs alone; a list (maybe empty): replace them with it. */
  setCsmIds: string[] | null;
  churnAction: ChurnAction;
  /** The churn date ("YYYY-MM-DD") and reason, when marking churned. */
  churnedOn: string;
  churnReason: string;
}

export const EMPTY_BULK_FORM: BulkForm = {
  tierId: "",
  stageId: "",
  csmScore: "",
  renewalOn: "",
  clearRenewal: false,
  customValues: {},
  addCsmIds: [],
  removeCsmIds: [],
  setCsmIds: null,
  churnAction: "leave",
  churnedOn: "",
  churnReason: "",
};

/** The explorer's current query, for "every matching account". */
export interface ListSelection {
  filter: FilterCondition | null;
  q: string;
  churned: boolean | null;
}

/** Either the ticked ids, or every account the current filter/search/segment matches. */
export function selectionFor(ids: string[], allMatching: boolean, list: ListSelection): AccountSelection {
  if (!allMatching) return { account_ids: ids };
  return { filter: list.filter, q: list.q || null, churned: list.churned };
}

/** Only the fields the user changed: the API leaves the others alone. */
export function bulkChanges(form: BulkForm): BulkChanges {
  const changes: BulkChanges = {};
  if (form.tierId) changes.tier_id = form.tierId;
  if (form.stageId) changes.stage_id = form.stageId;
  if (form.csmScore !== "" && !csmScoreProblem(form)) changes.csm_score = Number(form.csmScore);
  if (form.clearRenewal) changes.renewal_on = null;
  else if (form.renewalOn) changes.renewal_on = form.renewalOn;
  const custom = Object.entries(form.customValues);
  if (custom.length) {
    changes.custom_values = Object.fromEntries(
      custom.map(([key, value]) => [key, typeof value === "string" ? value.trim() || null : value]),
    );
  }
  if (form.setCsmIds !== null) {
    changes.set_csm_ids = form.setCsmIds;
  } else {
    if (form.addCsmIds.length) changes.add_csm_ids = form.addCsmIds;
    if (form.removeCsmIds.length) changes.remove_csm_ids = form.removeCsmIds;
  }
  if (form.churnAction === "churn" && !churnIncomplete(form)) {
    changes.churn = { churned_on: form.churnedOn, reason: form.churnReason.trim() };
  }
  if (form.churnAction === "reactivate") changes.reactivate = true;
  return changes;
}

/** Why the CSM score typed cannot be set, or null (also when it is left as is). */
export function csmScoreProblem(form: BulkForm): string | null {
  return form.csmScore === "" ? null : wholeNumberProblem(form.csmScore, 0, 100, "CSM score");
}

/** Marking churned needs both a date and a reason (the API refuses one without the other). */
export function churnIncomplete(form: BulkForm): boolean {
  return form.churnAction === "churn" && (!form.churnedOn || !form.churnReason.trim());
}

export function bulkEditBody(ids: string[], allMatching: boolean, list: ListSelection, form: BulkForm): BulkEdit {
  return { selection: selectionFor(ids, allMatching, list), changes: bulkChanges(form) };
}

export function hasChanges(changes: BulkChanges): boolean {
  return Object.keys(changes).length > 0;
}
