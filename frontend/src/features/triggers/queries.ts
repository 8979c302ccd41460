import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { api, unwrap } from "../../api/client";
import type { AttributeTriggerWrite } from "../../api/types";

export const triggerKeys = {
  list: ["listAttributeTriggers"] as const,
};

export function useAttributeTriggers() {
  return useQuery({
    queryKey: triggerKeys.list,
    queryFn: ({ signal }) => unwrap(api.GET("/api/v1/attribute-triggers", { signal })),
  });
}

function useInvalidate() {
  const queryClient = useQueryClient();
  return () => void queryClient.invalidateQueries({ queryKey: triggerKeys.list });
}

export function useCreateAttributeTrigger() {
  const invalidate = useInvalidate();
  return useMutation({
    mutationFn: (body: AttributeTriggerWrite) => unwrap(api.POST("/api/v1/attribute-triggers", { body })),
    onSuccess: invalidate,
  });
}

export function useUpdateAttributeTrigger() {
  const invalidate = useInvalidate();
  return useMutation({
    mutationFn: ({ id, body }: { id: string; body: AttributeTriggerWrite }) =>
      unwrap(api.PUT("/api/v1/attribute-triggers/{trigger_id}", { params: { path: { trigger_id: id } }, body })),
    onSuccess: invalidate,
  });
}

export function useDeleteAttributeTrigger() {
  const invalidate = useInvalidate();
  return useMutation({
    mutationFn: (id: string) =>
      unwrap(api.DELETE("/api/v1/attribute-triggers/{trigger_id}", { params: { path: { trigger_id: id } } })),
    onSuccess: invalidate,
  });
}

/** Run every active trigger now (the server answers 202 and works in the background). */
export function useRunAttributeTriggers() {
  return useMutation({
    mutationFn: () => unwrap(api.POST("/api/v1/attribute-triggers/run")),
  });
}
