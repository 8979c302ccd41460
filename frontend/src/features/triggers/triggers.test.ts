import { describe, expect, it } from "vitest";
import { EMPTY_TRIGGER_FORM, triggerBody, validateTriggerForm } from "./triggers";

describe("attribute trigger request body", () => {
  it("sends only tier_id for a tier trigger, with the builder's condition", () => {
    const condition = { kind: "all" as const, conditions: [{ kind: "compare" as const, field: "arr", op: "gte" as const, value: 100000 }] };
    const form = {
      ...EMPTY_TRIGGER_FORM,
      name: "  Enterprise  ",
      target: "tier" as const,
      tierId: "t1",
      stageId: "s-stale",
      churnReason: "stale",
      condition,
      position: 2,
    };
    expect(validateTriggerForm(form)).toEqual({});
    expect(triggerBody(form)).toEqual({ name: "Enterprise", target: "tier", tier_id: "t1", condition, position: 2, is_active: true });
  });

  it("refuses a trigger without a complete condition", () => {
    expect(validateTriggerForm({ ...EMPTY_TRIGGER_FORM, name: "x", tierId: "t1" }).condition).toBeDefined();
  });
});
