import type { components } from "../../api/gen/schema";
import { wholeNumberProblem } from "../../components/numbers";

export type PlaybookStepWrite = components["schemas"]["PlaybookStepWrite"];
export type AssigneeRole = components["schemas"]["AssigneeRole"];

export const ASSIGNEES: { value: AssigneeRole; label: string }[] = [
  { value: "csm", label: "The account's CSM" },
  { value: "manager", label: "The CSM's manager" },
  { value: "user", label: "A named user" },
];

export const blankStep = (): PlaybookStepWrite => ({ title: "", description: "", due_in_days: 0, assignee: "csm", assignee_user_id: null });

/** Why a step cannot be saved yet, or null. */
export function stepProblem(step: PlaybookStepWrite): string | null {
  if (!step.title.trim()) return "Give the step a title";
  if (step.assignee === "user" && !step.assignee_user_id) return "Pick the user it is for";
  return wholeNumberProblem(step.due_in_days, 0, 365, "Due in (days)");
}

/** A step as the API takes it: a named user only when the assignee is one. */
export function stepBody(step: PlaybookStepWrite): PlaybookStepWrite {
  return { ...step, title: step.title.trim(), assignee_user_id: step.assignee === "user" ? step.assignee_user_id : null };
}
