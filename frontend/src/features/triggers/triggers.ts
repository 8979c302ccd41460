import type { AttributeTrigger, AttributeTriggerWrite, FilterAll, FilterAny, FilterCondition, TriggerTarget } from "../../api/types";
import { wholeNumberProblem } from "../../components/numbers";

/** The highest position the API takes (it counts from 0). */
const MAX_POSITION = 1000;

/** A trigger's position as people count, from 1 (the API counts from 0). */
export function shownPosition(position: number): number {
  return position + 1;
}

export interface TriggerForm {
  name: string;
  target: TriggerTarget;
  tierId: string | null;
  stageId: string | null;
  churnReason: string;
  /** The FilterBuilder's output: an all/any node, or null while no condition is complete. */
  condition: FilterCondition | null;
  /** Counted from 1 (`shownPosition`), as typed. */
  place: number | string;
  isActive: boolean;
}

export const EMPTY_TRIGGER_FORM: TriggerForm = {
  name: "",
  target: "tier",
  tierId: null,
  stageId: null,
  churnReason: "",
  condition: null,
  place: 1,
  isActive: true,
};

export function triggerToForm(trigger: AttributeTrigger): TriggerForm {
  return {
    name: trigger.name,
    target: trigger.target,
    tierId: trigger.tier_id,
    stageId: trigger.stage_id,
    churnReason: trigger.churn_reason ?? "",
    condition: trigger.condition,
    place: shownPosition(trigger.position),
    isActive: trigger.is_active,
  };
}

export type TriggerFormErrors = Partial<Record<"name" | "tierId" | "stageId" | "churnReason" | "condition" | "place", string>>;

function isGroup(condition: FilterCondition | null): condition is FilterAll | FilterAny {
  return condition !== null && (condition.kind === "all" || condition.kind === "any") && condition.conditions.length > 0;
}

export function validateTriggerForm(form: TriggerForm): TriggerFormErrors {
  const errors: TriggerFormErrors = {};
  if (!form.name.trim()) errors.name = "Enter a name";
  if (form.target === "tier" && !form.tierId) errors.tierId = "Pick a tier";
  if (form.target === "stage" && !form.stageId) errors.stageId = "Pick a stage";
  if (form.target === "churned" && !form.churnReason.trim()) errors.churnReason = "Enter a churn reason";
  if (!isGroup(form.condition)) errors.condition = "Add at least one complete condition";
  const place = wholeNumberProblem(form.place, 1, shownPosition(MAX_POSITION), "Position");
  if (place) errors.place = place;
  return errors;
}

/** The POST/PUT body: only the value field that belongs to the target. Call after validation. */
export function triggerBody(form: TriggerForm): AttributeTriggerWrite {
  const base = {
    name: form.name.trim(),
    target: form.target,
    condition: form.condition!,
    position: Number(form.place) - 1,
    is_active: form.isActive,
  };
  switch (form.target) {
    case "tier":
      return { ...base, tier_id: form.tierId };
    case "stage":
      return { ...base, stage_id: form.stageId };
    case "churned":
      return { ...base, churn_reason: form.churnReason.trim() };
  }
}
