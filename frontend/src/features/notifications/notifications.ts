import type { components } from "../../api/gen/schema";

export type NotificationRead = components["schemas"]["NotificationRead"];
export type NotificationKind = components["schemas"]["NotificationKind"];
export type NotificationPreferencesRead = components["schemas"]["NotificationPreferencesRead"];
export type EmailDigest = components["schemas"]["EmailDigest"];
export type KindChoice = components["schemas"]["KindChoice"];

/** Every kind, in the order the preferences list them, with what it means to the user. */
export const KINDS: { kind: NotificationKind; label: string; description: string }[] = [
  { kind: "task_assigned", label: "New task for you", description: "Someone gives you a task" },
  { kind: "task_reassigned", label: "Task reassigned to you", description: "A task moves to you" },
  {
    kind: "task_updated",
    label: "Your task changed",
    description: "Someone else changes its due date, priority, title or details, or closes or reopens it",
  },
  { kind: "task_due_soon", label: "Due tomorrow", description: "An open task of yours is due tomorrow" },
  { kind: "task_overdue", label: "Overdue", description: "An open task of yours is past its due date" },
  { kind: "alert_task", label: "Alerts", description: "An alert rule opens an alert or alert task for you" },
];

/** The bell's badge: nothing when all is read, "99+" beyond two digits. */
export function badgeLabel(unread: number): string | null {
  if (unread <= 0) return null;
  return unread > 99 ? "99+" : String(unread);
}

/** Where a notification leads: its account's page, with its task marked when it has one. */
export function notificationLink(n: Pick<NotificationRead, "account_id" | "task_id" | "alert_id">): string {
  if (n.task_id) return `/accounts/${n.account_id}?task=${n.task_id}`;
  if (n.alert_id) return `/accounts/${n.account_id}?tab=alerts`;
  return `/accounts/${n.account_id}`;
}

/** The preferences as the PUT takes them, with one kind's choice changed. */
export function withChoice(
  current: NotificationPreferencesRead,
  kind: NotificationKind,
  change: Partial<KindChoice>,
): NotificationPreferencesRead {
  const before = current.kinds[kind] ?? { in_app: true, email: false };
  return { ...current, kinds: { ...current.kinds, [kind]: { ...before, ...change } } };
}
