import { describe, expect, it } from "vitest";
import { badgeLabel, notificationLink, withChoice, type NotificationPreferencesRead } from "./notifications";

describe("the bell's badge", () => {
  it("shows nothing when all is read and caps at 99+", () => {
    expect(badgeLabel(0)).toBeNull();
    expect(badgeLabel(7)).toBe("7");
    expect(badgeLabel(99)).toBe("99");
    expect(badgeLabel(100)).toBe("99+");
  });
});

describe("where a notification leads", () => {
  it("opens the account with its task marked, an alert's tab, or the account", () => {
    expect(notificationLink({ account_id: "a1", task_id: "t1", alert_id: "x1" })).toBe("/accounts/a1?task=t1");
    expect(notificationLink({ account_id: "a1", task_id: null, alert_id: "x1" })).toBe("/accounts/a1?tab=alerts");
    expect(notificationLink({ account_id: "a1", task_id: null, alert_id: null })).toBe("/accounts/a1");
  });
});

describe("changing a preference", () => {
  const prefs: NotificationPreferencesRead = {
    email_digest: "immediate",
    kinds: {
      task_assigned: { in_app: true, email: true },
      task_updated: { in_app: true, email: false },
    },
  };

  it("changes one switch of one kind and keeps the rest", () => {
    const next = withChoice(prefs, "task_updated", { email: true });
    expect(next.kinds.task_updated).toEqual({ in_app: true, email: true });
    expect(next.kinds.task_assigned).toEqual({ in_app: true, email: true });
    expect(prefs.kinds.task_updated).toEqual({ in_app: true, email: false });
  });
});
