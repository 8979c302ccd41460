"""CSM tasks (to-dos, not background jobs): regular, alert and playbook tasks, with sub-tasks.

- An **alert task** is the task of one alert (`alert_id`, no `playbook_step_id`): at most one per
  alert, a partial unique index decides, so a retried evaluation never makes a second.
- A **playbook task** is a copy of one playbook step made when an alert fired or was converted
  (`alert_id` and `playbook_step_id`, unique together): later edits to the playbook change no
  task already made. It is a sub-task of the alert task when there is one.
- Deleting a task deletes it and its sub-tasks outright, so it leaves every list and report.
"""

import uuid
from datetime import date, datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import ForeignKey, Index, String, Text, UniqueConstraint, text
from sqlalchemy.dialects.postgresql import ARRAY, JSONB
from sqlalchemy.orm import Mapped, mapped_column

from domain.common.base import Base, IdMixin, TimestampMixin


class TaskType(StrEnum):
    REGULAR = "regular"
    ALERT = "alert"
    PLAYBOOK = "playbook"


class TaskStatus(StrEnum):
    OPEN = "open"
    CLOSED = "closed"


class TaskOutcome(StrEnum):
    SUCCESSFUL = "successful"
    UNSUCCESSFUL = "unsuccessful"
    FALSE_ALARM = "false_alarm"


class TaskPriority(StrEnum):
    LOW = "low"
    NORMAL = "normal"
    HIGH = "high"
    URGENT = "urgent"


class Task(IdMixin, TimestampMixin, Base):
    __tablename__ = "tasks"
    __table_args__ = (
        # One alert task per alert, whoever creates it (an evaluation, its retry, a conversion).
        Index(
            "uq_tasks_alert_task",
            "alert_id",
            unique=True,
            postgresql_where=text("playbook_step_id IS NULL"),
        ),
        # One copy of each playbook step per alert.
        UniqueConstraint("alert_id", "playbook_step_id"),
        Index("ix_tasks_org_id_owner_id_status", "org_id", "owner_id", "status"),
        Index("ix_tasks_org_id_status_due_on", "org_id", "status", "due_on"),
    )

    org_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("organisations.id", ondelete="CASCADE"))
    # Required and fixed: a task never moves to another account.
    account_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("accounts.id", ondelete="CASCADE"), index=True
    )
    parent_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("tasks.id", ondelete="CASCADE"), index=True
    )
    alert_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("alerts.id", ondelete="CASCADE"))
    # The step it was copied from; no foreign key: the copy outlives edits to the playbook.
    playbook_step_id: Mapped[uuid.UUID | None]
    type: Mapped[str] = mapped_column(String(16))
    title: Mapped[str] = mapped_column(String(200))
    details: Mapped[str] = mapped_column(Text, default="")
    owner_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    due_on: Mapped[date | None]
    priority: Mapped[str] = mapped_column(String(16))
    tags: Mapped[list[str]] = mapped_column(ARRAY(String(64)), default=list)
    status: Mapped[str] = mapped_column(String(16))
    outcome: Mapped[str | None] = mapped_column(String(16))
    closed_at: Mapped[datetime | None]
    closed_by: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    created_by: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL")
    )


class TaskGroupBy(StrEnum):
    """How the task list is grouped."""

    OWNER = "owner"
    ACCOUNT = "account"
    DUE = "due"
    PRIORITY = "priority"
    TYPE = "type"
    TAG = "tag"
    STATUS = "status"


class SavedTaskView(IdMixin, TimestampMixin, Base):
    """A saved task list: filters and a grouping; personal, or shared with the organisation
    (as the account list's views are)."""

    __tablename__ = "task_views"
    __table_args__ = (
        # As the account list's views: no one sees two of their own views, or two shared views,
        # of one name, whatever its case (domain/tasks/views.py refuses a taken name saying
        # which; these settle two requests that race past it).
        Index("uq_task_views_owner_id_name_lower", "owner_id", text("lower(name)"), unique=True),
        Index(
            "uq_task_views_shared_name_lower",
            "org_id",
            text("lower(name)"),
            unique=True,
            postgresql_where=text("is_shared"),
        ),
    )

    org_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("organisations.id", ondelete="CASCADE"))
    owner_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    name: Mapped[str] = mapped_column(String(200))
    is_shared: Mapped[bool] = mapped_column(default=False)
    # domain/tasks/schemas.py TaskViewFilters as JSON.
    filters: Mapped[dict[str, Any]] = mapped_column(JSONB)
    group_by: Mapped[str | None] = mapped_column(String(16))


class TaskViewDefault(Base):
    """The view a user's Tasks page opens with: one per user, any view they see (a shared view
    is the default of many users). Gone with the view."""

    __tablename__ = "task_view_defaults"

    user_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("users.id", ondelete="CASCADE"), primary_key=True
    )
    org_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("organisations.id", ondelete="CASCADE"))
    view_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("task_views.id", ondelete="CASCADE"), index=True
    )
