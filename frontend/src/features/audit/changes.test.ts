import { describe, expect, it } from "vitest";
import { changedFields, recordFields } from "./changes";

describe("an audit entry's changes", () => {
  it("lists each changed field once, before and after, as the entry holds them", () => {
    const changes = changedFields(
      { csm_score: 40, renewal_on: "2026-09-30", custom_values: { plan: "pro" }, csm_ids: ["u1"] },
      { csm_score: 41, renewal_on: null, custom_values: {}, csm_ids: ["u1", "u2"] },
    );
    expect(changes).toEqual([
      { field: "csm score", before: "40", after: "41" },
      { field: "renewal on", before: "2026-09-30", after: "—" },
      { field: "custom values", before: '{"plan":"pro"}', after: "{}" },
      { field: "CSMs", before: "u1", after: "u1, u2" },
    ]);
  });

  it("names the tiers, stages and users it knows, and shows the ids of those it does not", () => {
    const names = {
      tiers: new Map([["t1", "Tier 1"]]),
      stages: new Map([["s1", "Onboarding"], ["s2", "Established"]]),
      users: new Map([["u1", "Sam Lee"]]),
    };
    expect(
      changedFields(
        { tier_id: "t9", stage_id: "s1", csm_ids: ["u1"] },
        { tier_id: "t1", stage_id: "s2", csm_ids: ["u1", "u2"] },
        names,
      ),
    ).toEqual([
      { field: "tier", before: "t9", after: "Tier 1" },
      { field: "stage", before: "Onboarding", after: "Established" },
      { field: "CSMs", before: "Sam Lee", after: "Sam Lee, u2" },
    ]);
  });

  it("names a user's role and manager", () => {
    const names = { roles: new Map([["r1", "CSM"], ["r2", "Analyst"]]), users: new Map([["u1", "Morgan Manager"]]) };
    expect(changedFields({ role_id: "r1", manager_id: null }, { role_id: "r2", manager_id: "u1" }, names)).toEqual([
      { field: "role", before: "CSM", after: "Analyst" },
      { field: "manager", before: "—", after: "Morgan Manager" },
    ]);
  });

  it("leaves out a field with the same value on both sides, and shows one on one side only", () => {
    expect(changedFields({ name: "Acme", position: 1 }, { name: "Acme", position: 2, label: "New" })).toEqual([
      { field: "position", before: "1", after: "2" },
      { field: "label", before: "—", after: "New" },
    ]);
  });
});

describe("a record created or deleted in full", () => {
  it("lists its fields with the names of the role, manager and CSMs it refers to", () => {
    const roles = new Map([["r1", "CSM Manager"]]);
    const users = new Map([["u1", "Ada Admin"]]);
    const rows = recordFields({ email: "sam@example.com", role_id: "r1", manager_id: "u1", csm_ids: [], plan: { seats: 5 } }, { roles, users });
    expect(rows).toEqual([
      { field: "email", value: "sam@example.com" },
      { field: "role", value: "CSM Manager" },
      { field: "manager", value: "Ada Admin" },
      { field: "CSMs", value: "—" },
      { field: "plan", value: '{"seats":5}' },
    ]);
  });
});
