import { Button, Group, SegmentedControl, Select, Stack, TagsInput, Text } from "@mantine/core";
import { notifications } from "@mantine/notifications";
import { IconDownload, IconPlus } from "@tabler/icons-react";
import { useEffect, useState } from "react";
import { errorMessage } from "../../api/errors";
import { downloadText } from "../../components/download";
import { PageHeader } from "../../components/PageHeader";
import { CardSkeleton, EmptyState, ErrorState } from "../../components/states";
import { AccountPicker } from "../accounts/AccountPicker";
import { useCan } from "../auth/queries";
import { useExportTasks, useTaskGroups, useTasks, useTaskViews } from "./queries";
import { TaskFormModal } from "./TaskFormModal";
import { TaskGroupList } from "./TaskGroupList";
import { TaskTable } from "./TaskTable";
import { TaskViewPicker } from "./TaskViewPicker";
import {
  builtIn,
  DUE_WINDOWS,
  GROUP_BY,
  INITIAL_STATE,
  PRIORITIES,
  stateOfView,
  TABS,
  taskListQuery,
  TYPES,
  viewFilters,
  type DueWindow,
  type TaskGroupBy,
  type TaskPageState,
  type TaskPriority,
  type TaskStatus,
  type TaskTab,
  type TaskType,
  type TaskViewRead,
} from "./tasks";

const PAGE = 50;

/** My tasks, my team's, overdue ones and an account's, filtered and grouped; saved as views, one
 * of them the page's default. */
export function TasksPage() {
  const [state, setState] = useState<TaskPageState>(INITIAL_STATE);
  const [viewId, setViewId] = useState<string | null>(null);
  const [defaultApplied, setDefaultApplied] = useState(false);
  const [offset, setOffset] = useState(0);
  const [creating, setCreating] = useState(false);
  const canWork = useCan()("update_accounts");
  const views = useTaskViews();
  const selected = views.data?.find((v) => v.id === viewId) ?? null;

  // The page opens with the user's default view, once it is known.
  useEffect(() => {
    if (defaultApplied || !views.data) return;
    const preferred = views.data.find((v) => v.is_default);
    if (preferred) {
      setState(stateOfView(preferred));
      setViewId(preferred.id);
    }
    setDefaultApplied(true);
  }, [views.data, defaultApplied]);

  // Whatever the user picks first wins over a default view that arrives later.
  const change = (patch: Partial<TaskPageState>) => {
    setState((s) => ({ ...s, ...patch }));
    setOffset(0);
    setDefaultApplied(true);
  };
  const open = (view: TaskViewRead) => {
    setState(stateOfView(view));
    setViewId(view.id);
    setOffset(0);
    setDefaultApplied(true);
  };
  const openBuiltIn = (tab: TaskTab) => {
    setState(builtIn(tab));
    setViewId(null);
    setOffset(0);
    setDefaultApplied(true);
  };

  const query = taskListQuery(state, { limit: PAGE, offset });
  const grouped = state.groupBy !== null;
  const tasks = useTasks(grouped ? null : query);
  const groups = useTaskGroups(grouped ? query : null, state.groupBy);
  const exportCsv = useExportTasks();
  const items = tasks.data?.items ?? [];
  const total = tasks.data?.total ?? 0;
  const download = () =>
    query &&
    exportCsv.mutate(query, {
      onSuccess: (text) => downloadText(text, "tasks.csv", "text/csv"),
      onError: (error) => notifications.show({ color: "red", title: "Could not export", message: errorMessage(error) }),
    });

  const list = grouped ? groups : tasks;
  const empty = grouped ? (groups.data?.groups.length ?? 0) === 0 : items.length === 0;

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
            {canWork && (
              <Button leftSection={<IconPlus size={16} />} onClick={() => setCreating(true)} data-testid="task-new">
                New task
              </Button>
            )}
          </Group>
        }
      />
      <TaskViewPicker
        current={{ filters: viewFilters(state), group_by: state.groupBy }}
        selected={selected}
        onBuiltIn={openBuiltIn}
        onOpen={open}
        onDeleted={() => openBuiltIn("mine")}
      />
      <Group>
        {/* The built-in views: picking one leaves a saved view and its filters. While a saved view
            is open no tab is selected, so any of them (its own tab too) can be picked to leave it. */}
        <SegmentedControl value={viewId ? "" : state.tab} onChange={(v) => openBuiltIn(v as TaskTab)} data={TABS} data-testid="tasks-tab" />
        {state.tab === "account" && <AccountPicker placeholder="Account" value={state.accountId} onChange={(accountId) => change({ accountId })} w={260} />}
      </Group>
      <Group gap="xs">
        {state.tab !== "overdue" && (
          <Select
            aria-label="Status"
            placeholder="Open or closed"
            clearable
            w={150}
            value={state.status}
            onChange={(v) => change({ status: v as TaskStatus | null })}
            data={[
              { value: "open", label: "Open" },
              { value: "closed", label: "Closed" },
            ]}
            data-testid="tasks-status"
          />
        )}
        <Select aria-label="Priority" placeholder="Any priority" clearable w={150} value={state.priority} onChange={(v) => change({ priority: v as TaskPriority | null })} data={PRIORITIES} />
        <Select aria-label="Type" placeholder="Any type" clearable w={140} value={state.type} onChange={(v) => change({ type: v as TaskType | null })} data={TYPES} />
        <Select
          aria-label="Due"
          placeholder="Any due date"
          clearable
          w={220}
          value={state.due}
          onChange={(v) => change({ due: v as DueWindow | null })}
          data={DUE_WINDOWS}
          data-testid="tasks-due"
        />
        <TagsInput aria-label="Tags" placeholder="Any tag" w={200} value={state.tags} onChange={(tags) => change({ tags })} data-testid="tasks-tags" />
        <Select
          aria-label="Group by"
          placeholder="No grouping"
          clearable
          w={200}
          value={state.groupBy}
          onChange={(v) => change({ groupBy: v as TaskGroupBy | null })}
          data={GROUP_BY.map((g) => ({ value: g.value, label: `Group by ${g.label.toLowerCase()}` }))}
          data-testid="tasks-group-by"
        />
      </Group>
      {!query ? (
        <EmptyState title="Pick an account" description="Its tasks are listed here." />
      ) : list.isError ? (
        <ErrorState error={list.error} onRetry={() => void list.refetch()} title="Could not load tasks" />
      ) : list.isPending ? (
        <CardSkeleton />
      ) : empty ? (
        <EmptyState title="No tasks" description="Nothing matches this view." />
      ) : grouped && groups.data ? (
        <TaskGroupList groups={groups.data} />
      ) : (
        <TaskTable tasks={items} />
      )}
      {!grouped && total > PAGE && (
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
