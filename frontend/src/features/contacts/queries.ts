import { keepPreviousData, useQuery } from "@tanstack/react-query";
import { api, unwrap } from "../../api/client";

export interface ContactPageParams {
  limit: number;
  offset: number;
}

export const contactKeys = {
  accountContacts: (accountId: string, params: ContactPageParams) =>
    ["listAccountContacts", { account_id: accountId, ...params }] as const,
  detail: (contactId: string) => ["getContact", { contact_id: contactId }] as const,
};

/** A page of an account's contacts, most recently seen first. */
export function useAccountContacts(accountId: string, params: ContactPageParams) {
  return useQuery({
    queryKey: contactKeys.accountContacts(accountId, params),
    queryFn: ({ signal }) =>
      unwrap(
        api.GET("/api/v1/accounts/{account_id}/contacts", { params: { path: { account_id: accountId }, query: params }, signal }),
      ),
    placeholderData: keepPreviousData,
  });
}

/** A contact with the accounts the user may see and its newest events. */
export function useContact(contactId: string) {
  return useQuery({
    enabled: Boolean(contactId),
    queryKey: contactKeys.detail(contactId),
    queryFn: ({ signal }) =>
      unwrap(api.GET("/api/v1/contacts/{contact_id}", { params: { path: { contact_id: contactId } }, signal })),
  });
}
