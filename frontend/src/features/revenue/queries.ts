import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { api, unwrap } from "../../api/client";
import type { components } from "../../api/gen/schema";

export type FxRateIn = components["schemas"]["FxRateIn"];
export type MissingFxRate = components["schemas"]["MissingFxRateRead"];

export const revenueKeys = {
  subscriptions: (accountId: string) => ["listAccountSubscriptions", { account_id: accountId }] as const,
  invoices: (accountId: string) => ["listAccountInvoices", { account_id: accountId }] as const,
  mrr: (accountId: string, rollup = false) => ["getAccountMrr", { account_id: accountId, rollup }] as const,
  movements: (accountId: string, rollup = false) => ["listAccountMrrMovements", { account_id: accountId, rollup }] as const,
  fxRates: ["listFxRates"] as const,
  missingFxRates: ["listMissingFxRates"] as const,
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

// `rollup`: the sums (and movements) of the account and every child account below it.
export function useAccountMrr(accountId: string, rollup = false) {
  return useQuery({
    queryKey: revenueKeys.mrr(accountId, rollup),
    queryFn: ({ signal }) =>
      unwrap(
        api.GET("/api/v1/accounts/{account_id}/mrr", { params: { path: { account_id: accountId }, query: { rollup } }, signal }),
      ),
  });
}

export function useAccountMovements(accountId: string, rollup = false) {
  return useQuery({
    queryKey: revenueKeys.movements(accountId, rollup),
    queryFn: ({ signal }) =>
      unwrap(
        api.GET("/api/v1/accounts/{account_id}/mrr-movements", {
          params: { path: { account_id: accountId }, query: { rollup } },
          signal,
        }),
      ),
  });
}

export function useFxRates() {
  return useQuery({
    queryKey: revenueKeys.fxRates,
    queryFn: ({ signal }) => unwrap(api.GET("/api/v1/fx-rates", { signal })),
  });
}

/** Currencies that items of the accounts the user may see are priced in but have no rate. */
export function useMissingFxRates() {
  return useQuery({
    queryKey: revenueKeys.missingFxRates,
    queryFn: ({ signal }) => unwrap(api.GET("/api/v1/fx-rates/missing", { signal })),
  });
}

export function useSetFxRate() {
  const client = useQueryClient();
  return useMutation({
    mutationFn: (rate: FxRateIn) => unwrap(api.POST("/api/v1/fx-rates", { body: rate })),
    onSuccess: () =>
      Promise.all([
        client.invalidateQueries({ queryKey: revenueKeys.fxRates }),
        client.invalidateQueries({ queryKey: revenueKeys.missingFxRates }),
      ]),
  });
}

export function useDeleteFxRate() {
  const client = useQueryClient();
  return useMutation({
    mutationFn: (rateId: string) =>
      unwrap(api.DELETE("/api/v1/fx-rates/{rate_id}", { params: { path: { rate_id: rateId } } })),
    onSuccess: () =>
      Promise.all([
        client.invalidateQueries({ queryKey: revenueKeys.fxRates }),
        client.invalidateQueries({ queryKey: revenueKeys.missingFxRates }),
      ]),
  });
}
