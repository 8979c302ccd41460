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

export type TaskType = components["schemas"]["TaskType"];
export type TaskStatus = components["schemas"]["TaskStatus"];
export type TaskGroupBy = components["schemas"]["TaskGroupBy"];
export type DueWindow = components["schemas"]["DueWindow"];
export type TaskViewRead = components["schemas"]["TaskViewRead"];
export type TaskViewFilters = components["schemas"]["TaskViewFilters"];
export type TaskViewWrite = components["schemas"]["TaskViewWrite"];
export type TaskGroups = components["schemas"]["TaskGroups"];

/** The Tasks page's built-in views (tabs): each one a list query of GET /tasks. */
export type TaskTab = TaskView | "account" | "all";

export const TABS: { value: TaskTab; label: string }[] = [
  { value: "mine", label: "My tasks" },
  { value: "team", label: "My team's" },
  { value: "overdue", label: "Overdue" },
  { value: "account", label: "By account" },
  { value: "all", label: "All" },
];

export const GROUP_BY: { value: TaskGroupBy; label: string }[] = [
  { value: "owner", label: "Owner" },
  { value: "account", label: "Account" },
  { value: "due", label: "Due date" },
  { value: "priority", label: "Priority" },
  { value: "type", label: "Type" },
  { value: "tag", label: "Tag" },
  { value: "status", label: "Status" },
];

export const DUE_WINDOWS: { value: DueWindow; label: string }[] = [
  { value: "overdue", label: "Overdue" },
  { value: "today", label: "Due today" },
  { value: "next_7_days", label: "Due in the next 7 days" },
  { value: "next_30_days", label: "Due in the next 30 days" },
  { value: "no_date", label: "No due date" },
];

export const TYPES: TaskType[] = ["regular", "alert", "playbook"];

/** What the Tasks page shows: a tab, its filters and a grouping; a saved view keeps all of it. */
export interface TaskPageState {
  tab: TaskTab;
  accountId: string | null;
  status: TaskStatus | null;
  priority: TaskPriority | null;
  type: TaskType | null;
  due: DueWindow | null;
  tags: string[];
  groupBy: TaskGroupBy | null;
}

export const INITIAL_STATE: TaskPageState = {
  tab: "mine",
  accountId: null,
  status: "open",
  priority: null,
  type: null,
  due: null,
  tags: [],
  groupBy: null,
};

/** A built-in view: its tab, open tasks, nothing else. */
export const builtIn = (tab: TaskTab): TaskPageState => ({ ...INITIAL_STATE, tab });

export interface TaskListQuery {
  view?: TaskView;
  account_id?: string;
  status?: TaskStatus;
  priority?: TaskPriority;
  type?: TaskType;
  due?: DueWindow;
  tag?: string[];
  limit: number;
  offset: number;
}

/** The list query for the page: the views by name, "account" needs its account, overdue tasks
 * are always open. */
export function taskListQuery(state: TaskPageState, { limit, offset }: { limit: number; offset: number }): TaskListQuery | null {
  if (state.tab === "account" && !state.accountId) return null;
  const query: TaskListQuery = { limit, offset };
  if (state.tab === "mine" || state.tab === "team" || state.tab === "overdue") query.view = state.tab;
  if (state.tab === "account" && state.accountId) query.account_id = state.accountId;
  const status = state.tab === "overdue" ? "open" : state.status;
  if (status) query.status = status;
  if (state.priority) query.priority = state.priority;
  if (state.type) query.type = state.type;
  if (state.due) query.due = state.due;
  if (state.tags.length > 0) query.tag = state.tags;
  return query;
}

/** The page's state as a saved view's filters. */
export function viewFilters(state: TaskPageState): TaskViewFilters {
  const filters: TaskViewFilters = {};
  if (state.tab === "mine" || state.tab === "team" || state.tab === "overdue") filters.view = state.tab;
  if (state.tab === "account" && state.accountId) filters.account_id = state.accountId;
  if (state.status) filters.status = state.status;
  if (state.priority) filters.priority = state.priority;
  if (state.type) filters.type = state.type;
  if (state.due) filters.due = state.due;
  if (state.tags.length > 0) filters.tags = state.tags;
  return filters;
}

/** A saved view opened: the page's state it keeps (filters it leaves out do not filter). */
export function stateOfView(view: Pick<TaskViewRead, "filters" | "group_by">): TaskPageState {
  const f = view.filters;
  return {
    tab: f.view ?? (f.account_id ? "account" : "all"),
    accountId: f.account_id ?? null,
    status: f.status ?? null,
    priority: f.priority ?? null,
    type: f.type ?? null,
    due: f.due ?? null,
    tags: f.tags ?? [],
    groupBy: view.group_by ?? null,
  };
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
