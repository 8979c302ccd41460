import { describe, expect, it } from "vitest";
import type { AccountField } from "../../api/types";
import { describeCondition } from "./conditionText";

const FIELDS = (
  [
    { key: "name", label: "Name", type: "text" },
    { key: "custom.plan", label: "Plan", type: "category" },
    { key: "custom.seats", label: "Seats", type: "number" },
    { key: "custom.go_live_on", label: "Go-live date", type: "date" },
    { key: "renewal_on", label: "Renewal date", type: "date" },
    { key: "churned", label: "Churned", type: "boolean" },
    { key: "csm", label: "CSM", type: "users" },
  ] as const
).map((f) => ({ ...f, options: [], format: null, sortable: true })) as AccountField[];

describe("describeCondition", () => {
  it("reads comparisons, date windows and field comparisons in words", () => {
    expect(describeCondition({ kind: "compare", field: "custom.plan", op: "eq", value: "Enterprise" }, FIELDS)).toBe("Plan is Enterprise");
    expect(describeCondition({ kind: "compare", field: "custom.seats", op: "gte", value: 100 }, FIELDS)).toBe("Seats ≥ 100");
    expect(describeCondition({ kind: "date", field: "custom.go_live_on", op: "within_next_days", days: 45 }, FIELDS)).toBe(
      "Go-live date within the next 45 days",
    );
    expect(describeCondition({ kind: "compare", field: "name", op: "contains", value: "acme" }, FIELDS)).toBe("Name contains “acme”");
    expect(describeCondition({ kind: "compare", field: "csm", op: "is_empty" }, FIELDS)).toBe("CSM is unassigned");
    expect(describeCondition({ kind: "compare", field: "churned", op: "eq", value: false }, FIELDS)).toBe("Churned is no");
    expect(describeCondition({ kind: "compare_fields", field: "renewal_on", op: "lt", other: "custom.go_live_on" }, FIELDS)).toBe(
      "Renewal date is before Go-live date",
    );
  });

  it("names users and brackets nested groups", () => {
    const text = describeCondition(
      {
        kind: "all",
        conditions: [
          { kind: "compare", field: "csm", op: "in", value: ["u1", "u2"] },
          {
            kind: "not",
            condition: {
              kind: "any",
              conditions: [
                { kind: "compare", field: "custom.plan", op: "eq", value: "Starter" },
                { kind: "compare", field: "custom.seats", op: "lt", value: 5 },
              ],
            },
          },
        ],
      },
      FIELDS,
      (id) => ({ u1: "Casey CSM" })[id],
    );
    expect(text).toBe("CSM includes any of Casey CSM, a former user and not (Plan is Starter or Seats < 5)");
  });
});
