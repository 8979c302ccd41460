import { describe, expect, it } from "vitest";
import { EMPTY_BULK_FORM, bulkEditBody, churnIncomplete, csmScoreProblem, hasChanges } from "./bulk";

const list = { filter: { kind: "all" as const, conditions: [] }, q: "acme", churned: false };

describe("bulk edit request body", () => {
  it("sends the ticked ids and only the changed fields", () => {
    const body = bulkEditBody(["a", "b"], false, list, { ...EMPTY_BULK_FORM, tierId: "t1", csmScore: 70, addCsmIds: ["u1"] });
    expect(body).toEqual({ selection: { account_ids: ["a", "b"] }, changes: { tier_id: "t1", csm_score: 70, add_csm_ids: ["u1"] } });
  });

  it("sends the current filter, search and segment for every matching account", () => {
    const body = bulkEditBody(["a"], true, list, { ...EMPTY_BULK_FORM, stageId: "s1" });
    expect(body.selection).toEqual({ filter: list.filter, q: "acme", churned: false });
    expect(body.changes).toEqual({ stage_id: "s1" });
  });

  it("refuses a CSM score that is not a whole number from 0 to 100, rather than clamping it", () => {
    for (const csmScore of [150, -5, 55.5]) {
      const form = { ...EMPTY_BULK_FORM, csmScore };
      expect(csmScoreProblem(form)).toBe("CSM score is a whole number from 0 to 100");
      expect(bulkEditBody(["a"], false, list, form).changes).toEqual({});
    }
    expect(csmScoreProblem(EMPTY_BULK_FORM)).toBeNull();
    expect(bulkEditBody(["a"], false, list, { ...EMPTY_BULK_FORM, csmScore: "55" }).changes).toEqual({ csm_score: 55 });
  });

  it("replacing CSMs wins over adding and removing", () => {
    const body = bulkEditBody(["a"], false, list, { ...EMPTY_BULK_FORM, addCsmIds: ["u1"], removeCsmIds: ["u2"], setCsmIds: ["u3"] });
    expect(body.changes).toEqual({ set_csm_ids: ["u3"] });
    expect(hasChanges(bulkEditBody(["a"], false, list, EMPTY_BULK_FORM).changes)).toBe(false);
  });
});

describe("bulk edit of renewal dates and custom fields", () => {
  it("sets or clears the renewal date", () => {
    expect(bulkEditBody(["a"], false, list, { ...EMPTY_BULK_FORM, renewalOn: "2030-06-30" }).changes).toEqual({ renewal_on: "2030-06-30" });
    expect(bulkEditBody(["a"], false, list, { ...EMPTY_BULK_FORM, renewalOn: "2030-06-30", clearRenewal: true }).changes).toEqual({
      renewal_on: null,
    });
  });

  it("sends only the picked custom fields, typed, with an empty one as null (cleared)", () => {
    const body = bulkEditBody(["a"], false, list, {
      ...EMPTY_BULK_FORM,
      customValues: { seats: 40, plan: "Pro", sso: false, go_live: "2030-01-01", notes: "  ", region: null },
    });
    expect(body.changes).toEqual({
      custom_values: { seats: 40, plan: "Pro", sso: false, go_live: "2030-01-01", notes: null, region: null },
    });
    expect(hasChanges(body.changes)).toBe(true);
    expect(hasChanges(bulkEditBody(["a"], false, list, { ...EMPTY_BULK_FORM, customValues: {} }).changes)).toBe(false);
  });
});

describe("bulk churn and reactivation", () => {
  it("sends a churn only with both its date and reason", () => {
    const form = { ...EMPTY_BULK_FORM, churnAction: "churn" as const, churnedOn: "2030-01-31", churnReason: " Budget " };
    expect(bulkEditBody(["a"], false, list, form).changes).toEqual({ churn: { churned_on: "2030-01-31", reason: "Budget" } });
    expect(churnIncomplete(form)).toBe(false);
    const noReason = { ...form, churnReason: "  " };
    expect(churnIncomplete(noReason)).toBe(true);
    expect(hasChanges(bulkEditBody(["a"], false, list, noReason).changes)).toBe(false);
  });

  it("sends a reactivation, and nothing about churn when left alone", () => {
    expect(bulkEditBody(["a"], false, list, { ...EMPTY_BULK_FORM, churnAction: "reactivate", churnedOn: "2030-01-31" }).changes).toEqual({
      reactivate: true,
    });
    expect(bulkEditBody(["a"], false, list, { ...EMPTY_BULK_FORM, churnedOn: "2030-01-31", churnReason: "x" }).changes).toEqual({});
  });
});
