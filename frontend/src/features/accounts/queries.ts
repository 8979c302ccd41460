import { keepPreviousData, useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { api, unwrap } from "../../api/client";
import type { AccountCreate, AccountSort, AccountUpdate } from "../../api/types";

export interface AccountListParams {
  q?: string;
  sort: AccountSort;
  descending: boolean;
  limit: number;
  offset: number;
  deleted: boolean;
}

export const accountKeys = {
  lists: ["listAccounts"] as const,
  list: (params: AccountListParams) => ["listAccounts", params] as const,
  detail: (accountId: string) => ["getAccount", { account_id: accountId }] as const,
};

export function useAccounts(params: AccountListParams) {
  return useQuery({
    queryKey: accountKeys.list(params),
    queryFn: ({ signal }) =>
      unwrap(
        api.GET("/api/v1/accounts", {
          params: { query: { ...params, q: params.q || undefined } },
          signal,
        }),
      ),
    // Keep the current page on screen while the next one loads: no flashing skeleton on paging.
    placeholderData: keepPreviousData,
  });
}

export function useAccount(accountId: string) {
  return useQuery({
    queryKey: accountKeys.detail(accountId),
    queryFn: ({ signal }) =>
      unwrap(api.GET("/api/v1/accounts/{account_id}", { params: { path: { account_id: accountId } }, signal })),
  });
}

export function useCreateAccount() {
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: (body: AccountCreate) => unwrap(api.POST("/api/v1/accounts", { body })),
    onSuccess: (account) => {
      queryClient.setQueryData(accountKeys.detail(account.id), account);
      void queryClient.invalidateQueries({ queryKey: accountKeys.lists });
    },
  });
}

export function useUpdateAccount(accountId: string) {
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: (body: AccountUpdate) =>
      unwrap(api.PATCH("/api/v1/accounts/{account_id}", { params: { path: { account_id: accountId } }, body })),
    onSuccess: (account) => {
      queryClient.setQueryData(accountKeys.detail(accountId), account);
      void queryClient.invalidateQueries({ queryKey: accountKeys.lists });
    },
  });
}

export function useDeleteAccount() {
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: (accountId: string) =>
      unwrap(api.DELETE("/api/v1/accounts/{account_id}", { params: { path: { account_id: accountId } } })),
    onSuccess: (_data, accountId) => {
      void queryClient.invalidateQueries({ queryKey: accountKeys.detail(accountId) });
      void queryClient.invalidateQueries({ queryKey: accountKeys.lists });
    },
  });
}

export function useRestoreAccount() {
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: (accountId: string) =>
      unwrap(api.POST("/api/v1/accounts/{account_id}/restore", { params: { path: { account_id: accountId } } })),
    onSuccess: (account) => {
      queryClient.setQueryData(accountKeys.detail(account.id), account);
      void queryClient.invalidateQueries({ queryKey: accountKeys.lists });
    },
  });
}
