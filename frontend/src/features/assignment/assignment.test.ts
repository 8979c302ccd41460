import { describe, expect, it } from "vitest";
import type { FilterCondition } from "../../api/types";
import { assignBody, assignedFilter, candidateFilter, sideQuery, sideSelection, toggleIds, unassignBody } from "./assignment";

const extra: FilterCondition = { kind: "compare", field: "tier", op: "eq", value: "Tier 1" };

describe("assignment filters", () => {
  it("lists the CSM's own accounts", () => {
    expect(assignedFilter("u1")).toEqual({ kind: "compare", field: "csm", op: "eq", value: "u1" });
  });

  it("offers accounts nobody has", () => {
    expect(candidateFilter("u1", "unassigned", null)).toEqual({ kind: "compare", field: "csm", op: "is_empty" });
  });

  it("offers accounts other CSMs have and this one does not", () => {
    expect(candidateFilter("u1", "others", null)).toEqual({
      kind: "all",
      conditions: [
        { kind: "compare", field: "csm", op: "ne", value: "u1" },
        { kind: "compare", field: "csm", op: "is_not_empty" },
      ],
    });
  });

  it("offers every account the CSM lacks, narrowed by the manager's condition", () => {
    expect(candidateFilter("u1", "all", extra)).toEqual({
      kind: "all",
      conditions: [{ kind: "compare", field: "csm", op: "ne", value: "u1" }, extra],
    });
    expect(candidateFilter("u1", "unassigned", extra)).toEqual({
      kind: "all",
      conditions: [{ kind: "compare", field: "csm", op: "is_empty" }, extra],
    });
  });
});

describe("assignment requests", () => {
  const side = { filter: assignedFilter("u1"), q: "  acme " };

  it("pages a side by name with a trimmed search", () => {
    expect(sideQuery(side, 3, 25)).toEqual({
      filter: side.filter,
      q: "acme",
      sort: "name",
      descending: false,
      limit: 25,
      offset: 50,
    });
    expect(sideQuery({ ...side, q: "" }, 1, 25).q).toBeNull();
  });

  it("assigns the ticked accounts, or every matching one", () => {
    expect(assignBody("u1", sideSelection(side, ["a", "b"], false))).toEqual({
      selection: { account_ids: ["a", "b"] },
      changes: { add_csm_ids: ["u1"] },
    });
    expect(assignBody("u1", sideSelection(side, ["a"], true))).toEqual({
      selection: { filter: side.filter, q: "acme" },
      changes: { add_csm_ids: ["u1"] },
    });
  });

  it("unassigns only this CSM", () => {
    expect(unassignBody("u1", { account_ids: ["a"] })).toEqual({
      selection: { account_ids: ["a"] },
      changes: { remove_csm_ids: ["u1"] },
    });
  });

  it("ticks and unticks without duplicates", () => {
    expect(toggleIds(["a"], ["a", "b"], true)).toEqual(["a", "b"]);
    expect(toggleIds(["a", "b", "c"], ["a", "c"], false)).toEqual(["b"]);
  });
});
