import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { api, unwrap } from "../../api/client";
import type { components } from "../../api/gen/schema";

export type FxRateIn = components["schemas"]["FxRateBatch"]["items"][number];

export const revenueKeys = {
  subscriptions: (accountId: string) => ["listAccountSubscriptions", { account_id: accountId }] as const,
  invoices: (accountId: string) => ["listAccountInvoices", { account_id: accountId }] as const,
  mrr: (accountId: string) => ["getAccountMrr", { account_id: accountId }] as const,
  movements: (accountId: string) => ["listAccountMrrMovements", { account_id: accountId }] as const,
  fxRates: ["listFxRates"] as const,
};

export function useAccountSubscriptions(accountId: string) {
  return useQuery({
    queryKey: revenueKeys.subscriptions(accountId),
    queryFn: ({ signal }) =>
      unwrap(api.GET("/api/v1/accounts/{account_id}/subscriptions", { params: { path: { account_id: accountId } }, signal })),
  });
}

export function useAccountInvoices(accountId: string) {
  return useQuery({
    queryKey: revenueKeys.invoices(accountId),
    queryFn: ({ signal }) =>
      unwrap(
        api.GET("/api/v1/accounts/{account_id}/invoices", {
          params: { path: { account_id: accountId }, query: { limit: 50 } },
          signal,
        }),
      ),
  });
}

export function useAccountMrr(accountId: string) {
  return useQuery({
    queryKey: revenueKeys.mrr(accountId),
    queryFn: ({ signal }) =>
      unwrap(api.GET("/api/v1/accounts/{account_id}/mrr", { params: { path: { account_id: accountId } }, signal })),
  });
}

export function useAccountMovements(accountId: string) {
  return useQuery({
    queryKey: revenueKeys.movements(accountId),
    queryFn: ({ signal }) =>
      unwrap(api.GET("/api/v1/accounts/{account_id}/mrr-movements", { params: { path: { account_id: accountId } }, signal })),
  });
}

export function useFxRates() {
  return useQuery({
    queryKey: revenueKeys.fxRates,
    queryFn: ({ signal }) => unwrap(api.GET("/api/v1/fx-rates", { signal })),
  });
}

export function useSetFxRate() {
  const client = useQueryClient();
  return useMutation({
    mutationFn: (rate: FxRateIn) => unwrap(api.POST("/api/v1/fx-rates/batch", { body: { items: [rate] } })),
    onSuccess: () => client.invalidateQueries({ queryKey: revenueKeys.fxRates }),
  });
}

export function useDeleteFxRate() {
  const client = useQueryClient();
  return useMutation({
    mutationFn: (rateId: string) =>
      unwrap(api.DELETE("/api/v1/fx-rates/{rate_id}", { params: { path: { rate_id: rateId } } })),
    onSuccess: () => client.invalidateQueries({ queryKey: revenueKeys.fxRates }),
  });
}
