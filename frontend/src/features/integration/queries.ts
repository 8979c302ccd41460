import { keepPreviousData, useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { api, unwrap } from "../../api/client";
import type { ApiKeyCreate } from "../../api/types";
import { auditKeys } from "../audit/queries";

export interface ApiCallListParams {
  only_errors: boolean;
  limit: number;
  offset: number;
}

export const integrationKeys = {
  apiKeys: ["listApiKeys"] as const,
  callLists: ["listApiCalls"] as const,
  calls: (keyId: string, params: ApiCallListParams) => ["listApiCalls", { keyId, ...params }] as const,
  webhookSecrets: ["listWebhookSecrets"] as const,
};

export function useApiKeys() {
  return useQuery({
    queryKey: integrationKeys.apiKeys,
    queryFn: ({ signal }) => unwrap(api.GET("/api/v1/api-keys", { signal })),
  });
}

function useInvalidate(queryKey: readonly string[]) {
  const queryClient = useQueryClient();
  return () => {
    void queryClient.invalidateQueries({ queryKey });
    void queryClient.invalidateQueries({ queryKey: auditKeys.lists });
  };
}

export function useCreateApiKey() {
  const invalidate = useInvalidate(integrationKeys.apiKeys);
  return useMutation({
    mutationFn: (body: ApiKeyCreate) => unwrap(api.POST("/api/v1/api-keys", { body })),
    onSuccess: invalidate,
  });
}

export function useRevokeApiKey() {
  const invalidate = useInvalidate(integrationKeys.apiKeys);
  return useMutation({
    mutationFn: (keyId: string) =>
      unwrap(api.POST("/api/v1/api-keys/{key_id}/revoke", { params: { path: { key_id: keyId } } })),
    onSuccess: invalidate,
  });
}

/** A key's API log, newest first. Disabled while no key is chosen. */
export function useApiCalls(keyId: string | null, params: ApiCallListParams) {
  return useQuery({
    queryKey: integrationKeys.calls(keyId ?? "", params),
    queryFn: ({ signal }) =>
      unwrap(
        api.GET("/api/v1/api-keys/{key_id}/calls", {
          params: { path: { key_id: keyId! }, query: params },
          signal,
        }),
      ),
    enabled: Boolean(keyId),
    // Calls keep arriving: a log opened again should not show a stale page first.
    staleTime: 0,
    placeholderData: keepPreviousData,
  });
}

export function useWebhookSecrets() {
  return useQuery({
    queryKey: integrationKeys.webhookSecrets,
    queryFn: ({ signal }) => unwrap(api.GET("/api/v1/webhook-secrets", { signal })),
  });
}

export function useRotateWebhookSecret() {
  const invalidate = useInvalidate(integrationKeys.webhookSecrets);
  return useMutation({
    mutationFn: () => unwrap(api.POST("/api/v1/webhook-secrets")),
    onSuccess: invalidate,
  });
}
