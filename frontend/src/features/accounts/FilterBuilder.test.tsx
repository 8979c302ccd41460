import { MantineProvider } from "@mantine/core";
import { render, screen, within } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { describe, expect, it, vi } from "vitest";
import type { AccountField, FilterCondition } from "../../api/types";
import { theme } from "../../app/theme";
import { FilterBuilder } from "./FilterBuilder";
import { appliedFilter, comparableFields, filterToRows, missingPart, operatorsFor, rowsToFilter, stateToFilter, type FilterRow } from "./filters";

const FIELDS: AccountField[] = (
  [
    { key: "name", label: "Name", type: "text", options: [] },
    { key: "tier", label: "Tier", type: "category", options: ["Gold", "Silver", "Bronze"] },
    { key: "csm_score", label: "CSM score", type: "number", options: [] },
    { key: "renewal_on", label: "Renewal date", type: "date", options: [] },
    { key: "churned", label: "Churned", type: "boolean", options: [] },
    { key: "csm", label: "CSM", type: "users", options: [] },
    { key: "joined_on", label: "Join date", type: "date", options: [] },
    { key: "nps", label: "NPS", type: "number", options: [] },
  ] as Omit<AccountField, "format" | "sortable">[]
).map((field) => ({ ...field, format: null, sortable: field.type !== "users" }));

function renderBuilder(value: FilterCondition | null = null) {
  const onChange = vi.fn();
  render(
    <MantineProvider theme={theme} env="test">
      <FilterBuilder fields={FIELDS} value={value} onChange={onChange} users={[{ value: "u1", label: "Casey CSM" }]} />
    </MantineProvider>,
  );
  return { onChange, user: userEvent.setup() };
}

async function pick(user: ReturnType<typeof userEvent.setup>, input: HTMLElement, option: string) {
  await user.click(input);
  await user.click(await screen.findByRole("option", { name: option }));
}

function optionNames(): string[] {
  return screen.getAllByRole("option").map((o) => o.textContent ?? "");
}

describe("operatorsFor", () => {
  it("offers only the operators that apply to each field type", () => {
    const ops = (type: Parameters<typeof operatorsFor>[0]) => operatorsFor(type).map((o) => o.value);
    expect(ops("text")).toEqual(["eq", "ne", "contains", "not_contains", "starts_with", "is_empty", "is_not_empty"]);
    expect(ops("category")).toEqual(["eq", "ne", "in", "not_in", "is_empty", "is_not_empty"]);
    expect(ops("number")).not.toContain("contains");
    expect(ops("number")).toContain("gte");
    expect(ops("date")).toEqual(expect.arrayContaining(["within_next_days", "within_last_days", "before", "after", "on"]));
    expect(ops("date")).not.toContain("contains");
    expect(ops("boolean")).toEqual(["eq", "is_empty", "is_not_empty"]);
    expect(ops("users")).not.toContain("gt");
  });
});

describe("rowsToFilter", () => {
  const row = (r: Omit<FilterRow, "id">): FilterRow => ({ id: Math.random().toString(), ...r });

  it("turns rows into the typed condition tree, leaving out incomplete ones", () => {
    const rows = [
      row({ field: "tier", op: "in", value: ["Gold", "Silver"] }),
      row({ field: "csm_score", op: "gte", value: 70 }),
      row({ field: "renewal_on", op: "within_next_days", value: 90 }),
      row({ field: "renewal_on", op: "before", value: "2030-01-01" }),
      row({ field: "churned", op: "eq", value: false }),
      row({ field: "csm", op: "is_empty", value: null }),
      row({ field: "name", op: "contains", value: "  acme " }),
      row({ field: "name", op: "eq", value: "" }), // incomplete: no value
      row({ field: "csm_score", op: "gt", value: null }), // incomplete
    ];
    expect(rowsToFilter("any", rows, FIELDS)).toEqual({
      kind: "any",
      conditions: [
        { kind: "compare", field: "tier", op: "in", value: ["Gold", "Silver"] },
        { kind: "compare", field: "csm_score", op: "gte", value: 70 },
        { kind: "date", field: "renewal_on", op: "within_next_days", days: 90 },
        { kind: "date", field: "renewal_on", op: "before", date: "2030-01-01" },
        { kind: "compare", field: "churned", op: "eq", value: false },
        { kind: "compare", field: "csm", op: "is_empty" },
        { kind: "compare", field: "name", op: "contains", value: "acme" },
      ],
    });
    expect(rowsToFilter("all", [row({ field: "name", op: "eq", value: "" })], FIELDS)).toBeNull();
  });

  it("reads back what it wrote", () => {
    const filter: FilterCondition = {
      kind: "any",
      conditions: [
        { kind: "compare", field: "tier", op: "eq", value: "Gold" },
        { kind: "date", field: "renewal_on", op: "within_next_days", days: 30 },
      ],
    };
    const { mode, rows } = filterToRows(filter);
    expect(rowsToFilter(mode, rows, FIELDS)).toEqual(filter);
  });
});

