import {
  ActionIcon,
  Alert,
  Button,
  Card,
  Checkbox,
  Group,
  MultiSelect,
  NumberInput,
  Select,
  SegmentedControl,
  Stack,
  Text,
  TextInput,
} from "@mantine/core";
import { IconLock, IconPlus, IconTrash } from "@tabler/icons-react";
import { useEffect, useRef, useState } from "react";
import type { AccountField, FilterCondition } from "../../api/types";
import { describeCondition } from "./conditionText";
import {
  blankRow,
  comparableFields,
  fieldOperatorsFor,
  fieldType,
  filterToRows,
  incompleteCount,
  MAX_DAYS,
  missingPart,
  newGroup,
  newRow,
  operatorInfo,
  operatorsFor,
  stateToFilter,
  type BuilderState,
  type CompareTarget,
  type FilterGroup,
  type FilterMode,
  type FilterRow,
  type LockedCondition,
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
        max={MAX_DAYS}
        allowDecimal={false}
        clampBehavior="none"
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

/** One condition: field, operator, and a value (or another field to compare with). */
function ConditionRow({
  row,
  label,
  fields,
  users,
  onChange,
  onRemove,
}: {
  row: FilterRow;
  label: string;
  fields: AccountField[];
  users: UserOption[];
  onChange: (row: FilterRow) => void;
  onRemove: () => void;
}) {
  const field = fields.find((f) => f.key === row.field);
  const type = fieldType(field);
  const againstField = row.against === "field";
  const others = comparableFields(field, fields);
  const update = (patch: Partial<FilterRow>) => onChange({ ...row, ...patch });
  const operators = againstField ? fieldOperatorsFor(type) : operatorsFor(type);
  const missing = missingPart(row, fields);
  // Wide enough for the longest operator ("within the next … days"), never cut.
  const operatorWidth = `calc(${Math.max(...operators.map((o) => o.label.length))}ch + 44px)`;

  const setAgainst = (against: CompareTarget) => {
    if (against === "field") {
      const op = fieldOperatorsFor(type).find((o) => o.value === row.op)?.value ?? fieldOperatorsFor(type)[0]!.value;
      update({ against, op, value: null, other: null });
    } else {
      update({ ...newRow(field!), id: row.id });
    }
  };

  return (
    <Group gap="xs" wrap="wrap" data-testid="filter-row" data-incomplete={missing ? "true" : undefined}>
      <Text size="sm" c="dimmed" w={40} ta="right">
        {label}
      </Text>
      <Select
        aria-label="Field"
        placeholder="Pick a field"
        data={fields.map((f) => ({ value: f.key, label: f.label }))}
        searchable
        allowDeselect={false}
        value={field ? row.field : null}
        error={!field}
        onChange={(key) => {
          const next = fields.find((f) => f.key === key);
          if (next) onChange({ ...newRow(next), id: row.id });
        }}
        w={200}
      />
      {field && (
        <Select
          aria-label="Operator"
          data={operators.map((o) => ({ value: o.value, label: o.label }))}
          allowDeselect={false}
          value={row.op}
          onChange={(op) => {
            if (!op) return;
            if (againstField) return update({ op: op as FilterRow["op"] });
            const before = operatorInfo(type, row.op)?.input;
            const after = operatorInfo(type, op as FilterRow["op"])?.input;
            // Keep the value while its kind fits the new operator.
            const keep = before === after || (type === "boolean" && after === "single");
            update({ op: op as FilterRow["op"], value: keep ? row.value : type === "boolean" ? true : null });
          }}
          w={operatorWidth}
          comboboxProps={{ width: "max-content" }}
        />
      )}
      {field && others.length > 0 && (againstField || operatorInfo(type, row.op)?.input !== "none") && (
        <SegmentedControl
          size="xs"
          aria-label={`Compare ${field?.label ?? "the field"} with`}
          data={[
            { value: "value", label: "value" },
            { value: "field", label: "field" },
          ]}
          value={againstField ? "field" : "value"}
          onChange={(against) => setAgainst(against as CompareTarget)}
        />
      )}
      {againstField ? (
        <Select
          aria-label={`Other field for ${field?.label ?? row.field}`}
          placeholder="Pick a field"
          data={others.map((f) => ({ value: f.key, label: f.label }))}
          searchable
          value={row.other ?? null}
          onChange={(other) => update({ other })}
          w={200}
        />
      ) : (
        field && <ValueInput row={row} field={field} users={users} onChange={(v) => update({ value: v })} />
      )}
      <ActionIcon variant="subtle" color="gray" aria-label="Remove condition" onClick={onRemove}>
        <IconTrash size={16} />
      </ActionIcon>
      {missing && (
        <Text size="xs" c="orange.8" data-testid="filter-row-incomplete">
          {missing}: not applied yet
        </Text>
      )}
    </Group>
  );
}

/** A saved condition the builder cannot edit, in words: it stays in the filter as it is, unless removed. */
function LockedConditionCard({ locked, fields, users, onRemove }: { locked: LockedCondition; fields: AccountField[]; users: UserOption[]; onRemove: () => void }) {
  const userName = (id: string) => users.find((u) => u.value === id)?.label;
  return (
    <Card withBorder radius="md" p="sm" style={{ flex: 1 }} bg="gray.0" data-testid="filter-locked">
      <Group gap="xs" justify="space-between" align="flex-start" wrap="nowrap">
        <Group gap="xs" align="flex-start" wrap="nowrap">
          <IconLock size={16} style={{ flexShrink: 0, marginTop: 2 }} color="var(--mantine-color-gray-6)" />
          <Stack gap={2}>
            <Text size="sm">{describeCondition(locked.condition, fields, userName)}</Text>
            <Text size="xs" c="dimmed">
              This condition has nested groups the builder cannot edit; it applies as saved. Remove it to build a new one.
            </Text>
          </Stack>
        </Group>
        <Button size="xs" variant="subtle" color="gray" onClick={onRemove}>
          Remove
        </Button>
      </Group>
    </Card>
  );
}

function ModeControl({ mode, label, onChange }: { mode: FilterMode; label: string; onChange: (mode: FilterMode) => void }) {
  return (
    <SegmentedControl
      size="xs"
      aria-label={label}
      data={[
        { value: "all", label: "All" },
        { value: "any", label: "Any" },
      ]}
      value={mode}
      onChange={(next) => onChange(next as FilterMode)}
    />
  );
}

/**
 * Builds a filter in the API's condition language: rows of field / operator / value (or another
 * field), and bracketed groups that can be negated, joined by All or Any. Emits the filter (only
 * complete conditions) on every change; null when there is none. A saved condition nested deeper
 * than a group is shown read-only and emitted unchanged (alert rules, triggers and segments are
 * written through the API too, and a view's filter may come from a link).
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
  const [state, setState] = useState<BuilderState>(() => filterToRows(value));
  const lastEmitted = useRef<string>(JSON.stringify(value));

  // The filter changed from outside (back/forward, a cleared URL): show it.
  useEffect(() => {
    const incoming = JSON.stringify(value);
    if (incoming !== lastEmitted.current) {
      lastEmitted.current = incoming;
      setState(filterToRows(value));
    }
  }, [value]);

  const commit = (next: BuilderState) => {
    setState(next);
    const filter = stateToFilter(next, fields);
    const serialized = JSON.stringify(filter);
    if (serialized !== lastEmitted.current) {
      lastEmitted.current = serialized;
      onChange(filter);
    }
  };

  const setRows = (rows: FilterRow[]) => commit({ ...state, rows });
  const setGroup = (id: string, patch: Partial<FilterGroup>) =>
    commit({ ...state, groups: state.groups.map((group) => (group.id === id ? { ...group, ...patch } : group)) });
  const joiner = (mode: FilterMode, index: number) => (index === 0 ? "Where" : mode === "all" ? "and" : "or");
  const count = state.rows.length + state.groups.length + state.locked.length;
  const incomplete = incompleteCount(state, fields);

  return (
    <Stack gap="xs" data-testid="filter-builder">
      {count > 1 && (
        <Group gap="xs">
          <Text size="sm" c="dimmed">
            Match
          </Text>
          <ModeControl mode={state.mode} label="Match all or any condition" onChange={(mode) => commit({ ...state, mode })} />
          <Text size="sm" c="dimmed">
            of these conditions
          </Text>
        </Group>
      )}
      {state.rows.map((row, index) => (
        <ConditionRow
          key={row.id}
          row={row}
          label={joiner(state.mode, index)}
          fields={fields}
          users={users}
          onChange={(next) => setRows(state.rows.map((r) => (r.id === row.id ? next : r)))}
          onRemove={() => setRows(state.rows.filter((r) => r.id !== row.id))}
        />
      ))}
      {state.groups.map((group, index) => (
        <Group key={group.id} gap="xs" align="flex-start" wrap="nowrap">
          <Text size="sm" c="dimmed" w={40} ta="right" mt={8}>
            {joiner(state.mode, state.rows.length + index)}
          </Text>
          <Card withBorder radius="md" p="sm" style={{ flex: 1 }} data-testid="filter-group">
            <Stack gap="xs">
              <Group gap="xs" justify="space-between">
                <Group gap="xs">
                  <Checkbox
                    label="Exclude"
                    aria-label="Exclude the accounts this group matches"
                    checked={group.negate}
                    onChange={(event) => setGroup(group.id, { negate: event.currentTarget.checked })}
                  />
                  <Text size="sm" c="dimmed">
                    accounts matching
                  </Text>
                  <ModeControl mode={group.mode} label="Match all or any condition in the group" onChange={(mode) => setGroup(group.id, { mode })} />
                  <Text size="sm" c="dimmed">
                    of:
                  </Text>
                </Group>
                <Button
                  size="xs"
                  variant="subtle"
                  color="gray"
                  onClick={() => commit({ ...state, groups: state.groups.filter((g) => g.id !== group.id) })}
                >
                  Remove group
                </Button>
              </Group>
              {group.rows.map((row, rowIndex) => (
                <ConditionRow
                  key={row.id}
                  row={row}
                  label={joiner(group.mode, rowIndex)}
                  fields={fields}
                  users={users}
                  onChange={(next) => setGroup(group.id, { rows: group.rows.map((r) => (r.id === row.id ? next : r)) })}
                  onRemove={() => setGroup(group.id, { rows: group.rows.filter((r) => r.id !== row.id) })}
                />
              ))}
              <Group>
                <Button
                  size="xs"
                  variant="subtle"
                  leftSection={<IconPlus size={14} />}
                  disabled={!fields.length}
                  onClick={() => setGroup(group.id, { rows: [...group.rows, blankRow()] })}
                >
                  Add condition to group
                </Button>
              </Group>
            </Stack>
          </Card>
        </Group>
      ))}
      {state.locked.map((locked, index) => (
        <Group key={locked.id} gap="xs" align="flex-start" wrap="nowrap">
          <Text size="sm" c="dimmed" w={40} ta="right" mt={8}>
            {joiner(state.mode, state.rows.length + state.groups.length + index)}
          </Text>
          <LockedConditionCard
            locked={locked}
            fields={fields}
            users={users}
            onRemove={() => commit({ ...state, locked: state.locked.filter((l) => l.id !== locked.id) })}
          />
        </Group>
      ))}
      {incomplete > 0 && (
        <Alert color="orange" variant="light" p="xs" data-testid="filter-incomplete">
          <Text size="sm">
            {incomplete === 1 ? "1 condition is" : `${incomplete} conditions are`} incomplete and not applied: {incomplete === 1 ? "it is" : "they are"}{" "}
            left out until finished or removed.
          </Text>
        </Alert>
      )}
      <Group gap="xs">
        <Button
          size="xs"
          variant="light"
          leftSection={<IconPlus size={14} />}
          disabled={!fields.length}
          onClick={() => setRows([...state.rows, blankRow()])}
        >
          Add condition
        </Button>
        <Button
          size="xs"
          variant="subtle"
          leftSection={<IconPlus size={14} />}
          disabled={!fields.length}
          onClick={() => commit({ ...state, groups: [...state.groups, newGroup()] })}
        >
          Add group
        </Button>
        {count > 0 && (
          <Button size="xs" variant="subtle" color="gray" onClick={() => commit({ ...state, rows: [], groups: [], locked: [] })}>
            Clear filters
          </Button>
        )}
      </Group>
    </Stack>
  );
}
