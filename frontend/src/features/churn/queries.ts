import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { api, unwrap } from "../../api/client";
import { isApiError } from "../../api/errors";
import type { components } from "../../api/gen/schema";

export type ChurnStatusRead = components["schemas"]["ChurnStatusRead"];
export type ChurnModelRead = components["schemas"]["ChurnModelRead"];
export type ChurnDriversRead = components["schemas"]["ChurnDriversRead"];
export type ChurnDriverRead = components["schemas"]["ChurnDriverRead"];
export type CalibrationBin = components["schemas"]["CalibrationBin"];

export const churnKeys = {
  all: ["churn"] as const,
  model: ["churn", "getChurnModel"] as const,
  drivers: (accountId: string) => ["churn", "getAccountChurnDrivers", { account_id: accountId }] as const,
};

export function useChurnModel() {
  return useQuery({ queryKey: churnKeys.model, queryFn: ({ signal }) => unwrap(api.GET("/api/v1/churn/model", { signal })) });
}

/** The account's probability and drivers; null until a churn model has been trained. */
export function useChurnDrivers(accountId: string) {
  return useQuery({
    queryKey: churnKeys.drivers(accountId),
    queryFn: async ({ signal }) => {
      try {
        return await unwrap(
          api.GET("/api/v1/accounts/{account_id}/churn-drivers", { params: { path: { account_id: accountId } }, signal }),
        );
      } catch (error) {
        if (isApiError(error, "no_churn_model")) return null;
        throw error;
      }
    },
  });
}

export function useTrainChurnModel() {
  const client = useQueryClient();
  return useMutation({
    mutationFn: () => unwrap(api.POST("/api/v1/churn/model/train")),
    onSuccess: () => client.invalidateQueries({ queryKey: churnKeys.all }),
  });
}