describe("missingPart", () => {
  it("says what an incomplete row still needs", () => {
    const base = { id: "r" };
    expect(missingPart({ ...base, field: "", op: null, value: null }, FIELDS)).toBe("Pick a field");
    expect(missingPart({ ...base, field: "tier", op: null, value: null }, FIELDS)).toBe("Pick an operator");
    expect(missingPart({ ...base, field: "tier", op: "eq", value: null }, FIELDS)).toBe("Enter a value");
    expect(missingPart({ ...base, field: "renewal_on", op: "lt", value: null, against: "field", other: null }, FIELDS)).toBe(
      "Pick the other field",
    );
    expect(missingPart({ ...base, field: "tier", op: "eq", value: "Gold" }, FIELDS)).toBeNull();
    expect(missingPart({ ...base, field: "csm", op: "is_empty", value: null }, FIELDS)).toBeNull();
  });
});

describe("appliedFilter", () => {
  it("leaves out a condition on a field the organisation no longer has, as the builder shows it", () => {
    const filter: FilterCondition = {
      kind: "all",
      conditions: [
        { kind: "compare", field: "custom.deleted", op: "gt", value: 2 },
        { kind: "compare", field: "csm_score", op: "gte", value: 50 },
      ],
    };
    expect(appliedFilter(filter, FIELDS)).toEqual({ kind: "all", conditions: [{ kind: "compare", field: "csm_score", op: "gte", value: 50 }] });
    expect(appliedFilter({ kind: "compare", field: "custom.deleted", op: "gt", value: 2 }, FIELDS)).toBeNull();
    expect(appliedFilter(null, FIELDS)).toBeNull();
  });

  it("keeps a whole filter as it was", () => {
    const filter: FilterCondition = {
      kind: "any",
      conditions: [
        { kind: "compare", field: "tier", op: "in", value: ["Gold"] },
        { kind: "not", condition: { kind: "all", conditions: [{ kind: "date", field: "renewal_on", op: "within_next_days", days: 30 }] } },
      ],
    };
    expect(appliedFilter(filter, FIELDS)).toEqual(filter);
  });
});

