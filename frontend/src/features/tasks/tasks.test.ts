import { describe, expect, it } from "vitest";
import { builtIn, formatTimeToClose, INITIAL_STATE, needsOutcome, stateOfView, taskListQuery, viewFilters, type TaskPageState } from "./tasks";

describe("task list queries", () => {
  const page = { limit: 50, offset: 0 };

  it("asks for open tasks of a named view, and overdue ones are always open", () => {
    expect(taskListQuery(builtIn("mine"), page)).toEqual({ view: "mine", status: "open", ...page });
    expect(taskListQuery({ ...builtIn("team"), status: null }, page)).toEqual({ view: "team", ...page });
    expect(taskListQuery({ ...builtIn("overdue"), status: null }, page)).toEqual({ view: "overdue", status: "open", ...page });
  });

  it("needs an account for the by-account tab", () => {
    expect(taskListQuery(builtIn("account"), page)).toBeNull();
    expect(taskListQuery({ ...builtIn("account"), accountId: "a1" }, page)).toEqual({ account_id: "a1", status: "open", ...page });
  });

  it("sends the filters it has, tags as a repeated parameter", () => {
    const state: TaskPageState = { ...builtIn("all"), priority: "urgent", type: "alert", due: "next_7_days", tags: ["qbr", "renewal"] };
    expect(taskListQuery(state, page)).toEqual({ status: "open", priority: "urgent", type: "alert", due: "next_7_days", tag: ["qbr", "renewal"], ...page });
  });
});

describe("saved views", () => {
  it("keeps the page's filters and opens them again as they were", () => {
    const state: TaskPageState = { ...INITIAL_STATE, tab: "team", status: "closed", due: "overdue", tags: ["qbr"], groupBy: "owner" };
    const filters = viewFilters(state);
    expect(filters).toEqual({ view: "team", status: "closed", due: "overdue", tags: ["qbr"] });
    expect(stateOfView({ filters, group_by: "owner" })).toEqual(state);
  });

  it("opens an account's view on the by-account tab, and a view without a list on All", () => {
    expect(stateOfView({ filters: { account_id: "a1" }, group_by: null })).toMatchObject({ tab: "account", accountId: "a1", status: null });
    expect(stateOfView({ filters: { priority: "high" }, group_by: "due" })).toMatchObject({ tab: "all", priority: "high", groupBy: "due" });
  });
});

describe("closing tasks", () => {
  it("asks an outcome only of alert tasks", () => {
    expect(needsOutcome({ type: "alert" })).toBe(true);
    expect(needsOutcome({ type: "playbook" })).toBe(false);
    expect(needsOutcome({ type: "regular" })).toBe(false);
  });

  it("shows time to close in hours, then days", () => {
    expect(formatTimeToClose(null)).toBe("—");
    expect(formatTimeToClose(3.25)).toBe("3.3 h");
    expect(formatTimeToClose(60)).toBe("2.5 d");
  });
});
