import { keepPreviousData, useQuery } from "@tanstack/react-query";
import { api, unwrap } from "../../api/client";

export interface UsageQuery {
  since: string;
  until: string;
  /** The account and every child account below it that the user may see, together. */
  rollup?: boolean;
}

export interface EventPageParams {
  limit: number;
  offset: number;
  rollup?: boolean;
}

export const usageKeys = {
  usage: (accountId: string, query: UsageQuery) => ["getAccountUsage", { account_id: accountId, ...query }] as const,
  features: (accountId: string, query: UsageQuery) =>
    ["getAccountFeatureUsage", { account_id: accountId, ...query }] as const,
  events: (accountId: string, params: EventPageParams) => ["listAccountEvents", { account_id: accountId, ...params }] as const,
};

/** An account's daily usage and top features over `since`..`until`, as of the last rollup. */
export function useAccountUsage(accountId: string, query: UsageQuery, enabled: boolean) {
  return useQuery({
    enabled,
    queryKey: usageKeys.usage(accountId, query),
    queryFn: ({ signal }) =>
      unwrap(api.GET("/api/v1/accounts/{account_id}/usage", { params: { path: { account_id: accountId }, query }, signal })),
    // Keep the current charts on screen while another range loads.
    placeholderData: keepPreviousData,
  });
}

/** The account's top features and their events per day (per week over long ranges). */
export function useAccountFeatureUsage(accountId: string, query: UsageQuery, enabled: boolean) {
  return useQuery({
    enabled,
    queryKey: usageKeys.features(accountId, query),
    queryFn: ({ signal }) =>
      unwrap(
        api.GET("/api/v1/accounts/{account_id}/usage/features", { params: { path: { account_id: accountId }, query }, signal }),
      ),
    placeholderData: keepPreviousData,
  });
}

/** A page of an account's product events, newest first. */
export function useAccountEvents(accountId: string, params: EventPageParams) {
  return useQuery({
    queryKey: usageKeys.events(accountId, params),
    queryFn: ({ signal }) =>
      unwrap(
        api.GET("/api/v1/accounts/{account_id}/events", { params: { path: { account_id: accountId }, query: params }, signal }),
      ),
    placeholderData: keepPreviousData,
  });
}
