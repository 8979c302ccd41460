import { keepPreviousData, useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { api, unwrap } from "../../api/client";
import type {
  AccountCreate,
  AccountQuery,
  AccountSort,
  AccountUpdate,
  Account,
  AccountView,
  AccountViewWrite,
  BulkEdit,
  InteractionType,
} from "../../api/types";
import type { components } from "../../api/gen/schema";

type AccountExport = components["schemas"]["AccountExport"];
type InteractionCreate = components["schemas"]["InteractionCreate"];
type InteractionUpdate = components["schemas"]["InteractionUpdate"];
type TicketCreate = components["schemas"]["TicketCreate"];
type TicketUpdate = components["schemas"]["TicketUpdate"];

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
  queries: ["queryAccounts"] as const,
  query: (body: AccountQuery) => ["queryAccounts", body] as const,
  fields: ["listAccountFields"] as const,
  history: (accountId: string) => ["getAccountHistory", { account_id: accountId }] as const,
  children: (accountId: string) => ["listChildAccounts", { account_id: accountId }] as const,
  timeline: (accountId: string) => ["getAccountTimeline", { account_id: accountId }] as const,
  notes: (accountId: string) => ["listAccountNotes", { account_id: accountId }] as const,
  interactions: (accountId: string) => ["listAccountInteractions", { account_id: accountId }] as const,
  tickets: (accountId: string) => ["listAccountTickets", { account_id: accountId }] as const,
};

