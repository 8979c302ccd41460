"""Which notifications a user takes where, when they have not said: everything in the app;
by email only what asks them to act (a task given to them, one overdue, an alert task)."""

from domain.notifications.models import NotificationKind

DEFAULT_IN_APP: dict[NotificationKind, bool] = dict.fromkeys(NotificationKind, True)
DEFAULT_EMAIL: dict[NotificationKind, bool] = {
    NotificationKind.TASK_ASSIGNED: True,
    NotificationKind.TASK_REASSIGNED: True,
    NotificationKind.TASK_UPDATED: False,
    NotificationKind.TASK_DUE_SOON: False,
    NotificationKind.TASK_OVERDUE: True,
    NotificationKind.ALERT_TASK: True,
}
