import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { useEffect, useRef } from "react";
import { api, unwrap } from "../../api/client";
import type { components } from "../../api/gen/schema";
import { viewKeys } from "../accounts/queries";
import { healthKeys } from "../health/queries";

export type MetricRead = components["schemas"]["MetricRead"];
export type ComputedMetricRead = components["schemas"]["ComputedMetricRead"];
export type ComputedMetricCreate = components["schemas"]["ComputedMetricCreate"];
export type ComputedMetricUpdate = components["schemas"]["ComputedMetricUpdate"];
export type AccountMetricsRead = components["schemas"]["AccountMetricsRead"];
export type ContactActivityRankRead = components["schemas"]["ContactActivityRankRead"];

export const metricKeys = {
  all: ["metrics"] as const,
  catalog: ["metrics", "listMetrics"] as const,
  computed: ["metrics", "listComputedMetrics"] as const,
  account: (accountId: string) => ["metrics", "getAccountMetrics", { account_id: accountId }] as const,
  contactRanks: (accountId: string, contactIds: readonly string[]) =>
    ["metrics", "listContactActivityRanks", { account_id: accountId, contact_id: contactIds }] as const,
  contactRank: (contactId: string) => ["metrics", "getContactActivityRank", { contact_id: contactId }] as const,
};

export function useMetricCatalog() {
  return useQuery({
    queryKey: metricKeys.catalog,
    queryFn: ({ signal }) => unwrap(api.GET("/api/v1/metrics", { signal })),
  });
}

export function useComputedMetrics() {
  return useQuery({
    queryKey: metricKeys.computed,
    queryFn: ({ signal }) => unwrap(api.GET("/api/v1/computed-metrics", { signal })),
  });
}

// While a change waits for the account, ask again until its figures reflect it (the live
// chain's worker looks for changes every 5 seconds); otherwise now and then, so data sent
// while the page is open (an event, a ticket from the helpdesk) shows without a reload.
const UPDATING_REFRESH_MS = 5_000;
const IDLE_REFRESH_MS = 30_000;

export function useAccountMetrics(accountId: string) {
  const metrics = useQuery({
    queryKey: metricKeys.account(accountId),
    queryFn: ({ signal }) =>
      unwrap(api.GET("/api/v1/accounts/{account_id}/metrics", { params: { path: { account_id: accountId } }, signal })),
    refetchInterval: (query) => (query.state.data?.updating ? UPDATING_REFRESH_MS : IDLE_REFRESH_MS),
  });
  // The health score is recomputed with the figures (the live chain's next stage): when they
  // move, the page's health (its header, the Health tab) is asked again too.
  const queryClient = useQueryClient();
  const computedAt = metrics.data?.computed_at;
  const seen = useRef(computedAt);
  useEffect(() => {
    if (seen.current && computedAt && computedAt !== seen.current) {
      void queryClient.invalidateQueries({ queryKey: healthKeys.account(accountId) });
      void queryClient.invalidateQueries({ queryKey: healthKeys.history(accountId) });
    }
    seen.current = computedAt;
  }, [accountId, computedAt, queryClient]);
  return metrics;
}

/** The activity rank and trend of these contacts of an account (a page of the Contacts tab), by contact id. */
export function useContactActivityRanks(accountId: string, contactIds: readonly string[]) {
  return useQuery({
    enabled: contactIds.length > 0,
    queryKey: metricKeys.contactRanks(accountId, contactIds),
    queryFn: async ({ signal }) => {
      const ranks = await unwrap(
        api.GET("/api/v1/accounts/{account_id}/contact-activity-ranks", {
          params: { path: { account_id: accountId }, query: { contact_id: [...contactIds] } },
          signal,
        }),
      );
      return new Map(ranks.map((r) => [r.contact_id, r]));
    },
  });
}

/** One contact's activity rank and trend. */
export function useContactActivityRank(contactId: string) {
  return useQuery({
    enabled: Boolean(contactId),
    queryKey: metricKeys.contactRank(contactId),
    queryFn: ({ signal }) =>
      unwrap(
        api.GET("/api/v1/contacts/{contact_id}/activity-rank", { params: { path: { contact_id: contactId } }, signal }),
      ),
  });
}

export function useCreateComputedMetric() {
  const client = useQueryClient();
  return useMutation({
    mutationFn: (body: ComputedMetricCreate) => unwrap(api.POST("/api/v1/computed-metrics", { body })),
    onSuccess: () => client.invalidateQueries({ queryKey: metricKeys.all }),
  });
}

export function useUpdateComputedMetric() {
  const client = useQueryClient();
  return useMutation({
    mutationFn: ({ id, body }: { id: string; body: ComputedMetricUpdate }) =>
      unwrap(api.PATCH("/api/v1/computed-metrics/{metric_id}", { params: { path: { metric_id: id } }, body })),
    onSuccess: () => client.invalidateQueries({ queryKey: metricKeys.all }),
  });
}

export function useDeleteComputedMetric() {
  const client = useQueryClient();
  return useMutation({
    mutationFn: (id: string) =>
      unwrap(api.DELETE("/api/v1/computed-metrics/{metric_id}", { params: { path: { metric_id: id } } })),
    onSuccess: () => {
      // Views that showed or sorted by it lost that column or sort.
      void client.invalidateQueries({ queryKey: viewKeys.list });
      return client.invalidateQueries({ queryKey: metricKeys.all });
    },
  });
}

export function useRefreshMetrics() {
  return useMutation({
    mutationFn: () => unwrap(api.POST("/api/v1/metrics/refresh")),
  });
}