export function useAccounts(params: AccountListParams, enabled = true) {
  return useQuery({
    enabled,
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

/** The account explorer: the filter language, search, sort and the churned segment in one POST. */
export function useAccountQuery(body: AccountQuery, enabled = true) {
  return useQuery({
    enabled,
    queryKey: accountKeys.query(body),
    queryFn: ({ signal }) => unwrap(api.POST("/api/v1/accounts/query", { body, signal })),
    placeholderData: keepPreviousData,
  });
}

/** Fields a filter can use (built-in and custom). */
export function useAccountFields() {
  return useQuery({
    queryKey: accountKeys.fields,
    queryFn: ({ signal }) => unwrap(api.GET("/api/v1/accounts/fields", { signal })),
    staleTime: 60_000,
  });
}

export function useAccount(accountId: string, enabled = true) {
  return useQuery({
    enabled: enabled && Boolean(accountId),
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
      void queryClient.invalidateQueries({ queryKey: accountKeys.queries });
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
      void queryClient.invalidateQueries({ queryKey: accountKeys.history(accountId) });
      void queryClient.invalidateQueries({ queryKey: accountKeys.timeline(accountId) });
      void queryClient.invalidateQueries({ queryKey: ["listChildAccounts"] });
      void queryClient.invalidateQueries({ queryKey: accountKeys.lists });
      void queryClient.invalidateQueries({ queryKey: accountKeys.queries });
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
      void queryClient.invalidateQueries({ queryKey: accountKeys.queries });
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
      void queryClient.invalidateQueries({ queryKey: accountKeys.queries });
    },
  });
}

/** Everything an account change can make stale: its page, its lists, its history and timeline. */
function useAccountChanged() {
  const queryClient = useQueryClient();
  return (account: Account) => {
    queryClient.setQueryData(accountKeys.detail(account.id), account);
    void queryClient.invalidateQueries({ queryKey: accountKeys.lists });
    void queryClient.invalidateQueries({ queryKey: accountKeys.queries });
    void queryClient.invalidateQueries({ queryKey: accountKeys.history(account.id) });
    void queryClient.invalidateQueries({ queryKey: accountKeys.timeline(account.id) });
    if (account.parent_id) void queryClient.invalidateQueries({ queryKey: accountKeys.children(account.parent_id) });
  };
}

export function usePostStatus(accountId: string) {
  const changed = useAccountChanged();
  return useMutation({
    mutationFn: (body: { title: string; details?: string | null }) =>
      unwrap(api.POST("/api/v1/accounts/{account_id}/status", { params: { path: { account_id: accountId } }, body })),
    onSuccess: changed,
  });
}

export function useRecordNps(accountId: string) {
  const changed = useAccountChanged();
  return useMutation({
    mutationFn: (body: { score: number; contact?: string | null }) =>
      unwrap(api.POST("/api/v1/accounts/{account_id}/nps", { params: { path: { account_id: accountId } }, body })),
    onSuccess: changed,
  });
}

export function useChurnAccount(accountId: string) {
  const changed = useAccountChanged();
  return useMutation({
    mutationFn: (body: { churned_on: string; reason: string }) =>
      unwrap(api.POST("/api/v1/accounts/{account_id}/churn", { params: { path: { account_id: accountId } }, body })),
    onSuccess: changed,
  });
}

export function useReactivateAccount(accountId: string) {
  const changed = useAccountChanged();
  return useMutation({
    mutationFn: () =>
      unwrap(api.POST("/api/v1/accounts/{account_id}/reactivate", { params: { path: { account_id: accountId } } })),
    onSuccess: changed,
  });
}

export function useAccountHistory(accountId: string, enabled = true) {
  return useQuery({
    queryKey: accountKeys.history(accountId),
    queryFn: ({ signal }) =>
      unwrap(api.GET("/api/v1/accounts/{account_id}/history", { params: { path: { account_id: accountId } }, signal })),
    enabled,
  });
}

export function useChildAccounts(accountId: string) {
  return useQuery({
    queryKey: accountKeys.children(accountId),
    queryFn: ({ signal }) =>
      unwrap(api.GET("/api/v1/accounts/{account_id}/children", { params: { path: { account_id: accountId } }, signal })),
  });
}

const FEED_LIMIT = 100;

// `rollup`: also the items of every child account below this one (the hierarchy rollup).

export function useAccountTimeline(accountId: string, enabled = true, rollup = false) {
  return useQuery({
    queryKey: [...accountKeys.timeline(accountId), { rollup }],
    queryFn: ({ signal }) =>
      unwrap(
        api.GET("/api/v1/accounts/{account_id}/timeline", {
          params: { path: { account_id: accountId }, query: { limit: FEED_LIMIT, rollup } },
          signal,
        }),
      ),
    enabled,
  });
}

export function useAccountNotes(accountId: string, enabled = true, rollup = false) {
  return useQuery({
    queryKey: [...accountKeys.notes(accountId), { rollup }],
    queryFn: ({ signal }) =>
      unwrap(
        api.GET("/api/v1/accounts/{account_id}/notes", {
          params: { path: { account_id: accountId }, query: { limit: FEED_LIMIT, rollup } },
          signal,
        }),
      ),
    enabled,
  });
}

function useNotesChanged(accountId: string) {
  const queryClient = useQueryClient();
  return () => {
    void queryClient.invalidateQueries({ queryKey: accountKeys.notes(accountId) });
    void queryClient.invalidateQueries({ queryKey: accountKeys.timeline(accountId) });
    void queryClient.invalidateQueries({ queryKey: searchKeys.all });
  };
}

export function useCreateNote(accountId: string) {
  const changed = useNotesChanged(accountId);
  return useMutation({
    mutationFn: (body: { body: string; is_pinned: boolean }) =>
      unwrap(api.POST("/api/v1/accounts/{account_id}/notes", { params: { path: { account_id: accountId } }, body })),
    onSuccess: changed,
  });
}

export function useUpdateNote(accountId: string) {
  const changed = useNotesChanged(accountId);
  return useMutation({
    mutationFn: ({ noteId, body }: { noteId: string; body: { body?: string; is_pinned?: boolean } }) =>
      unwrap(api.PATCH("/api/v1/notes/{note_id}", { params: { path: { note_id: noteId } }, body })),
    onSuccess: changed,
  });
}

export function useDeleteNote(accountId: string) {
  const changed = useNotesChanged(accountId);
  return useMutation({
    mutationFn: (noteId: string) => unwrap(api.DELETE("/api/v1/notes/{note_id}", { params: { path: { note_id: noteId } } })),
    onSuccess: changed,
  });
}

export function useAccountInteractions(accountId: string, type: InteractionType | null, enabled = true, rollup = false) {
  return useQuery({
    queryKey: [...accountKeys.interactions(accountId), { type, rollup }],
    queryFn: ({ signal }) =>
      unwrap(
        api.GET("/api/v1/accounts/{account_id}/interactions", {
          params: { path: { account_id: accountId }, query: { limit: FEED_LIMIT, type: type ?? undefined, rollup } },
          signal,
        }),
      ),
    enabled,
  });
}

export function useAccountTickets(accountId: string, enabled = true, rollup = false) {
  return useQuery({
    queryKey: [...accountKeys.tickets(accountId), { rollup }],
    queryFn: ({ signal }) =>
      unwrap(
        api.GET("/api/v1/accounts/{account_id}/tickets", {
          params: { path: { account_id: accountId }, query: { limit: FEED_LIMIT, rollup } },
          signal,
        }),
      ),
    enabled,
  });
}

export interface InteractionSearchParams {
  q?: string;
  type?: InteractionType;
  account_id?: string;
  author_id?: string;
  /** From this time (inclusive), ISO with a time zone. */
  since?: string;
  /** Before this time, ISO with a time zone. */
  until?: string;
  limit: number;
  offset: number;
}

export const searchKeys = { all: ["searchInteractions"] as const };

export function useInteractionSearch(params: InteractionSearchParams) {
  return useQuery({
    queryKey: [...searchKeys.all, params],
    queryFn: ({ signal }) =>
      unwrap(
        api.GET("/api/v1/interactions/search", {
          params: { query: { ...params, q: params.q || undefined } },
          signal,
        }),
      ),
    placeholderData: keepPreviousData,
  });
}

/** Set fields on many accounts at once (also how accounts are assigned to CSMs). */
export function useBulkEditAccounts() {
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: (body: BulkEdit) => unwrap(api.POST("/api/v1/accounts/bulk-edit", { body })),
    onSuccess: () => {
      void queryClient.invalidateQueries({ queryKey: accountKeys.lists });
      void queryClient.invalidateQueries({ queryKey: accountKeys.queries });
      void queryClient.invalidateQueries({ queryKey: ["getAccount"] });
      // Stage, CSM and churn changes are in the accounts' histories and timelines too.
      void queryClient.invalidateQueries({ queryKey: ["getAccountHistory"] });
      void queryClient.invalidateQueries({ queryKey: ["getAccountTimeline"] });
    },
  });
}

