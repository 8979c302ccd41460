import { describe, expect, it } from "vitest";
import type { Account, AccountField } from "../../api/types";
import {
  DEFAULT_COLUMNS,
  chosenColumns,
  columnValue,
  formatCell,
  moveColumn,
  readColumnState,
  resolveColumns,
  writeColumnState,
  type CellNames,
} from "./columns";

const FIELDS: AccountField[] = [
  { key: "name", label: "Name", type: "text", options: [] },
  { key: "domain", label: "Domain", type: "text", options: [] },
  { key: "renewal_on", label: "Renewal date", type: "date", options: [] },
  { key: "days_to_renewal", label: "Days to renewal", type: "number", options: [] },
  { key: "tier", label: "Tier", type: "category", options: ["Gold"] },
  { key: "csm", label: "CSM", type: "users", options: [] },
  { key: "nps", label: "NPS", type: "number", options: [] },
  { key: "churned", label: "Churned", type: "boolean", options: [] },
  { key: "custom.seats", label: "Seats", type: "number", options: [] },
  { key: "custom.go_live", label: "Go-live", type: "date", options: [] },
  { key: "custom.sso", label: "SSO", type: "boolean", options: [] },
  { key: "custom.plan", label: "Plan", type: "category", options: ["Pro"] },
];

const ACCOUNT: Account = {
  id: "a1",
  external_id: "acme",
  name: "Acme Corp",
  domain: null,
  joined_on: "2024-01-15",
  renewal_on: "2025-03-11",
  csm_ids: ["u1", "u2", "u3"],
  crm_id: null,
  billing_id: null,
  support_id: null,
  parent_id: null,
  tier_id: "t1",
  stage_id: null,
  status_title: null,
  status_details: null,
  status_at: null,
  status_author_id: null,
  csm_score: 1234,
  nps: "8.50",
  churned_on: null,
  churn_reason: null,
  custom_values: { seats: 1500, go_live: "2024-06-01", sso: false, plan: "Pro", empty: "" },
  created_at: "2024-01-15T00:00:00Z",
  updated_at: "2024-01-15T00:00:00Z",
  deleted_at: null,
};

const NAMES: CellNames = {
  tier: (id) => (id === "t1" ? "Gold" : undefined),
  stage: () => undefined,
  users: (ids) => ids.filter((id) => id !== "u3").map((id) => (id === "u1" ? "Casey CSM" : "Sam Second")),
};

describe("resolveColumns", () => {
  it("labels the chosen fields, marks the sortable ones and drops unknown keys", () => {
    const columns = resolveColumns(["name", "custom.seats", "custom.gone", "days_to_renewal", "renewal_on", "name"], FIELDS);
    expect(columns).toEqual([
      { key: "name", label: "Name", type: "text", sort: "name" },
      { key: "custom.seats", label: "Seats", type: "number", sort: null },
      { key: "days_to_renewal", label: "Days to renewal", type: "number", sort: null },
      { key: "renewal_on", label: "Renewal", type: "date", sort: "renewal_on" },
    ]);
  });

  it("shows the built-in defaults before the fields have loaded", () => {
    expect(resolveColumns(DEFAULT_COLUMNS, undefined).map((c) => c.key)).toEqual(DEFAULT_COLUMNS);
    expect(resolveColumns(["name", "custom.seats"], undefined).map((c) => c.key)).toEqual(["name"]);
  });
});

describe("the column state in the URL", () => {
  it("reads the open view and the picked columns, and writes them back", () => {
    const state = readColumnState(new URLSearchParams("view=v1&cols=name,custom.seats,Bad%20Key"));
    expect(state).toEqual({ viewId: "v1", columns: ["name", "custom.seats"] });
    expect(writeColumnState(new URLSearchParams("q=acme"), state).toString()).toBe("q=acme&view=v1&cols=name%2Ccustom.seats");
    expect(readColumnState(new URLSearchParams(""))).toEqual({ viewId: null, columns: null });
  });

  it("prefers picked columns, then the view's, then the defaults", () => {
    expect(chosenColumns({ viewId: "v1", columns: ["domain"] }, ["name"])).toEqual(["domain"]);
    expect(chosenColumns({ viewId: "v1", columns: null }, ["name", "nps"])).toEqual(["name", "nps"]);
    expect(chosenColumns({ viewId: "v1", columns: null }, [])).toEqual(DEFAULT_COLUMNS);
    expect(chosenColumns({ viewId: null, columns: null }, undefined)).toEqual(DEFAULT_COLUMNS);
  });

  it("moves a column within bounds", () => {
    expect(moveColumn(["a", "b", "c"], "c", -1)).toEqual(["a", "c", "b"]);
    expect(moveColumn(["a", "b", "c"], "a", -1)).toEqual(["a", "b", "c"]);
    expect(moveColumn(["a", "b", "c"], "a", 1)).toEqual(["b", "a", "c"]);
  });
});

describe("cells", () => {
  const cell = (key: string) => {
    const [column] = resolveColumns([key], FIELDS);
    return formatCell(column!, columnValue(ACCOUNT, key, new Date(2025, 2, 1)), NAMES);
  };

  it("formats each field type", () => {
    expect(cell("name")).toBe("Acme Corp");
    expect(cell("domain")).toBeNull();
    expect(cell("renewal_on")).toBe(new Date(2025, 2, 11).toLocaleDateString(undefined, { year: "numeric", month: "short", day: "numeric" }));
    expect(cell("tier")).toBe("Gold");
    expect(cell("csm")).toBe("Casey CSM, Sam Second +1");
    expect(cell("nps")).toBe((8.5).toLocaleString());
    expect(cell("churned")).toBe("No");
  });

  it("computes the derived fields as the API does", () => {
    expect(cell("days_to_renewal")).toBe("10");
    expect(columnValue(ACCOUNT, "days_since_joined", new Date(2024, 0, 25))).toBe(10);
    expect(columnValue({ ...ACCOUNT, renewal_on: null }, "days_to_renewal")).toBeNull();
  });

  it("reads custom values and formats them by the custom field's type", () => {
    expect(cell("custom.seats")).toBe((1500).toLocaleString());
    expect(cell("custom.go_live")).toBe(new Date(2024, 5, 1).toLocaleDateString(undefined, { year: "numeric", month: "short", day: "numeric" }));
    expect(cell("custom.sso")).toBe("No");
    expect(cell("custom.plan")).toBe("Pro");
    expect(columnValue(ACCOUNT, "custom.empty")).toBeNull();
    expect(columnValue(ACCOUNT, "custom.missing")).toBeNull();
  });

  it("says how many CSMs when their names are unknown, and nothing when there are none", () => {
    const none: CellNames = { ...NAMES, users: () => [] };
    expect(formatCell({ key: "csm", type: "users" }, ["x", "y"], none)).toBe("2 CSMs");
    expect(formatCell({ key: "csm", type: "users" }, [], none)).toBeNull();
  });
});
