import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { api, unwrap } from "../../api/client";
import type { CustomFieldCreate, CustomFieldUpdate, StageWrite } from "../../api/types";
import { accountKeys, viewKeys } from "../accounts/queries";

export const settingsKeys = {
  tiers: ["listTiers"] as const,
  stages: ["listLifecycleStages"] as const,
  customFields: ["listCustomFields"] as const,
};

export function useTiers() {
  return useQuery({
    queryKey: settingsKeys.tiers,
    queryFn: ({ signal }) => unwrap(api.GET("/api/v1/tiers", { signal })),
    staleTime: 60_000,
  });
}

export function useStages() {
  return useQuery({
    queryKey: settingsKeys.stages,
    queryFn: ({ signal }) => unwrap(api.GET("/api/v1/lifecycle-stages", { signal })),
    staleTime: 60_000,
  });
}

export function useCustomFields() {
  return useQuery({
    queryKey: settingsKeys.customFields,
    queryFn: ({ signal }) => unwrap(api.GET("/api/v1/custom-fields", { signal })),
    staleTime: 60_000,
  });
}

export type Ladder = "tiers" | "stages";

function useInvalidate(key: readonly unknown[]) {
  const queryClient = useQueryClient();
  return () => {
    void queryClient.invalidateQueries({ queryKey: key });
    // Filters list tier, stage and custom field options; lists show their names.
    void queryClient.invalidateQueries({ queryKey: accountKeys.fields });
    void queryClient.invalidateQueries({ queryKey: accountKeys.queries });
  };
}

/** Create, rename/reorder and delete tiers or lifecycle stages (the same shape). */
export function useLadderMutations(ladder: Ladder) {
  const invalidate = useInvalidate(ladder === "tiers" ? settingsKeys.tiers : settingsKeys.stages);
  const create = useMutation({
    mutationFn: (body: StageWrite) =>
      ladder === "tiers"
        ? unwrap(api.POST("/api/v1/tiers", { body }))
        : unwrap(api.POST("/api/v1/lifecycle-stages", { body })),
    onSuccess: invalidate,
  });
  const update = useMutation({
    mutationFn: ({ id, body }: { id: string; body: StageWrite }) =>
      ladder === "tiers"
        ? unwrap(api.PUT("/api/v1/tiers/{tier_id}", { params: { path: { tier_id: id } }, body }))
        : unwrap(api.PUT("/api/v1/lifecycle-stages/{stage_id}", { params: { path: { stage_id: id } }, body })),
    onSuccess: invalidate,
  });
  const remove = useMutation({
    mutationFn: (id: string) =>
      ladder === "tiers"
        ? unwrap(api.DELETE("/api/v1/tiers/{tier_id}", { params: { path: { tier_id: id } } }))
        : unwrap(api.DELETE("/api/v1/lifecycle-stages/{stage_id}", { params: { path: { stage_id: id } } })),
    onSuccess: invalidate,
  });
  return { create, update, remove };
}

export function useCreateCustomField() {
  const invalidate = useInvalidate(settingsKeys.customFields);
  return useMutation({
    mutationFn: (body: CustomFieldCreate) => unwrap(api.POST("/api/v1/custom-fields", { body })),
    onSuccess: invalidate,
  });
}

export function useUpdateCustomField() {
  const invalidate = useInvalidate(settingsKeys.customFields);
  return useMutation({
    mutationFn: ({ id, body }: { id: string; body: CustomFieldUpdate }) =>
      unwrap(api.PATCH("/api/v1/custom-fields/{field_id}", { params: { path: { field_id: id } }, body })),
    onSuccess: invalidate,
  });
}

export function useDeleteCustomField() {
  const invalidate = useInvalidate(settingsKeys.customFields);
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: (id: string) => unwrap(api.DELETE("/api/v1/custom-fields/{field_id}", { params: { path: { field_id: id } } })),
    onSuccess: () => {
      invalidate();
      // Views that showed or sorted by it lost that column or sort.
      void queryClient.invalidateQueries({ queryKey: viewKeys.list });
    },
  });
}