/** The selected accounts as CSV text. */
export function useExportAccounts() {
  return useMutation({
    mutationFn: async (body: AccountExport) =>
      String(await unwrap(api.POST("/api/v1/accounts/export", { body, parseAs: "text" }))),
  });
}

export const viewKeys = {
  /** Yours and the shared ones (the Views menu); a prefix of every list of views. */
  list: ["listAccountViews"] as const,
  everyones: ["listAccountViews", { owner: "all" }] as const,
};

export function useAccountViews() {
  return useQuery({
    queryKey: viewKeys.list,
    queryFn: ({ signal }) => unwrap(api.GET("/api/v1/account-views", { signal })),
  });
}

/** Every user's views, personal ones too: only for those who configure product settings. */
export function useEveryonesAccountViews() {
  return useQuery({
    queryKey: viewKeys.everyones,
    queryFn: ({ signal }) => unwrap(api.GET("/api/v1/account-views", { params: { query: { owner: "all" } }, signal })),
  });
}

export function useCreateAccountView() {
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: (body: AccountViewWrite) => unwrap(api.POST("/api/v1/account-views", { body })),
    onSuccess: (view) => {
      // The explorer shows the saved view's columns at once, without waiting for the refetch.
      queryClient.setQueryData<AccountView[]>(viewKeys.list, (views) => (views ? [...views, view] : views));
      void queryClient.invalidateQueries({ queryKey: viewKeys.list });
    },
  });
}

