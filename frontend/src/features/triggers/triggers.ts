import type { AttributeTrigger, AttributeTriggerWrite, FilterAll, FilterAny, FilterCondition, TriggerTarget } from "../../api/types";

export interface TriggerForm {
  name: string;
  target: TriggerTarget;
  tierId: string | null;
  stageId: string | null;
  churnReason: string;
  /** The FilterBuilder's output: an all/any node, or null while no condition is complete. */
  condition: FilterCondition | null;
  position: number;
  isActive: boolean;
}

export const EMPTY_TRIGGER_FORM: TriggerForm = {
  name: "",
  target: "tier",
  tierId: null,
  stageId: null,
  churnReason: "",
  condition: null,
  position: 0,
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
    position: trigger.position,
    isActive: trigger.is_active,
  };
}

export type TriggerFormErrors = Partial<Record<"name" | "tierId" | "stageId" | "churnReason" | "condition", string>>;

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
  return errors;
}

/** The POST/PUT body: only the value field that belongs to the target. Call after validation. */
export function triggerBody(form: TriggerForm): AttributeTriggerWrite {
  const base = {
    name: form.name.trim(),
    target: form.target,
    condition: form.condition!,
    position: form.position,
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
