import uuid
from dataclasses import dataclass

from domain.notifications.models import NotificationKind


@dataclass(frozen=True)
class NewNotification:
    """One event for one recipient. `dedupe_key` names the event: the same key for the same
    user makes one notification, however often it is sent."""

    user_id: uuid.UUID
    kind: NotificationKind
    account_id: uuid.UUID
    task_id: uuid.UUID | None
    alert_id: uuid.UUID | None
    title: str
    body: str
    dedupe_key: str