export function useUpdateAccountView() {
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: ({ viewId, body }: { viewId: string; body: AccountViewWrite }) =>
      unwrap(api.PUT("/api/v1/account-views/{view_id}", { params: { path: { view_id: viewId } }, body })),
    onSuccess: (view) => {
      queryClient.setQueryData<AccountView[]>(viewKeys.list, (views) => views?.map((other) => (other.id === view.id ? view : other)));
      void queryClient.invalidateQueries({ queryKey: viewKeys.list });
    },
  });
}

export function useDeleteAccountView() {
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: (viewId: string) =>
      unwrap(api.DELETE("/api/v1/account-views/{view_id}", { params: { path: { view_id: viewId } } })),
    onSuccess: () => void queryClient.invalidateQueries({ queryKey: viewKeys.list }),
  });
}

/** Interactions and tickets changed on an account: its lists, timeline and search are stale
 * (and, for an item shown in a parent's rollup, the child account's own). */
function useActivityChanged(accountId: string) {
  const queryClient = useQueryClient();
  return (item?: { account_id: string }) => {
    for (const id of new Set([accountId, item?.account_id ?? accountId])) {
      void queryClient.invalidateQueries({ queryKey: accountKeys.interactions(id) });
      void queryClient.invalidateQueries({ queryKey: accountKeys.tickets(id) });
      void queryClient.invalidateQueries({ queryKey: accountKeys.timeline(id) });
    }
    void queryClient.invalidateQueries({ queryKey: searchKeys.all });
  };
}

export function useCreateInteraction(accountId: string) {
  const changed = useActivityChanged(accountId);
  return useMutation({
    mutationFn: (body: InteractionCreate) =>
      unwrap(api.POST("/api/v1/accounts/{account_id}/interactions", { params: { path: { account_id: accountId } }, body })),
    onSuccess: changed,
  });
}

export function useUpdateInteraction(accountId: string) {
  const changed = useActivityChanged(accountId);
  return useMutation({
    mutationFn: ({ interactionId, body }: { interactionId: string; body: InteractionUpdate }) =>
      unwrap(api.PATCH("/api/v1/interactions/{interaction_id}", { params: { path: { interaction_id: interactionId } }, body })),
    onSuccess: (interaction) => changed(interaction),
  });
}

export function useDeleteInteraction(accountId: string) {
  const changed = useActivityChanged(accountId);
  return useMutation({
    mutationFn: (interaction: { id: string; account_id: string }) =>
      unwrap(api.DELETE("/api/v1/interactions/{interaction_id}", { params: { path: { interaction_id: interaction.id } } })),
    onSuccess: (_data, interaction) => changed(interaction),
  });
}

export function useCreateTicket(accountId: string) {
  const changed = useActivityChanged(accountId);
  return useMutation({
    mutationFn: (body: TicketCreate) =>
      unwrap(api.POST("/api/v1/accounts/{account_id}/tickets", { params: { path: { account_id: accountId } }, body })),
    onSuccess: changed,
  });
}

export function useUpdateTicket(accountId: string) {
  const changed = useActivityChanged(accountId);
  return useMutation({
    mutationFn: ({ ticketId, body }: { ticketId: string; body: TicketUpdate }) =>
      unwrap(api.PATCH("/api/v1/tickets/{ticket_id}", { params: { path: { ticket_id: ticketId } }, body })),
    onSuccess: (ticket) => changed(ticket),
  });
}

export function useDeleteTicket(accountId: string) {
  const changed = useActivityChanged(accountId);
  return useMutation({
    mutationFn: (ticket: { id: string; account_id: string }) =>
      unwrap(api.DELETE("/api/v1/tickets/{ticket_id}", { params: { path: { ticket_id: ticket.id } } })),
    onSuccess: (_data, ticket) => changed(ticket),
  });
}
