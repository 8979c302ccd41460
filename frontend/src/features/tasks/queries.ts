import { keepPreviousData, useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { api, unwrap } from "../../api/client";
import type { components } from "../../api/gen/schema";
import type { TaskListQuery, TaskOutcome } from "./tasks";

export type TaskCreate = components["schemas"]["TaskCreate"];

const all = ["tasks"] as const;

export function useTasks(query: TaskListQuery | null) {
  return useQuery({
    enabled: query !== null,
    queryKey: ["tasks", "listTasks", query],
    queryFn: ({ signal }) => unwrap(api.GET("/api/v1/tasks", { params: { query: query! }, signal })),
    placeholderData: keepPreviousData,
  });
}

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
