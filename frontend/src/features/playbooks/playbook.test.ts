import { describe, expect, it } from "vitest";
import { blankStep, stepBody, stepProblem } from "./playbook";

describe("playbook steps", () => {
  it("need a title, and a user when assigned to a named one", () => {
    expect(stepProblem(blankStep())).toBe("Give the step a title");
    expect(stepProblem({ ...blankStep(), title: "Call", assignee: "user" })).toBe("Pick the user it is for");
    expect(stepProblem({ ...blankStep(), title: "Call", assignee: "user", assignee_user_id: "u1" })).toBeNull();
  });

  it("drop a named user left over from another assignee", () => {
    expect(stepBody({ ...blankStep(), title: " Call ", assignee: "csm", assignee_user_id: "u1" })).toMatchObject({
      title: "Call",
      assignee_user_id: null,
    });
  });
});
