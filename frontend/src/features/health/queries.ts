import { useQuery } from "@tanstack/react-query";
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
