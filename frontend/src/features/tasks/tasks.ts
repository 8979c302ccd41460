import type { components } from "../../api/gen/schema";

export type TaskRead = components["schemas"]["TaskRead"];
export type TaskOutcome = components["schemas"]["TaskOutcome"];
export type TaskView = components["schemas"]["TaskView"];
export type TaskPriority = components["schemas"]["TaskPriority"];

export const OUTCOMES: { value: TaskOutcome; label: string }[] = [
  { value: "successful", label: "Successful" },
  { value: "unsuccessful", label: "Unsuccessful" },
  { value: "false_alarm", label: "False alarm" },
];

export const PRIORITIES: TaskPriority[] = ["low", "normal", "high", "urgent"];

/** The Tasks page's tabs: each one a list query of GET /tasks. */
export type TaskTab = TaskView | "account" | "all";

export interface TaskListQuery {
  view?: TaskView;
  account_id?: string;
  status?: "open" | "closed";
  limit: number;
  offset: number;
}

/** The list query for a tab: the views by name, "account" needs its account, and only
 * "all" shows closed tasks too unless asked. */
export function taskListQuery(
  tab: TaskTab,
  { accountId, showClosed, limit, offset }: { accountId: string | null; showClosed: boolean; limit: number; offset: number },
): TaskListQuery | null {
  const status = showClosed ? undefined : "open";
  if (tab === "account") return accountId ? { account_id: accountId, status, limit, offset } : null;
  if (tab === "all") return { status, limit, offset };
  return { view: tab, status: tab === "overdue" ? "open" : status, limit, offset };
}

/** Closing an alert task needs its outcome; any other task may be closed without one. */
export function needsOutcome(task: Pick<TaskRead, "type">): boolean {
  return task.type === "alert";
}

/** "3 h", "2.5 d": how long a closed task took. */
export function formatTimeToClose(hours: number | null | undefined): string {
  if (hours === null || hours === undefined) return "—";
  if (hours < 48) return `${Math.round(hours * 10) / 10} h`;
  return `${Math.round((hours / 24) * 10) / 10} d`;
}
