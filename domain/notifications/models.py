"""In-app notifications and each user's choice of which ones, in the app and by email.

- `notifications`: one per event and recipient. `dedupe_key` names the event (a task assigned,
  an alert fired, a task overdue since a given due date) and is unique per user, so a retried
  job or a second evaluation of the same alert inserts nothing (ON CONFLICT DO NOTHING) and so
  queues no second email. `email_state` is the email's progress: pending (an immediate email
  to write), digest (waits for the daily digest), emailed, digested, skipped (read before its
  digest went out) or none (the user takes no email of this kind).
- `notification_preferences`: per user, per kind in-app and email on or off, and whether
  emails come one by one or in one daily digest. No row: the defaults (preferences.py).
"""

import uuid
from datetime import datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import ForeignKey, Index, String, Text, UniqueConstraint, func, text
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import Mapped, mapped_column

from domain.common.base import Base, IdMixin, reference


class NotificationKind(StrEnum):
    TASK_ASSIGNED = "task_assigned"
    TASK_REASSIGNED = "task_reassigned"
    TASK_UPDATED = "task_updated"
    TASK_DUE_SOON = "task_due_soon"
    TASK_OVERDUE = "task_overdue"
    ALERT_TASK = "alert_task"


class EmailState(StrEnum):
    NONE = "none"
    PENDING = "pending"
    DIGEST = "digest"
    EMAILED = "emailed"
    DIGESTED = "digested"
    SKIPPED = "skipped"


class EmailDigest(StrEnum):
    IMMEDIATE = "immediate"
    DAILY = "daily"


class Notification(IdMixin, Base):
    __tablename__ = "notifications"
    __table_args__ = (
        # One notification per event and recipient, however often the event is replayed.
        UniqueConstraint("user_id", "dedupe_key"),
        # The bell: a user's unread ones, newest first.
        Index("ix_notifications_user_id_read_at_created_at", "user_id", "read_at", "created_at"),
        # A deleted task's notifications; most (an alert's) name none.
        Index("ix_notifications_task_id", "task_id", postgresql_where=text("task_id IS NOT NULL")),
        # The email and digest jobs read only what is still to send.
        Index(
            "ix_notifications_email_to_send",
            "org_id",
            "email_state",
            postgresql_where=text("email_state IN ('pending', 'digest')"),
        ),
    )

    org_id: Mapped[uuid.UUID] = mapped_column(reference("organisations.id", ondelete="CASCADE"))
    user_id: Mapped[uuid.UUID] = mapped_column(reference("users.id", ondelete="CASCADE"))
    kind: Mapped[str] = mapped_column(String(32))
    # A deleted task, alert, account or user takes its notifications along (checked and
    # deleted by statement triggers, migration 0044).
    task_id: Mapped[uuid.UUID | None] = mapped_column(reference("tasks.id", ondelete="CASCADE"))
    alert_id: Mapped[uuid.UUID | None] = mapped_column(
        reference("alerts.id", ondelete="CASCADE"), index=True
    )
    account_id: Mapped[uuid.UUID] = mapped_column(
        reference("accounts.id", ondelete="CASCADE"), index=True
    )
    title: Mapped[str] = mapped_column(String(300))
    body: Mapped[str] = mapped_column(Text)
    dedupe_key: Mapped[str] = mapped_column(String(200))
    # False: the user takes this kind by email only; it is not in the bell.
    in_app: Mapped[bool]
    email_state: Mapped[str] = mapped_column(String(16))
    created_at: Mapped[datetime] = mapped_column(server_default=func.now())
    read_at: Mapped[datetime | None]
    emailed_at: Mapped[datetime | None]


class NotificationPreferences(Base):
    __tablename__ = "notification_preferences"

    user_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("users.id", ondelete="CASCADE"), primary_key=True
    )
    org_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("organisations.id", ondelete="CASCADE"), index=True
    )
    # {"<kind>": {"in_app": bool, "email": bool}}; a kind absent takes its default.
    kinds: Mapped[dict[str, Any]] = mapped_column(JSONB)
    email_digest: Mapped[str] = mapped_column(String(16))
    updated_at: Mapped[datetime] = mapped_column(server_default=func.now(), onupdate=func.now())
