import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { useEffect, useState } from "react";
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

// How often the FX rates page asks whether MRR has been recomputed after a rate changed.
const RECOMPUTE_POLL_MS = 2_000;

/**
 * The missing currencies are what the last MRR recompute found, and a rate set or removed is
 * taken in by a recompute in the background (the live chain). `follow()` after such a write:
 * the newest change number is read once, its state polled until the live chain is done with
 * it, then the missing currencies are read again. `recomputing` is true meanwhile.
 */
export function useFollowRecompute() {
  const client = useQueryClient();
  const [wait, setWait] = useState<number | null>(null);
  const latest = useQuery({
    queryKey: ["getFreshness", { wait }],
    queryFn: ({ signal }) => unwrap(api.GET("/api/v1/freshness", { signal })),
    enabled: wait !== null,
    staleTime: Infinity,
  });
  const change = wait !== null ? latest.data?.last_change : undefined;
  const state = useQuery({
    queryKey: ["getChangeState", { change }],
    queryFn: ({ signal }) =>
      unwrap(api.GET("/api/v1/freshness/changes/{change}", { params: { path: { change: change ?? 0 } }, signal })),
    enabled: change !== undefined && change > 0,
    refetchInterval: (query) => (query.state.data?.state === "queued" || query.state.data?.state === "running" ? RECOMPUTE_POLL_MS : false),
  });
  const settled = state.data !== undefined && state.data.state !== "queued" && state.data.state !== "running";
  // No change was ever issued (nothing to wait for), or the one waited for went through.
  const done = wait !== null && (latest.data?.last_change === 0 || settled);
  useEffect(() => {
    if (!done) return;
    setWait(null);
    void client.invalidateQueries({ queryKey: revenueKeys.missingFxRates });
  }, [done, client]);
  return { follow: () => setWait(Date.now()), recomputing: wait !== null };
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