describe("not groups and field comparisons", () => {
  const row = (r: Omit<FilterRow, "id">): FilterRow => ({ id: Math.random().toString(), ...r });

  it("negates a group with a not around its all/any, and leaves out empty groups", () => {
    const filter = rowsToFilter("all", [row({ field: "csm", op: "is_not_empty", value: null })], FIELDS, [
      { id: "g1", negate: true, mode: "any", rows: [row({ field: "tier", op: "eq", value: "Gold" }), row({ field: "csm_score", op: "lt", value: 40 })] },
      { id: "g2", negate: false, mode: "all", rows: [row({ field: "name", op: "contains", value: "acme" })] },
      { id: "g3", negate: true, mode: "all", rows: [row({ field: "name", op: "eq", value: "" })] },
    ]);
    expect(filter).toEqual({
      kind: "all",
      conditions: [
        { kind: "compare", field: "csm", op: "is_not_empty" },
        {
          kind: "not",
          condition: {
            kind: "any",
            conditions: [
              { kind: "compare", field: "tier", op: "eq", value: "Gold" },
              { kind: "compare", field: "csm_score", op: "lt", value: 40 },
            ],
          },
        },
        { kind: "all", conditions: [{ kind: "compare", field: "name", op: "contains", value: "acme" }] },
      ],
    });
    // And reads it back into the same rows and groups.
    const state = filterToRows(filter);
    expect(state.rows).toHaveLength(1);
    expect(state.groups.map((g) => [g.negate, g.mode, g.rows.length])).toEqual([
      [true, "any", 2],
      [false, "all", 1],
    ]);
    expect(stateToFilter(state, FIELDS)).toEqual(filter);
  });

  it("reads a negated single condition, or a not at the top, as a negated group", () => {
    const state = filterToRows({ kind: "not", condition: { kind: "compare", field: "tier", op: "eq", value: "Gold" } });
    expect(state.rows).toEqual([]);
    expect(state.groups).toHaveLength(1);
    expect(stateToFilter(state, FIELDS)).toEqual({
      kind: "all",
      conditions: [{ kind: "not", condition: { kind: "all", conditions: [{ kind: "compare", field: "tier", op: "eq", value: "Gold" }] } }],
    });
  });

  it("compares a field with another field of its type, and round-trips it", () => {
    const rows = [
      row({ field: "renewal_on", op: "lt", value: null, against: "field", other: "joined_on" }),
      row({ field: "csm_score", op: "gte", value: null, against: "field", other: "nps" }),
      row({ field: "csm_score", op: "gte", value: null, against: "field", other: "joined_on" }), // another type
      row({ field: "renewal_on", op: "within_next_days", value: null, against: "field", other: "joined_on" }), // not a field operator
      row({ field: "name", op: "eq", value: null, against: "field", other: null }), // incomplete
    ];
    const filter = rowsToFilter("all", rows, FIELDS);
    expect(filter).toEqual({
      kind: "all",
      conditions: [
        { kind: "compare_fields", field: "renewal_on", op: "lt", other: "joined_on" },
        { kind: "compare_fields", field: "csm_score", op: "gte", other: "nps" },
      ],
    });
    const { mode, rows: back } = filterToRows(filter);
    expect(rowsToFilter(mode, back, FIELDS)).toEqual(filter);
  });

  it("offers only same-typed fields with a column to compare with", () => {
    const keys = (key: string) => comparableFields(FIELDS.find((f) => f.key === key), FIELDS).map((f) => f.key);
    expect(keys("renewal_on")).toEqual(["joined_on"]);
    expect(keys("csm_score")).toEqual(["nps"]);
    expect(keys("tier")).toEqual([]);
    expect(keys("csm")).toEqual([]);
  });
});

// any[ all[Tier Gold, CSM score ≥ 70], all[Tier Bronze, any[NPS < 0, CSM unassigned]] ]: the second
// group holds a group, which the builder's groups cannot.
const GOLD: FilterCondition = {
  kind: "all",
  conditions: [
    { kind: "compare", field: "tier", op: "eq", value: "Gold" },
    { kind: "compare", field: "csm_score", op: "gte", value: 70 },
  ],
};
const DEEP: FilterCondition = {
  kind: "all",
  conditions: [
    { kind: "compare", field: "tier", op: "eq", value: "Bronze" },
    {
      kind: "any",
      conditions: [
        { kind: "compare", field: "nps", op: "lt", value: 0 },
        { kind: "compare", field: "csm", op: "is_empty" },
      ],
    },
  ],
};
const NESTED: FilterCondition = { kind: "any", conditions: [GOLD, DEEP] };

describe("conditions nested deeper than a group", () => {
  it("are locked, kept whole, beside the rows and groups the builder edits", () => {
    const state = filterToRows(NESTED);
    expect(state.groups.map((g) => g.rows.length)).toEqual([2]);
    expect(state.locked.map((l) => l.condition)).toEqual([DEEP]);
    expect(stateToFilter(state, FIELDS)).toEqual(NESTED);
    // An edit of the rest keeps them.
    expect(stateToFilter({ ...state, mode: "all", groups: [] }, FIELDS)).toEqual({
      kind: "all",
      conditions: [DEEP],
    });
  });

  it("include an empty group (an empty any matches no account) and a not of a not", () => {
    const emptyAny: FilterCondition = { kind: "any", conditions: [] };
    const doubleNot: FilterCondition = { kind: "not", condition: { kind: "not", condition: { kind: "compare", field: "csm", op: "is_empty" } } };
    const filter: FilterCondition = { kind: "all", conditions: [{ kind: "compare", field: "tier", op: "eq", value: "Gold" }, emptyAny, doubleNot] };
    const state = filterToRows(filter);
    expect(state.rows).toHaveLength(1);
    expect(state.groups).toEqual([]);
    expect(state.locked.map((l) => l.condition)).toEqual([emptyAny, doubleNot]);
    expect(stateToFilter(state, FIELDS)).toEqual(filter);
  });
});

