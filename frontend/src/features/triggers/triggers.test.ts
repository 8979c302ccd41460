import { describe, expect, it } from "vitest";
import type { AttributeTrigger } from "../../api/types";
import { EMPTY_TRIGGER_FORM, triggerBody, triggerToForm, validateTriggerForm } from "./triggers";

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
      place: 3,
    };
    expect(validateTriggerForm(form)).toEqual({});
    expect(triggerBody(form)).toEqual({ name: "Enterprise", target: "tier", tier_id: "t1", condition, position: 2, is_active: true });
  });

  it("shows positions from 1, and refuses one the API cannot take rather than clamping it", () => {
    const condition = { kind: "all" as const, conditions: [{ kind: "compare" as const, field: "csm", op: "is_empty" as const }] };
    const trigger = { ...EMPTY_TRIGGER_FORM, name: "x", tierId: "t1", condition };
    expect(triggerToForm({ position: 0 } as AttributeTrigger).place).toBe(1);
    expect(triggerBody({ ...trigger, place: 1 }).position).toBe(0);
    for (const place of [0, -1, 1002, 2.5]) {
      expect(validateTriggerForm({ ...trigger, place }).place).toBe("Position is a whole number from 1 to 1001");
    }
  });

  it("refuses a trigger without a complete condition", () => {
    expect(validateTriggerForm({ ...EMPTY_TRIGGER_FORM, name: "x", tierId: "t1" }).condition).toBeDefined();
  });
});
