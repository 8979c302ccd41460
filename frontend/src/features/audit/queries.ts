import { keepPreviousData, useQuery } from "@tanstack/react-query";
import { api, unwrap } from "../../api/client";

export interface AuditListParams {
  limit: number;
  offset: number;
  entity_type?: string;
  entity_id?: string;
  actor_user_id?: string;
  action?: string;
  since?: string;
  until?: string;
}

export const auditKeys = {
  lists: ["listAuditEntries"] as const,
  list: (params: AuditListParams) => ["listAuditEntries", params] as const,
};

export function useAuditEntries(params: AuditListParams) {
  return useQuery({
    queryKey: auditKeys.list(params),
    queryFn: ({ signal }) => unwrap(api.GET("/api/v1/audit-log", { params: { query: params }, signal })),
    placeholderData: keepPreviousData,
  });
}

export function useAuditActions() {
  return useQuery({
    queryKey: ["listAuditActions"],
    queryFn: ({ signal }) => unwrap(api.GET("/api/v1/audit-log/actions", { signal })),
  });
}