describe("the filter builder", () => {
  it("shows a condition nested deeper than a group read-only, and keeps it through edits until removed", async () => {
    const { onChange, user } = renderBuilder(NESTED);
    expect(screen.getAllByTestId("filter-group")).toHaveLength(1);
    const locked = screen.getByTestId("filter-locked");
    expect(locked).toHaveTextContent("Tier is Bronze and (NPS < 0 or CSM is unassigned)");
    expect(locked).toHaveTextContent("nested groups the builder cannot edit; it applies as saved");
    expect(within(locked).queryByRole("combobox")).toBeNull();

    await user.click(within(screen.getByTestId("filter-group")).getByRole("checkbox", { name: /^Exclude/ }));
    expect(onChange).toHaveBeenLastCalledWith({
      kind: "any",
      conditions: [{ kind: "not", condition: GOLD }, DEEP],
    });

    await user.click(within(locked).getByRole("button", { name: "Remove" }));
    expect(onChange).toHaveBeenLastCalledWith({
      kind: "any",
      conditions: [{ kind: "not", condition: GOLD }],
    });
    expect(screen.queryByTestId("filter-locked")).toBeNull();
  });


  it("builds a category condition and emits its JSON", async () => {
    const { onChange, user } = renderBuilder();
    await user.click(screen.getByRole("button", { name: "Add condition" }));
    const row = screen.getByTestId("filter-row");
    await pick(user, within(row).getByRole("combobox", { name: "Field" }), "Tier");

    // Only the category operators are offered.
    await user.click(within(row).getByRole("combobox", { name: "Operator" }));
    expect(optionNames()).toEqual(["is", "is not", "is any of", "is none of", "is empty", "is not empty"]);
    await user.click(screen.getByRole("option", { name: "is" }));

    await pick(user, within(row).getByRole("combobox", { name: "Value for Tier" }), "Gold");
    expect(onChange).toHaveBeenLastCalledWith({
      kind: "all",
      conditions: [{ kind: "compare", field: "tier", op: "eq", value: "Gold" }],
    });
  });

  it("offers date windows for a date field and sends the number of days", async () => {
    const { onChange, user } = renderBuilder();
    await user.click(screen.getByRole("button", { name: "Add condition" }));
    const row = screen.getByTestId("filter-row");
    await pick(user, within(row).getByRole("combobox", { name: "Field" }), "Renewal date");
    await user.click(within(row).getByRole("combobox", { name: "Operator" }));
    const names = optionNames();
    expect(names).toContain("within the next … days");
    expect(names).not.toContain("contains");
    await user.click(screen.getByRole("option", { name: "within the next … days" }));
    await user.type(within(row).getByRole("textbox", { name: "Days for Renewal date" }), "60");
    expect(onChange).toHaveBeenLastCalledWith({
      kind: "all",
      conditions: [{ kind: "date", field: "renewal_on", op: "within_next_days", days: 60 }],
    });
  });

  it("keeps a number of days as typed, and flags one out of range rather than clamping it", async () => {
    const { onChange, user } = renderBuilder({ kind: "date", field: "renewal_on", op: "within_next_days", days: 30 });
    const row = screen.getByTestId("filter-row");
    const days = within(row).getByRole("textbox", { name: "Days for Renewal date" });
    await user.clear(days);
    await user.type(days, "40000");
    await user.tab();
    expect(days).toHaveValue("40000");
    expect(within(row).getByTestId("filter-row-incomplete")).toHaveTextContent(
      "The number of days is a whole number from 0 to 36500: not applied yet",
    );
    expect(onChange).not.toHaveBeenCalledWith(expect.objectContaining({ conditions: [expect.objectContaining({ days: 36500 })] }));
    expect(onChange).not.toHaveBeenCalledWith(expect.objectContaining({ conditions: [expect.objectContaining({ days: 40000 })] }));
  });

  it("joins conditions with Any when asked", async () => {
    const { onChange, user } = renderBuilder({
      kind: "all",
      conditions: [
        { kind: "compare", field: "csm", op: "is_empty" },
        { kind: "compare", field: "csm_score", op: "lt", value: 40 },
      ],
    });
    expect(screen.getAllByTestId("filter-row")).toHaveLength(2);
    await user.click(screen.getByRole("radio", { name: "Any" }));
    expect(onChange).toHaveBeenLastCalledWith({
      kind: "any",
      conditions: [
        { kind: "compare", field: "csm", op: "is_empty" },
        { kind: "compare", field: "csm_score", op: "lt", value: 40 },
      ],
    });
    await user.click(screen.getAllByRole("button", { name: "Remove condition" })[0]!);
    expect(onChange).toHaveBeenLastCalledWith({
      kind: "any",
      conditions: [{ kind: "compare", field: "csm_score", op: "lt", value: 40 }],
    });
  });

  it("negates a group of conditions", async () => {
    const { onChange, user } = renderBuilder();
    await user.click(screen.getByRole("button", { name: "Add group" }));
    const group = screen.getByTestId("filter-group");
    const row = within(group).getByTestId("filter-row");
    await pick(user, within(row).getByRole("combobox", { name: "Field" }), "Tier");
    await pick(user, within(row).getByRole("combobox", { name: "Value for Tier" }), "Gold");
    expect(onChange).toHaveBeenLastCalledWith({
      kind: "all",
      conditions: [{ kind: "all", conditions: [{ kind: "compare", field: "tier", op: "eq", value: "Gold" }] }],
    });
    await user.click(within(group).getByRole("checkbox", { name: /^Exclude/ }));
    expect(onChange).toHaveBeenLastCalledWith({
      kind: "all",
      conditions: [{ kind: "not", condition: { kind: "all", conditions: [{ kind: "compare", field: "tier", op: "eq", value: "Gold" }] } }],
    });
    await user.click(within(group).getByRole("button", { name: "Remove group" }));
    expect(onChange).toHaveBeenLastCalledWith(null);
  });

  it("starts a new group with no field picked, flags it and applies nothing until it is whole", async () => {
    const { onChange, user } = renderBuilder();
    await user.click(screen.getByRole("button", { name: "Add group" }));
    const row = within(screen.getByTestId("filter-group")).getByTestId("filter-row");
    expect(within(row).getByRole("combobox", { name: "Field" })).toHaveValue("");
    expect(within(row).queryByRole("combobox", { name: "Operator" })).toBeNull();
    expect(within(row).getByTestId("filter-row-incomplete")).toHaveTextContent("Pick a field: not applied yet");
    expect(screen.getByTestId("filter-incomplete")).toHaveTextContent("1 condition is incomplete and not applied");
    expect(onChange).not.toHaveBeenCalled();

    await pick(user, within(row).getByRole("combobox", { name: "Field" }), "Tier");
    expect(within(row).getByTestId("filter-row-incomplete")).toHaveTextContent("Enter a value");
    expect(onChange).not.toHaveBeenCalled();
    await pick(user, within(row).getByRole("combobox", { name: "Value for Tier" }), "Gold");
    expect(within(row).queryByTestId("filter-row-incomplete")).toBeNull();
    expect(screen.queryByTestId("filter-incomplete")).toBeNull();
    expect(onChange).toHaveBeenLastCalledWith({
      kind: "all",
      conditions: [{ kind: "all", conditions: [{ kind: "compare", field: "tier", op: "eq", value: "Gold" }] }],
    });
  });

  it("flags an incomplete condition beside complete ones, which still apply", async () => {
    const { onChange, user } = renderBuilder({ kind: "compare", field: "csm_score", op: "lt", value: 40 });
    await user.click(screen.getByRole("button", { name: "Add condition" }));
    const rows = screen.getAllByTestId("filter-row");
    expect(rows[0]).not.toHaveAttribute("data-incomplete");
    expect(rows[1]).toHaveAttribute("data-incomplete", "true");
    expect(screen.getByTestId("filter-incomplete")).toBeInTheDocument();
    for (const [filter] of onChange.mock.calls) {
      expect(filter).toEqual({ kind: "all", conditions: [{ kind: "compare", field: "csm_score", op: "lt", value: 40 }] });
    }
  });

  it("compares a date with another date field", async () => {
    const { onChange, user } = renderBuilder();
    await user.click(screen.getByRole("button", { name: "Add condition" }));
    const row = screen.getByTestId("filter-row");
    await pick(user, within(row).getByRole("combobox", { name: "Field" }), "Renewal date");
    await user.click(within(row).getByRole("radio", { name: "field" }));
    await user.click(within(row).getByRole("combobox", { name: "Operator" }));
    expect(optionNames()).toEqual(["is before", "is on or before", "is after", "is on or after", "is on the same day as", "is not on the same day as"]);
    await user.click(screen.getByRole("option", { name: "is before" }));
    await user.click(within(row).getByRole("combobox", { name: "Other field for Renewal date" }));
    expect(optionNames()).toEqual(["Join date"]);
    await user.click(screen.getByRole("option", { name: "Join date" }));
    expect(onChange).toHaveBeenLastCalledWith({
      kind: "all",
      conditions: [{ kind: "compare_fields", field: "renewal_on", op: "lt", other: "joined_on" }],
    });
  });
});
