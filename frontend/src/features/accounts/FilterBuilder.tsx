import { ActionIcon, Button, Group, MultiSelect, NumberInput, Select, SegmentedControl, Stack, Text, TextInput } from "@mantine/core";
import { IconPlus, IconTrash } from "@tabler/icons-react";
import { useEffect, useRef, useState } from "react";
import type { AccountField, FilterCondition } from "../../api/types";
import {
  fieldType,
  filterToRows,
  newRow,
  operatorInfo,
  operatorsFor,
  rowsToFilter,
  type FilterMode,
  type FilterRow,
} from "./filters";

export interface UserOption {
  value: string;
  label: string;
}

function ValueInput({
  row,
  field,
  users,
  onChange,
}: {
  row: FilterRow;
  field: AccountField;
  users: UserOption[];
  onChange: (value: FilterRow["value"]) => void;
}) {
  const type = fieldType(field);
  const info = operatorInfo(type, row.op);
  if (!info || info.input === "none") return null;
  const label = `Value for ${field.label}`;
  const options = type === "users" ? users : field.options.map((o) => ({ value: o, label: o }));

  if (info.input === "days") {
    return (
      <NumberInput
        aria-label={`Days for ${field.label}`}
        placeholder="Days"
        min={0}
        max={36500}
        allowDecimal={false}
        value={typeof row.value === "number" ? row.value : ""}
        onChange={(v) => onChange(typeof v === "number" ? v : null)}
        w={110}
        rightSection={<Text size="xs" c="dimmed" pr={6}>days</Text>}
      />
    );
  }
  if (info.input === "date") {
    return (
      <TextInput
        type="date"
        aria-label={label}
        value={typeof row.value === "string" ? row.value : ""}
        onChange={(e) => onChange(e.currentTarget.value || null)}
        w={170}
      />
    );
  }
  if (info.input === "multi") {
    return (
      <MultiSelect
        aria-label={label}
        placeholder="Pick values"
        data={options}
        searchable
        value={Array.isArray(row.value) ? row.value : []}
        onChange={(v) => onChange(v)}
        w={260}
        comboboxProps={{ withinPortal: true }}
      />
    );
  }
  if (type === "category" || type === "users") {
    return (
      <Select
        aria-label={label}
        placeholder="Pick a value"
        data={options}
        searchable
        value={typeof row.value === "string" ? row.value : null}
        onChange={(v) => onChange(v)}
        w={220}
      />
    );
  }
  if (type === "boolean") {
    return (
      <Select
        aria-label={label}
        data={[
          { value: "true", label: "Yes" },
          { value: "false", label: "No" },
        ]}
        allowDeselect={false}
        value={row.value === false ? "false" : "true"}
        onChange={(v) => onChange(v === "true")}
        w={100}
      />
    );
  }
  if (type === "number") {
    return (
      <NumberInput
        aria-label={label}
        placeholder="Number"
        value={typeof row.value === "number" ? row.value : ""}
        onChange={(v) => onChange(typeof v === "number" ? v : null)}
        w={140}
      />
    );
  }
  return (
    <TextInput
      aria-label={label}
      placeholder="Text"
      value={typeof row.value === "string" ? row.value : ""}
      onChange={(e) => onChange(e.currentTarget.value)}
      w={220}
    />
  );
}

/**
 * Builds a filter in the API's condition language: rows of field / operator / value, joined by
 * All or Any. Emits the filter (only complete rows) on every change; null when there is none.
 */
export function FilterBuilder({
  fields,
  value,
  onChange,
  users = [],
}: {
  fields: AccountField[];
  value: FilterCondition | null;
  onChange: (filter: FilterCondition | null) => void;
  users?: UserOption[];
}) {
  const [state, setState] = useState(() => filterToRows(value));
  const lastEmitted = useRef<string>(JSON.stringify(value));

  // The filter changed from outside (back/forward, a cleared URL): show it.
  useEffect(() => {
    const incoming = JSON.stringify(value);
    if (incoming !== lastEmitted.current) {
      lastEmitted.current = incoming;
      setState(filterToRows(value));
    }
  }, [value]);

  const commit = (mode: FilterMode, rows: FilterRow[]) => {
    setState({ mode, rows });
    const filter = rowsToFilter(mode, rows, fields);
    const serialized = JSON.stringify(filter);
    if (serialized !== lastEmitted.current) {
      lastEmitted.current = serialized;
      onChange(filter);
    }
  };

  const updateRow = (id: string, patch: Partial<FilterRow>) =>
    commit(
      state.mode,
      state.rows.map((row) => (row.id === id ? { ...row, ...patch } : row)),
    );

  const fieldOptions = fields.map((f) => ({ value: f.key, label: f.label }));

  return (
    <Stack gap="xs" data-testid="filter-builder">
      {state.rows.length > 1 && (
        <Group gap="xs">
          <Text size="sm" c="dimmed">
            Match
          </Text>
          <SegmentedControl
            size="xs"
            aria-label="Match all or any condition"
            data={[
              { value: "all", label: "All" },
              { value: "any", label: "Any" },
            ]}
            value={state.mode}
            onChange={(mode) => commit(mode as FilterMode, state.rows)}
          />
          <Text size="sm" c="dimmed">
            of these conditions
          </Text>
        </Group>
      )}
      {state.rows.map((row, index) => {
        const field = fields.find((f) => f.key === row.field);
        const type = fieldType(field);
        return (
          <Group key={row.id} gap="xs" wrap="wrap" data-testid="filter-row">
            <Text size="sm" c="dimmed" w={40} ta="right">
              {index === 0 ? "Where" : state.mode === "all" ? "and" : "or"}
            </Text>
            <Select
              aria-label="Field"
              data={fieldOptions}
              searchable
              allowDeselect={false}
              value={row.field}
              onChange={(key) => {
                const next = fields.find((f) => f.key === key);
                if (next) updateRow(row.id, { ...newRow(next), id: row.id });
              }}
              w={200}
            />
            <Select
              aria-label="Operator"
              data={operatorsFor(type).map((o) => ({ value: o.value, label: o.label }))}
              allowDeselect={false}
              value={row.op}
              onChange={(op) => {
                if (!op) return;
                const before = operatorInfo(type, row.op)?.input;
                const after = operatorInfo(type, op as FilterRow["op"])?.input;
                // Keep the value while its kind fits the new operator.
                const keep = before === after || (type === "boolean" && after === "single");
                updateRow(row.id, { op: op as FilterRow["op"], value: keep ? row.value : type === "boolean" ? true : null });
              }}
              w={190}
            />
            {field && <ValueInput row={row} field={field} users={users} onChange={(v) => updateRow(row.id, { value: v })} />}
            <ActionIcon
              variant="subtle"
              color="gray"
              aria-label="Remove condition"
              onClick={() => commit(state.mode, state.rows.filter((r) => r.id !== row.id))}
            >
              <IconTrash size={16} />
            </ActionIcon>
          </Group>
        );
      })}
      <Group gap="xs">
        <Button
          size="xs"
          variant="light"
          leftSection={<IconPlus size={14} />}
          disabled={!fields.length}
          onClick={() => commit(state.mode, [...state.rows, newRow(fields[0]!)])}
        >
          Add condition
        </Button>
        {state.rows.length > 0 && (
          <Button size="xs" variant="subtle" color="gray" onClick={() => commit(state.mode, [])}>
            Clear filters
          </Button>
        )}
      </Group>
    </Stack>
  );
}
