import { describe, expect, it } from "vitest";
import { EMPTY_BULK_FORM, bulkEditBody, hasChanges } from "./bulk";

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

  it("replacing CSMs wins over adding and removing", () => {
    const body = bulkEditBody(["a"], false, list, { ...EMPTY_BULK_FORM, addCsmIds: ["u1"], removeCsmIds: ["u2"], setCsmIds: ["u3"] });
    expect(body.changes).toEqual({ set_csm_ids: ["u3"] });
    expect(hasChanges(bulkEditBody(["a"], false, list, EMPTY_BULK_FORM).changes)).toBe(false);
  });
});
