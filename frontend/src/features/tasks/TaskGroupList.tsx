import { Badge, Group, Stack, Text, UnstyledButton } from "@mantine/core";
import { IconChevronDown, IconChevronRight } from "@tabler/icons-react";
import { useState } from "react";
import { TaskTable } from "./TaskTable";
import type { TaskGroups } from "./tasks";

/** A grouped task list: each group's header with its count, collapsible, above its first tasks. */
export function TaskGroupList({ groups }: { groups: TaskGroups }) {
  const [collapsed, setCollapsed] = useState<string[]>([]);
  const keyOf = (key: string | null | undefined) => key ?? "";
  const toggle = (key: string) => setCollapsed((c) => (c.includes(key) ? c.filter((k) => k !== key) : [...c, key]));
  return (
    <Stack gap="md" data-testid="task-groups">
      {groups.groups.map((group) => {
        const key = keyOf(group.key);
        const open = !collapsed.includes(key);
        return (
          <Stack key={key} gap="xs" data-testid="task-group">
            <UnstyledButton onClick={() => toggle(key)} aria-expanded={open} data-testid="task-group-header">
              <Group gap="xs">
                {open ? <IconChevronDown size={16} /> : <IconChevronRight size={16} />}
                <Text fw={600}>{group.label}</Text>
                <Badge variant="light" color="gray" data-testid="task-group-count">
                  {group.count}
                </Badge>
              </Group>
            </UnstyledButton>
            {open && (
              <Stack gap={4}>
                <TaskTable tasks={group.items} />
                {group.count > group.items.length && (
                  <Text size="xs" c="dimmed">
                    Showing the first {group.items.length} of {group.count}.
                  </Text>
                )}
              </Stack>
            )}
          </Stack>
        );
      })}
      {groups.group_count > groups.groups.length && (
        <Text size="sm" c="dimmed">
          Showing the first {groups.groups.length} of {groups.group_count} groups.
        </Text>
      )}
    </Stack>
  );
}
