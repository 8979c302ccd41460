import { describe, expect, it } from "vitest";
import type { Account, AccountField, AccountListItem } from "../../api/types";
import {
  DEFAULT_COLUMNS,
  columnsForSegment,
  canSort,
  chosenColumns,
  columnValue,
  formatCell,
  listedValues,
  moveColumn,
  plausibleSort,
  readColumnState,
  resolveColumns,
  writeColumnState,
  type CellNames,
} from "./columns";

/** Fields as /accounts/fields lists them: every one sorts but the CSMs. */
function field(key: string, label: string, type: string, options: string[] = [], format: string | null = null): AccountField {
  return { key, label, type, options, format, sortable: type !== "users" };
}

const FIELDS: AccountField[] = [
  field("name", "Name", "text"),
  field("domain", "Domain", "text"),
  field("renewal_on", "Renewal date", "date"),
  field("days_to_renewal", "Days to renewal", "number"),
  field("tier", "Tier", "category", ["Gold"]),
  field("csm", "CSM", "users"),
  field("nps", "NPS", "number"),
  field("churned", "Churned", "boolean"),
  field("custom.seats", "Seats", "number", [], "plain"),
  field("custom.go_live", "Go-live", "date", [], "date"),
  field("custom.sso", "SSO", "boolean", [], "default"),
  field("custom.plan", "Plan", "category", ["Pro"], "default"),
  field("custom.budget", "Budget", "number", [], "currency"),
  field("custom.share", "Share", "number", [], "percent"),
  field("custom.site", "Site", "text", [], "url"),
  field("metric.mrr", "MRR", "number", [], "currency"),
  field("metric.activity_rank", "Activity rank", "number", [], "percent"),
  field("metric.active_users_30d", "Active users (30 d)", "number", [], "number"),
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
  custom_values: {
    seats: 1500,
    go_live: "2024-06-01",
    sso: false,
    plan: "Pro",
    empty: "",
    budget: 12500,
    share: 12.5,
    site: "acme.example",
  },
  created_at: "2024-01-15T00:00:00Z",
  updated_at: "2024-01-15T00:00:00Z",
  deleted_at: null,
};

const LISTED: AccountListItem = { ...ACCOUNT, metric_values: { mrr: 1250.5, activity_rank: 70, active_users_30d: 1234 } };

const NAMES: CellNames = {
  tier: (id) => (id === "t1" ? "Gold" : undefined),
  stage: () => undefined,
  users: (ids) => ids.filter((id) => id !== "u3").map((id) => (id === "u1" ? "Casey CSM" : "Sam Second")),
  currency: "USD",
};

describe("resolveColumns", () => {
  it("labels the chosen fields, marks the sortable ones and drops unknown keys", () => {
    const columns = resolveColumns(["name", "custom.seats", "custom.gone", "csm", "metric.mrr", "renewal_on", "name"], FIELDS);
    expect(columns).toEqual([
      { key: "name", label: "Name", type: "text", sort: "name", format: null },
      { key: "custom.seats", label: "Seats", type: "number", sort: "custom.seats", format: "plain" },
      { key: "csm", label: "CSMs", type: "users", sort: null, format: null },
      { key: "metric.mrr", label: "MRR", type: "number", sort: "metric.mrr", format: "currency" },
      { key: "renewal_on", label: "Renewal", type: "date", sort: "renewal_on", format: null },
    ]);
  });

  it("shows the built-in defaults before the fields have loaded", () => {
    // Metric columns wait for the fields that say how to show them.
    expect(resolveColumns(DEFAULT_COLUMNS, undefined).map((c) => c.key)).toEqual(
      DEFAULT_COLUMNS.filter((key) => !key.startsWith("metric.")),
    );
    expect(resolveColumns(["name", "custom.seats"], undefined).map((c) => c.key)).toEqual(["name"]);
  });
});

describe("values asked for with the list", () => {
  it("are the metric and health columns', a health score with its band", () => {
    expect(listedValues(DEFAULT_COLUMNS)).toEqual(["health.score", "health.band", "metric.mrr", "metric.arr"]);
    expect(listedValues(["name", "health.band", "health.score", "custom.seats"])).toEqual(["health.band", "health.score"]);
    expect(listedValues(["name", "tier", "custom.seats"])).toEqual([]);
  });
});

