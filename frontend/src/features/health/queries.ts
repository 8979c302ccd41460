import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { api, unwrap } from "../../api/client";
import type { components } from "../../api/gen/schema";

export type AccountHealthRead = components["schemas"]["AccountHealthRead"];
export type AccountHealthHistoryRead = components["schemas"]["AccountHealthHistoryRead"];
export type Band = components["schemas"]["Band"];

export const healthKeys = {
  all: ["health"] as const,
  account: (accountId: string) => ["health", "getAccountHealth", { account_id: accountId }] as const,
  history: (accountId: string) => ["health", "getAccountHealthHistory", { account_id: accountId }] as const,
};

export function useAccountHealth(accountId: string) {
  return useQuery({
    queryKey: healthKeys.account(accountId),
    queryFn: ({ signal }) =>
      unwrap(api.GET("/api/v1/accounts/{account_id}/health", { params: { path: { account_id: accountId } }, signal })),
  });
}

export function useAccountHealthHistory(accountId: string) {
  return useQuery({
    queryKey: healthKeys.history(accountId),
    queryFn: ({ signal }) =>
      unwrap(
        api.GET("/api/v1/accounts/{account_id}/health/history", { params: { path: { account_id: accountId } }, signal }),
      ),
  });
}

export type HealthModelRead = components["schemas"]["HealthModelRead"];
export type HealthComponent = components["schemas"]["HealthComponent"];
export type HealthBands = components["schemas"]["HealthBands"];
export type HealthPreviewRead = components["schemas"]["HealthPreviewRead"];
export type HealthModelCreate = components["schemas"]["HealthModelCreate"];
export type HealthModelSave = components["schemas"]["HealthModelSave"];

const models = ["health", "listHealthModels"] as const;
const bandsKey = ["health", "getHealthBands"] as const;

// While a model's accounts wait for its live version, ask again until they are scored by it.
const RECOMPUTING_REFRESH_MS = 3_000;

export function useHealthModels() {
  return useQuery({
    queryKey: models,
    queryFn: ({ signal }) => unwrap(api.GET("/api/v1/health/models", { signal })),
    refetchInterval: (query) => (query.state.data?.some((m) => m.scored_by_earlier > 0) ? RECOMPUTING_REFRESH_MS : false),
  });
}

export function useHealthBands() {
  return useQuery({ queryKey: bandsKey, queryFn: ({ signal }) => unwrap(api.GET("/api/v1/health/bands", { signal })) });
}

function useHealthMutation<T, R>(fn: (body: T) => Promise<R>) {
  const client = useQueryClient();
  return useMutation({ mutationFn: fn, onSuccess: () => client.invalidateQueries({ queryKey: healthKeys.all }) });
}

export const useSetHealthBands = () =>
  useHealthMutation((body: HealthBands) => unwrap(api.PUT("/api/v1/health/bands", { body })));

export const useCreateHealthModel = () =>
  useHealthMutation((body: HealthModelCreate) => unwrap(api.POST("/api/v1/health/models", { body })));

export const useSaveHealthModel = () =>
  useHealthMutation(({ id, body }: { id: string; body: HealthModelSave }) =>
    unwrap(api.PUT("/api/v1/health/models/{model_id}", { params: { path: { model_id: id } }, body })),
  );

export const useMakeShadowLive = () =>
  useHealthMutation((id: string) =>
    unwrap(api.POST("/api/v1/health/models/{model_id}/make-shadow-live", { params: { path: { model_id: id } } })),
  );

export const useDeleteHealthModel = () =>
  useHealthMutation((id: string) =>
    unwrap(api.DELETE("/api/v1/health/models/{model_id}", { params: { path: { model_id: id } } })),
  );

export const useOrderSegments = () =>
  useHealthMutation((segmentIds: string[]) =>
    unwrap(api.PUT("/api/v1/health/segment-order", { body: { segment_ids: segmentIds } })),
  );

/** How the model's accounts would spread across the bands if saved with `components` (asked
 * again as the draft changes; nothing is saved). */
export function useHealthPreview(modelId: string | null, components: HealthComponent[] | null) {
  return useQuery({
    enabled: Boolean(modelId && components),
    queryKey: ["health", "previewHealthModel", { model_id: modelId, components }],
    queryFn: ({ signal }) =>
      unwrap(
        api.POST("/api/v1/health/models/{model_id}/preview", {
          params: { path: { model_id: modelId! } },
          body: { components: components! },
          signal,
        }),
      ),
    placeholderData: (previous) => previous,
    retry: false,
  });
}

export type BacktestRead = components["schemas"]["BacktestRead"];
export type BacktestRequest = components["schemas"]["BacktestRequest"];

/** A backtest of one version of a model (asked for when the form says so; nothing is saved). */
export function useBacktest(modelId: string | null, body: BacktestRequest | null) {
  return useQuery({
    enabled: Boolean(modelId && body),
    queryKey: ["health", "backtestHealthModel", { model_id: modelId, body }],
    queryFn: ({ signal }) =>
      unwrap(
        api.POST("/api/v1/health/models/{model_id}/backtest", {
          params: { path: { model_id: modelId! } },
          body: body!,
          signal,
        }),
      ),
    retry: false,
  });
}

export type HealthTrendRead = components["schemas"]["HealthTrendRead"];

/** Accounts and MRR per band per day, over the accounts the caller may see or one CSM's. */
export function useHealthTrend(params: { since: string; csmId: string | null }) {
  return useQuery({
    queryKey: ["health", "getHealthTrend", params],
    queryFn: ({ signal }) =>
      unwrap(
        api.GET("/api/v1/health/trend", {
          params: { query: { since: params.since, csm_id: params.csmId ?? undefined } },
          signal,
        }),
      ),
  });
}
