import { keepPreviousData, useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { api, unwrap } from "../../api/client";
import type { components } from "../../api/gen/schema";
import type { TaskGroupBy, TaskListQuery, TaskOutcome, TaskViewWrite } from "./tasks";

export type TaskCreate = components["schemas"]["TaskCreate"];
export type TaskUpdate = components["schemas"]["TaskUpdate"];

const all = ["tasks"] as const;

export function useTasks(query: TaskListQuery | null) {
  return useQuery({
    enabled: query !== null,
    queryKey: ["tasks", "listTasks", query],
    queryFn: ({ signal }) => unwrap(api.GET("/api/v1/tasks", { params: { query: query! }, signal })),
    placeholderData: keepPreviousData,
  });
}

/** The same tasks in groups: each group's count (from the database) and its first tasks. */
export function useTaskGroups(query: TaskListQuery | null, groupBy: TaskGroupBy | null) {
  return useQuery({
    enabled: query !== null && groupBy !== null,
    queryKey: ["tasks", "listTaskGroups", query, groupBy],
    queryFn: ({ signal }) => {
      const { limit: _limit, offset: _offset, ...filters } = query!;
      return unwrap(api.GET("/api/v1/tasks/groups", { params: { query: { ...filters, group_by: groupBy! } }, signal }));
    },
    placeholderData: keepPreviousData,
  });
}

const views = ["task-views"] as const;

export function useTaskViews() {
  return useQuery({
    queryKey: [...views, "listTaskViews"],
    queryFn: ({ signal }) => unwrap(api.GET("/api/v1/task-views", { signal })),
  });
}

function useViewMutation<T, R>(fn: (body: T) => Promise<R>) {
  const client = useQueryClient();
  return useMutation({ mutationFn: fn, onSuccess: () => client.invalidateQueries({ queryKey: views }) });
}

const viewPath = (id: string) => ({ params: { path: { view_id: id } } });

export const useCreateTaskView = () => useViewMutation((body: TaskViewWrite) => unwrap(api.POST("/api/v1/task-views", { body })));

export const useDeleteTaskView = () => useViewMutation((id: string) => unwrap(api.DELETE("/api/v1/task-views/{view_id}", viewPath(id))));

export const useSetDefaultTaskView = () =>
  useViewMutation((id: string) => unwrap(api.PUT("/api/v1/task-views/{view_id}/default", viewPath(id))));

export const useClearDefaultTaskView = () => useViewMutation(() => unwrap(api.DELETE("/api/v1/task-views/default")));

function useTaskMutation<T, R>(fn: (body: T) => Promise<R>) {
  const client = useQueryClient();
  return useMutation({
    mutationFn: fn,
    onSuccess: () => {
      void client.invalidateQueries({ queryKey: all });
      // An alert task's alert closes with it.
      void client.invalidateQueries({ queryKey: ["alerts"] });
    },
  });
}

const taskPath = (id: string) => ({ params: { path: { task_id: id } } });

export const useCreateTask = () => useTaskMutation((body: TaskCreate) => unwrap(api.POST("/api/v1/tasks", { body })));

export const useUpdateTask = () =>
  useTaskMutation(({ id, body }: { id: string; body: TaskUpdate }) => unwrap(api.PATCH("/api/v1/tasks/{task_id}", { ...taskPath(id), body })));

export const useCloseTask = () =>
  useTaskMutation(({ id, outcome }: { id: string; outcome: TaskOutcome | null }) =>
    unwrap(api.POST("/api/v1/tasks/{task_id}/close", { ...taskPath(id), body: { outcome } })),
  );

export const useReopenTask = () => useTaskMutation((id: string) => unwrap(api.POST("/api/v1/tasks/{task_id}/reopen", taskPath(id))));

export const useDeleteTask = () => useTaskMutation((id: string) => unwrap(api.DELETE("/api/v1/tasks/{task_id}", taskPath(id))));

/** The tasks of a list query as CSV text. */
export function useExportTasks() {
  return useMutation({
    mutationFn: async (query: TaskListQuery) => {
      const { limit: _limit, offset: _offset, ...filters } = query;
      return String(await unwrap(api.GET("/api/v1/tasks/export", { params: { query: filters }, parseAs: "text" })));
    },
  });
}