describe("default columns", () => {
  it("include MRR and ARR", () => {
    expect(DEFAULT_COLUMNS).toEqual(expect.arrayContaining(["metric.mrr", "metric.arr"]));
  });

  it("leave out the churn date in the Active view, and keep it elsewhere", () => {
    expect(columnsForSegment(DEFAULT_COLUMNS, "active")).not.toContain("churned_on");
    expect(columnsForSegment(DEFAULT_COLUMNS, "churned")).toContain("churned_on");
    expect(columnsForSegment(DEFAULT_COLUMNS, "all")).toContain("churned_on");
  });
});

describe("sorting", () => {
  it("takes built-in, custom and metric sort keys from the URL, nothing else", () => {
    expect(["tier", "created_at", "custom.seats", "metric.mrr", "health.score", "health.change_7d"].every(plausibleSort)).toBe(true);
    expect(["bogus", "csm", "custom.", "metric.MRR", "custom.a.b"].some(plausibleSort)).toBe(false);
  });

  it("sorts by what the organisation's fields say sorts", () => {
    expect(canSort("custom.seats", FIELDS)).toBe(true);
    expect(canSort("custom.gone", FIELDS)).toBe(false);
    expect(canSort("csm", FIELDS)).toBe(false);
    // Sorts that are no column still sort.
    expect(canSort("updated_at", FIELDS)).toBe(true);
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

  it("counts an account renewing today as 0 days to renewal, not -0", () => {
    const [column] = resolveColumns(["days_to_renewal"], FIELDS);
    const today = columnValue(ACCOUNT, "days_to_renewal", new Date(2025, 2, 11, 9, 30));
    expect(Object.is(today, 0)).toBe(true);
    expect(formatCell(column!, today, NAMES)).toBe("0");
    expect(columnValue(ACCOUNT, "days_to_renewal", new Date(2025, 2, 12))).toBe(-1);
  });

  it("reads custom values and formats them by the custom field's type", () => {
    expect(cell("custom.seats")).toBe((1500).toLocaleString());
    expect(cell("custom.go_live")).toBe(new Date(2024, 5, 1).toLocaleDateString(undefined, { year: "numeric", month: "short", day: "numeric" }));
    expect(cell("custom.sso")).toBe("No");
    expect(cell("custom.plan")).toBe("Pro");
    expect(columnValue(ACCOUNT, "custom.empty")).toBeNull();
    expect(columnValue(ACCOUNT, "custom.missing")).toBeNull();
  });

  it("formats numbers in their field's format, money in the base currency", () => {
    expect(cell("custom.budget")).toBe("$12,500.00");
    expect(cell("custom.share")).toBe("12.5%");
    expect(cell("custom.site")).toBe("acme.example");
  });

  it("reads metric values from the list's items, in the metric's format", () => {
    const metric = (key: string) => {
      const [column] = resolveColumns([key], FIELDS);
      return formatCell(column!, columnValue(LISTED, key), NAMES);
    };
    expect(metric("metric.mrr")).toBe("$1,250.50");
    expect(metric("metric.activity_rank")).toBe("70%");
    expect(metric("metric.active_users_30d")).toBe("1,234");
    expect(columnValue({ ...LISTED, metric_values: { mrr: null } }, "metric.mrr")).toBeNull();
    // An account read on its own carries no metric values.
    expect(columnValue(ACCOUNT, "metric.mrr")).toBeNull();
  });

  it("signs a health score's change as the health trends do", () => {
    const change = { key: "health.change_7d", type: "number" as const };
    expect(formatCell(change, 5, NAMES)).toBe("+5");
    expect(formatCell(change, -3, NAMES)).toBe("−3");
    expect(formatCell(change, 0, NAMES)).toBe("0");
    expect(formatCell({ ...change, key: "health.change_30d" }, 12, NAMES)).toBe("+12");
  });

  it("says how many CSMs when their names are unknown, and nothing when there are none", () => {
    const none: CellNames = { ...NAMES, users: () => [] };
    expect(formatCell({ key: "csm", type: "users" }, ["x", "y"], none)).toBe("2 CSMs");
    expect(formatCell({ key: "csm", type: "users" }, [], none)).toBeNull();
  });
});
