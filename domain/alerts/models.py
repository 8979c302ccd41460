"""Alert rules, the alerts they open and each evaluation of them.

- `alert_rules`: a condition in the filter language and the retrigger policy (delay in days,
  never retrigger), whether churned accounts are included, whether an alert task is created when
  it fires, its playbook if any, active or not.
- `alerts`: one per firing of a rule for an account, open, dismissed (a plain alert) or closed
  (an alert task, whose outcome is on its task), with the rule's reason and the values that made
  the account match. At most one open alert per rule and account: a
  partial unique index decides, so two evaluations at once open one.
- `alert_evaluations`: what each evaluation of a rule found (matched, fired, held back and why).
- `playbooks` and `playbook_steps`: named lists of task templates, copied into tasks when an
  alert of a rule naming the playbook fires (domain/tasks/models.py).
"""

import uuid
from datetime import date, datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import ForeignKey, Index, String, Text, UniqueConstraint, text
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import Mapped, mapped_column

from domain.common.base import Base, IdMixin, TimestampMixin


class AlertType(StrEnum):
    CHURN = "churn"
    RENEWAL = "renewal"
    EXPANSION = "expansion"
    CONVERSION = "conversion"
    ENGAGEMENT = "engagement"
    CUSTOM = "custom"


class AlertStatus(StrEnum):
    OPEN = "open"
    DISMISSED = "dismissed"
    # An alert task closed with an outcome.
    CLOSED = "closed"


class AssigneeRole(StrEnum):
    """Who a playbook step's task is for, resolved when the alert fires."""

    CSM = "csm"
    MANAGER = "manager"
    USER = "user"


class Playbook(IdMixin, TimestampMixin, Base):
    __tablename__ = "playbooks"
    __table_args__ = (UniqueConstraint("org_id", "name"),)

    org_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("organisations.id", ondelete="CASCADE"))
    name: Mapped[str] = mapped_column(String(200))
    description: Mapped[str] = mapped_column(Text, default="")


class PlaybookStep(IdMixin, Base):
    __tablename__ = "playbook_steps"
    __table_args__ = (UniqueConstraint("playbook_id", "position"),)

    org_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("organisations.id", ondelete="CASCADE"))
    playbook_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("playbooks.id", ondelete="CASCADE"))
    position: Mapped[int]
    title: Mapped[str] = mapped_column(String(200))
    description: Mapped[str] = mapped_column(Text, default="")
    due_in_days: Mapped[int]
    assignee: Mapped[str] = mapped_column(String(16))
    # Set when `assignee` is a named user.
    assignee_user_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL")
    )


class EvaluationTrigger(StrEnum):
    LIVE = "live"
    SCHEDULE = "schedule"
    RUN_NOW = "run_now"


class AlertRule(IdMixin, TimestampMixin, Base):
    __tablename__ = "alert_rules"
    __table_args__ = (UniqueConstraint("org_id", "name"),)

    org_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("organisations.id", ondelete="CASCADE"))
    name: Mapped[str] = mapped_column(String(200))
    type: Mapped[str] = mapped_column(String(16))
    # Shown to CSMs as the alert's reason.
    description: Mapped[str] = mapped_column(Text)
    # The filter language's JSON (domain/filters/schemas.py).
    condition: Mapped[dict[str, Any]] = mapped_column(JSONB)
    includes_churned: Mapped[bool]
    retrigger_delay_days: Mapped[int]
    never_retrigger: Mapped[bool]
    creates_task: Mapped[bool]
    playbook_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("playbooks.id", ondelete="SET NULL")
    )
    is_active: Mapped[bool]
    # Whom its alerts notify: [{"role": "account_owners" | "owners_managers"} |
    # {"user_id": "..."}]; empty: nobody (an alert task's owner is notified regardless).
    notify: Mapped[list[dict[str, Any]]] = mapped_column(
        JSONB, server_default=text("""'[{"role": "account_owners"}]'::jsonb""")
    )


class Alert(IdMixin, Base):
    __tablename__ = "alerts"
    __table_args__ = (
        # The database, not timing, keeps a rule to one open alert per account.
        Index(
            "uq_alerts_open",
            "rule_id",
            "account_id",
            unique=True,
            postgresql_where=text("status = 'open'"),
        ),
        # The rule's last alert for each account (retrigger) and its recent triggers.
        Index("ix_alerts_rule_id_account_id_fired_at", "rule_id", "account_id", "fired_at"),
        Index("ix_alerts_org_id_fired_at", "org_id", "fired_at"),
    )

    # The account, rule and organisation are checked once per inserting statement, not by
    # foreign keys once per row, and deleting an account or rule deletes its alerts: triggers
    # of migration 0030, which the model does not show.
    org_id: Mapped[uuid.UUID]
    rule_id: Mapped[uuid.UUID]
    account_id: Mapped[uuid.UUID] = mapped_column(index=True)
    fired_at: Mapped[datetime]
    status: Mapped[str] = mapped_column(String(16))
    reason: Mapped[str] = mapped_column(Text)
    # The condition's fields as they were when it fired: {"<field>": value}.
    values: Mapped[dict[str, Any]] = mapped_column(JSONB)
    snoozed_until: Mapped[date | None]
    dismissed_at: Mapped[datetime | None]
    dismissed_by: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL")
    )
    closed_at: Mapped[datetime | None]


class AlertEvaluation(IdMixin, Base):
    __tablename__ = "alert_evaluations"
    __table_args__ = (Index("ix_alert_evaluations_rule_id_ran_at", "rule_id", "ran_at"),)

    org_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("organisations.id", ondelete="CASCADE"))
    rule_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("alert_rules.id", ondelete="CASCADE"))
    ran_at: Mapped[datetime]
    trigger: Mapped[str] = mapped_column(String(16))
    # None: every account of the organisation; else how many changed accounts were evaluated.
    accounts_evaluated: Mapped[int | None]
    matched: Mapped[int]
    fired: Mapped[int]
    held_open: Mapped[int]
    held_by_delay: Mapped[int]
    held_by_never_retrigger: Mapped[int]
    excluded_churned: Mapped[int]
    # Set when the rule was not evaluated: its stored condition no longer compiles (a field or
    # metric it names was deleted); the counts are then all zero.
    problem: Mapped[str | None] = mapped_column(Text)
