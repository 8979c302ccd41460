import { describe, expect, it } from "vitest";
import { formatTimeToClose, needsOutcome, taskListQuery } from "./tasks";

describe("task list queries", () => {
  const page = { limit: 50, offset: 0 };

  it("asks for open tasks of a named view, and overdue ones are always open", () => {
    expect(taskListQuery("mine", { accountId: null, showClosed: false, ...page })).toEqual({ view: "mine", status: "open", ...page });
    expect(taskListQuery("team", { accountId: null, showClosed: true, ...page })).toEqual({ view: "team", status: undefined, ...page });
    expect(taskListQuery("overdue", { accountId: null, showClosed: true, ...page })).toEqual({ view: "overdue", status: "open", ...page });
  });

  it("needs an account for the by-account tab", () => {
    expect(taskListQuery("account", { accountId: null, showClosed: false, ...page })).toBeNull();
    expect(taskListQuery("account", { accountId: "a1", showClosed: false, ...page })).toEqual({ account_id: "a1", status: "open", ...page });
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
