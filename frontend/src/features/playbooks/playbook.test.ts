import { describe, expect, it } from "vitest";
import { blankStep, stepBody, stepProblem } from "./playbook";

describe("playbook steps", () => {
  it("need a title, and a user when assigned to a named one", () => {
    expect(stepProblem(blankStep())).toBe("Give the step a title");
    expect(stepProblem({ ...blankStep(), title: "Call", assignee: "user" })).toBe("Pick the user it is for");
    expect(stepProblem({ ...blankStep(), title: "Call", assignee: "user", assignee_user_id: "u1" })).toBeNull();
  });

  it("are due a whole number of days from 0 to 365 after the alert, as typed (not clamped)", () => {
    const step = { ...blankStep(), title: "Call" };
    for (const due_in_days of [400, -1, 1.5]) {
      expect(stepProblem({ ...step, due_in_days })).toBe("Due in (days) is a whole number from 0 to 365");
    }
    expect(stepProblem({ ...step, due_in_days: 365 })).toBeNull();
  });

  it("drop a named user left over from another assignee", () => {
    expect(stepBody({ ...blankStep(), title: " Call ", assignee: "csm", assignee_user_id: "u1" })).toMatchObject({
      title: "Call",
      assignee_user_id: null,
    });
  });
});
