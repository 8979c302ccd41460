import { Button, Checkbox, Group, SegmentedControl, Stack, Text } from "@mantine/core";
import { notifications } from "@mantine/notifications";
import { IconDownload, IconPlus } from "@tabler/icons-react";
import { useState } from "react";
import { errorMessage } from "../../api/errors";
import { downloadText } from "../../components/download";
import { PageHeader } from "../../components/PageHeader";
import { CardSkeleton, EmptyState, ErrorState } from "../../components/states";
import { AccountPicker } from "../accounts/AccountPicker";
import { useExportTasks, useTasks } from "./queries";
import { TaskFormModal } from "./TaskFormModal";
import { TaskTable } from "./TaskTable";
import { taskListQuery, type TaskTab } from "./tasks";

const PAGE = 50;

/** My tasks, my team's, overdue ones and an account's: regular, alert and playbook tasks. */
export function TasksPage() {
  const [tab, setTab] = useState<TaskTab>("mine");
  const [accountId, setAccountId] = useState<string | null>(null);
  const [showClosed, setShowClosed] = useState(false);
  const [offset, setOffset] = useState(0);
  const [creating, setCreating] = useState(false);
  const query = taskListQuery(tab, { accountId, showClosed, limit: PAGE, offset });
  const tasks = useTasks(query);
  const exportCsv = useExportTasks();
  const items = tasks.data?.items ?? [];
  const total = tasks.data?.total ?? 0;
  const download = () =>
    query &&
    exportCsv.mutate(query, {
      onSuccess: (text) => downloadText(text, "tasks.csv", "text/csv"),
      onError: (error) => notifications.show({ color: "red", title: "Could not export", message: errorMessage(error) }),
    });

  return (
    <Stack gap="lg">
      <PageHeader
        title="Tasks"
        description="Your tasks, your team's and every task on the accounts you may see."
        actions={
          <Group gap="xs">
            <Button variant="default" leftSection={<IconDownload size={16} />} onClick={download} disabled={!query} loading={exportCsv.isPending}>
              Export CSV
            </Button>
            <Button leftSection={<IconPlus size={16} />} onClick={() => setCreating(true)} data-testid="task-new">
              New task
            </Button>
          </Group>
        }
      />
      <Group>
        <SegmentedControl
          value={tab}
          onChange={(v) => {
            setTab(v as TaskTab);
            setOffset(0);
          }}
          data={[
            { value: "mine", label: "My tasks" },
            { value: "team", label: "My team's" },
            { value: "overdue", label: "Overdue" },
            { value: "account", label: "By account" },
            { value: "all", label: "All" },
          ]}
          data-testid="tasks-tab"
        />
        {tab === "account" && <AccountPicker placeholder="Account" value={accountId} onChange={setAccountId} w={260} />}
        {tab !== "overdue" && <Checkbox label="Show closed" checked={showClosed} onChange={(e) => setShowClosed(e.currentTarget.checked)} />}
      </Group>
      {!query ? (
        <EmptyState title="Pick an account" description="Its tasks are listed here." />
      ) : tasks.isError ? (
        <ErrorState error={tasks.error} onRetry={() => void tasks.refetch()} title="Could not load tasks" />
      ) : tasks.isPending ? (
        <CardSkeleton />
      ) : items.length === 0 ? (
        <EmptyState title="No tasks" description="Nothing matches this view." />
      ) : (
        <TaskTable tasks={items} />
      )}
      {total > PAGE && (
        <Group justify="space-between">
          <Text size="sm" c="dimmed">
            {offset + 1}–{Math.min(offset + PAGE, total)} of {total}
          </Text>
          <Group gap="xs">
            <Button size="xs" variant="default" disabled={offset === 0} onClick={() => setOffset(offset - PAGE)}>
              Previous
            </Button>
            <Button size="xs" variant="default" disabled={offset + PAGE >= total} onClick={() => setOffset(offset + PAGE)}>
              Next
            </Button>
          </Group>
        </Group>
      )}
      {creating && <TaskFormModal onClose={() => setCreating(false)} />}
    </Stack>
  );
}
