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
export type AlertBulkClose = components["schemas"]["AlertBulkClose"];
export type Held = components["schemas"]["Held"];
export type TaskOutcome = components["schemas"]["TaskOutcome"];
export type PlaybookRead = components["schemas"]["PlaybookRead"];
export type PlaybookWrite = components["schemas"]["PlaybookWrite"];
export type AccountRuleVerdict = components["schemas"]["AccountRuleVerdict"];

export const ALERT_TYPES: AlertType[] = ["churn", "renewal", "expansion", "conversion", "engagement", "custom"];

/** The types as a picker shows them. */
export const ALERT_TYPE_OPTIONS = ALERT_TYPES.map((type) => ({ value: type, label: type.charAt(0).toUpperCase() + type.slice(1) }));

export const HELD_REASON: Record<Held, string> = {
  open_alert: "An alert of the rule is still open",
  retrigger_delay: "Within the retrigger delay",
  never_retrigger: "Fired once already (never retrigger)",
  churned_excluded: "Churned (the rule excludes churned accounts)",
};

export interface AlertListFilters {
  status?: AlertStatus;
  account_id?: string;
  type?: AlertType;
  snoozed?: boolean;
  is_task?: boolean;
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
  return useMutation({
    mutationFn: fn,
    onSuccess: () => {
      void client.invalidateQueries({ queryKey: all });
      // Closing or converting an alert changes tasks too.
      void client.invalidateQueries({ queryKey: ["tasks"] });
    },
  });
}

const alertPath = (id: string) => ({ params: { path: { alert_id: id } } });
const rulePath = (id: string) => ({ params: { path: { rule_id: id } } });

export const useDismissAlert = () =>
  useAlertMutation((id: string) => unwrap(api.POST("/api/v1/alerts/{alert_id}/dismiss", alertPath(id))));

export const useSnoozeAlert = () =>
  useAlertMutation(({ id, until }: { id: string; until: string }) =>
    unwrap(api.POST("/api/v1/alerts/{alert_id}/snooze", { ...alertPath(id), body: { until } })),
  );

export const useCloseAlertTask = () =>
  useAlertMutation(({ id, outcome }: { id: string; outcome: TaskOutcome }) =>
    unwrap(api.POST("/api/v1/alerts/{alert_id}/close", { ...alertPath(id), body: { outcome } })),
  );

export const useConvertAlert = () =>
  useAlertMutation((id: string) => unwrap(api.POST("/api/v1/alerts/{alert_id}/convert", alertPath(id))));

export function usePlaybooks() {
  return useQuery({
    queryKey: ["playbooks", "listPlaybooks"],
    queryFn: ({ signal }) => unwrap(api.GET("/api/v1/playbooks", { signal })),
  });
}

function usePlaybookMutation<T, R>(fn: (body: T) => Promise<R>) {
  const client = useQueryClient();
  return useMutation({ mutationFn: fn, onSuccess: () => client.invalidateQueries({ queryKey: ["playbooks"] }) });
}

const playbookPath = (id: string) => ({ params: { path: { playbook_id: id } } });

export const useCreatePlaybook = () => usePlaybookMutation((body: PlaybookWrite) => unwrap(api.POST("/api/v1/playbooks", { body })));

export const useUpdatePlaybook = () =>
  usePlaybookMutation(({ id, body }: { id: string; body: PlaybookWrite }) =>
    unwrap(api.PUT("/api/v1/playbooks/{playbook_id}", { ...playbookPath(id), body })),
  );

export const useDeletePlaybook = () =>
  usePlaybookMutation((id: string) => unwrap(api.DELETE("/api/v1/playbooks/{playbook_id}", playbookPath(id))));

export const useDeleteAlert = () =>
  useAlertMutation((id: string) => unwrap(api.DELETE("/api/v1/alerts/{alert_id}", alertPath(id))));

export const useBulkDismissAlerts = () =>
  useAlertMutation((body: AlertSelection) => unwrap(api.POST("/api/v1/alerts/bulk-dismiss", { body })));

export const useBulkCloseAlertTasks = () =>
  useAlertMutation((body: AlertBulkClose) => unwrap(api.POST("/api/v1/alerts/bulk-close", { body })));

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

/** What "Run now" would do for a saved rule: how many of the accounts the caller sees match
 * it now and would fire (asked when the run is confirmed; nothing is run). */
export function useSavedAlertRulePreview(id: string | null) {
  return useQuery({
    enabled: id !== null,
    queryKey: ["alerts", "previewAlertRule", id],
    queryFn: ({ signal }) => unwrap(api.POST("/api/v1/alert-rules/{rule_id}/preview", { ...rulePath(id!), signal })),
    retry: false,
  });
}

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
