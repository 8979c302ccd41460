import { useQuery } from "@tanstack/react-query";
import { api, unwrap } from "../../api/client";
import type { components } from "../../api/gen/schema";

export type FreshnessRead = components["schemas"]["FreshnessRead"];
export type FreshnessStageRead = components["schemas"]["FreshnessStageRead"];

// The live chain's worker looks for changes every 5 seconds: asking more often shows nothing new.
export const FRESHNESS_REFRESH_MS = 5_000;

export const freshnessKeys = {
  organisation: ["getFreshness"] as const,
};

/** The organisation's backlog of changes and its stages, asked again every few seconds while shown. */
export function useFreshness() {
  return useQuery({
    queryKey: freshnessKeys.organisation,
    queryFn: ({ signal }) => unwrap(api.GET("/api/v1/freshness", { signal })),
    refetchInterval: FRESHNESS_REFRESH_MS,
    staleTime: 0,
  });
}
