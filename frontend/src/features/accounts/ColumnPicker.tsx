import { ActionIcon, Anchor, Button, Group, Popover, Select, Stack, Text } from "@mantine/core";
import { useEffect, useRef, useState } from "react";
import { IconArrowDown, IconArrowUp, IconColumns, IconX } from "@tabler/icons-react";
import type { AccountField } from "../../api/types";
import { DEFAULT_COLUMNS, moveColumn, resolveColumns } from "./columns";

/** Choose the explorer's columns: add, remove and reorder; the view saves the choice. */
export function ColumnPicker({
  fields,
  value,
  onChange,
}: {
  fields: AccountField[] | undefined;
  value: string[];
  onChange: (columns: string[]) => void;
}) {
  // The page keeps the columns in the URL, which updates in a transition: clicks faster than it
  // build on the previous click (the draft), and the URL's echoes of them do not undo later ones.
  const [draft, setDraft] = useState(value);
  const sent = useRef<string[]>([]);
  const valueKey = value.join(",");
  useEffect(() => {
    const echo = sent.current.indexOf(valueKey);
    if (echo === -1) {
      sent.current = [];
      setDraft(value);
    } else sent.current = sent.current.slice(echo + 1);
  }, [valueKey]); // eslint-disable-line react-hooks/exhaustive-deps
  const change = (next: string[]) => {
    sent.current.push(next.join(","));
    setDraft(next);
    onChange(next);
  };
  const columns = resolveColumns(draft, fields);
  const keys = columns.map((column) => column.key);
  const available = (fields ?? []).filter((field) => !keys.includes(field.key)).map((f) => ({ value: f.key, label: f.label }));
  const isDefault = keys.join(",") === DEFAULT_COLUMNS.join(",");

  return (
    <Popover position="bottom-end" width={300} shadow="md" trapFocus>
      <Popover.Target>
        <Button variant="default" leftSection={<IconColumns size={16} />} data-testid="columns-menu">
          Columns
        </Button>
      </Popover.Target>
      <Popover.Dropdown data-testid="column-picker">
        <Stack gap={6}>
          <Text size="xs" tt="uppercase" fw={700} c="dimmed">
            Shown columns
          </Text>
          {columns.map((column, index) => (
            <Group key={column.key} gap={4} wrap="nowrap" justify="space-between" data-testid="picked-column">
              <Text size="sm" truncate>
                {(fields ?? []).find((f) => f.key === column.key)?.label ?? column.label}
              </Text>
              <Group gap={2} wrap="nowrap">
                <ActionIcon
                  size="sm"
                  variant="subtle"
                  color="gray"
                  aria-label={`Move ${column.label} up`}
                  disabled={index === 0}
                  onClick={() => change(moveColumn(keys, column.key, -1))}
                >
                  <IconArrowUp size={14} />
                </ActionIcon>
                <ActionIcon
                  size="sm"
                  variant="subtle"
                  color="gray"
                  aria-label={`Move ${column.label} down`}
                  disabled={index === columns.length - 1}
                  onClick={() => change(moveColumn(keys, column.key, 1))}
                >
                  <IconArrowDown size={14} />
                </ActionIcon>
                <ActionIcon
                  size="sm"
                  variant="subtle"
                  color="red"
                  aria-label={`Remove column ${column.label}`}
                  // The table needs at least one column.
                  disabled={columns.length === 1}
                  onClick={() => change(keys.filter((key) => key !== column.key))}
                >
                  <IconX size={14} />
                </ActionIcon>
              </Group>
            </Group>
          ))}
          <Select
            aria-label="Add column"
            placeholder="Add a column…"
            data={available}
            searchable
            value={null}
            onChange={(key) => key && change([...keys, key])}
            comboboxProps={{ withinPortal: false }}
            nothingFoundMessage="No more fields"
            mt={4}
          />
          {!isDefault && (
            <Anchor component="button" size="xs" c="dimmed" ta="left" onClick={() => change(DEFAULT_COLUMNS)}>
              Reset to the default columns
            </Anchor>
          )}
        </Stack>
      </Popover.Dropdown>
    </Popover>
  );
}
