import { keepPreviousData, useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { api, unwrap } from "../../api/client";
import type { components } from "../../api/gen/schema";

export type AlertRead = components["schemas"]["AlertRead"];
export type AlertStatus = components["schemas"]["AlertStatus"];
export type AlertType = components["schemas"]["AlertType"];
export type AlertRuleRead = components["schemas"]["AlertRuleRead"];
export type AlertRuleCreate = components["schemas"]["AlertRuleCreate"];
export type AlertRuleUpdate = components["schemas"]["AlertRuleUpdate"];
export type AlertRuleDraft = components["schemas"]["AlertRuleDraft"];
export type AlertSelection = components["schemas"]["AlertSelection"];
export type Held = components["schemas"]["Held"];
export type AccountRuleVerdict = components["schemas"]["AccountRuleVerdict"];

export const ALERT_TYPES: AlertType[] = ["churn", "renewal", "expansion", "conversion", "engagement", "custom"];

export const HELD_REASON: Record<Held, string> = {
  open_alert: "An alert of the rule is still open",
  retrigger_delay: "Within the retrigger delay",
  never_retrigger: "Fired once already (never retrigger)",
  churned_excluded: "Churned (the rule excludes churned accounts)",
};

export interface AlertListFilters {
  status?: AlertStatus;
  type?: AlertType;
  snoozed?: boolean;
  limit: number;
  offset: number;
}

const all = ["alerts"] as const;

export function useAlerts(filters: AlertListFilters) {
  return useQuery({
    queryKey: ["alerts", "listAlerts", filters],
    queryFn: ({ signal }) => unwrap(api.GET("/api/v1/alerts", { params: { query: filters }, signal })),
    placeholderData: keepPreviousData,
  });
}

/** The account's open alerts, newest first (every one: an account has a few). */
export function useAccountAlerts(accountId: string) {
  return useQuery({
    queryKey: ["alerts", "listAlerts", "account", accountId],
    queryFn: ({ signal }) =>
      unwrap(api.GET("/api/v1/alerts", { params: { query: { account_id: accountId, status: "open", limit: 200 } }, signal })),
  });
}

/** Why each active rule does or does not alert on the account now. */
export function useAlertVerdicts(accountId: string) {
  return useQuery({
    queryKey: ["alerts", "listAccountAlertVerdicts", accountId],
    queryFn: ({ signal }) =>
      unwrap(api.GET("/api/v1/accounts/{account_id}/alert-verdicts", { params: { path: { account_id: accountId } }, signal })),
  });
}

export function useAlertRules() {
  return useQuery({
    queryKey: ["alerts", "listAlertRules"],
    queryFn: ({ signal }) => unwrap(api.GET("/api/v1/alert-rules", { signal })),
  });
}

function useAlertMutation<T, R>(fn: (body: T) => Promise<R>) {
  const client = useQueryClient();
  return useMutation({ mutationFn: fn, onSuccess: () => client.invalidateQueries({ queryKey: all }) });
}

const alertPath = (id: string) => ({ params: { path: { alert_id: id } } });
const rulePath = (id: string) => ({ params: { path: { rule_id: id } } });

export const useDismissAlert = () =>
  useAlertMutation((id: string) => unwrap(api.POST("/api/v1/alerts/{alert_id}/dismiss", alertPath(id))));

export const useSnoozeAlert = () =>
  useAlertMutation(({ id, until }: { id: string; until: string }) =>
    unwrap(api.POST("/api/v1/alerts/{alert_id}/snooze", { ...alertPath(id), body: { until } })),
  );

export const useDeleteAlert = () =>
  useAlertMutation((id: string) => unwrap(api.DELETE("/api/v1/alerts/{alert_id}", alertPath(id))));

export const useBulkDismissAlerts = () =>
  useAlertMutation((body: AlertSelection) => unwrap(api.POST("/api/v1/alerts/bulk-dismiss", { body })));

export const useBulkDeleteAlerts = () =>
  useAlertMutation((body: AlertSelection) => unwrap(api.POST("/api/v1/alerts/bulk-delete", { body })));

export const useCreateAlertRule = () =>
  useAlertMutation((body: AlertRuleCreate) => unwrap(api.POST("/api/v1/alert-rules", { body })));

export const useUpdateAlertRule = () =>
  useAlertMutation(({ id, body }: { id: string; body: AlertRuleUpdate }) =>
    unwrap(api.PATCH("/api/v1/alert-rules/{rule_id}", { ...rulePath(id), body })),
  );

export const useDeleteAlertRule = () =>
  useAlertMutation((id: string) => unwrap(api.DELETE("/api/v1/alert-rules/{rule_id}", rulePath(id))));

export const useRunAlertRule = () =>
  useAlertMutation((id: string) => unwrap(api.POST("/api/v1/alert-rules/{rule_id}/run", rulePath(id))));

/** Which accounts a draft rule matches now and why each would or would not fire (asked again
 * as the draft changes; nothing is saved). */
export function useAlertRulePreview(draft: AlertRuleDraft | null) {
  return useQuery({
    enabled: draft !== null,
    queryKey: ["alerts", "previewAlertRuleDraft", draft],
    queryFn: ({ signal }) => unwrap(api.POST("/api/v1/alert-rules/preview", { body: draft!, signal })),
    placeholderData: (previous) => previous,
    retry: false,
  });
}
