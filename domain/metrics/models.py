"""Account metrics: their current values, their daily history and the formulas admins define.

- `account_metric_values`: one row per live account with the current value of every built-in
  metric the refresh job stores (a column each). Each metric group (revenue, interactions,
  tickets, usage, features, activity rank) is rewritten for the whole organisation by one
  `INSERT ... SELECT ... ON CONFLICT DO UPDATE`, so refreshing twice changes nothing.
- `account_metric_snapshots`: every metric (built-in, numeric custom, computed) of an account
  on a day, as a JSON object keyed by metric key, written by the daily snapshot (upsert by
  account and day). It is the history charts, trends and "value on a day" read.
- `account_activity_ranks`, `contact_activity_ranks`: an account's or a contact's activity rank
  per day, the history its trend (a regression over the last 30 daily ranks) is computed from;
  only recent days are kept. Narrow on purpose: the nightly regression reads 30 days of every
  account (3,000,000 rows at 100,000 accounts), which the JSON snapshots would make ten times
  wider.
- `computed_metrics`: an organisation's formulas over other metrics.
"""

import uuid
from datetime import date, datetime
from decimal import Decimal
from enum import StrEnum
from typing import Any

from sqlalchemy import BigInteger, ForeignKey, Index, Numeric, String, UniqueConstraint, text
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import Mapped, mapped_column

from domain.common.base import Base, IdMixin, TimestampMixin


class MetricFormat(StrEnum):
    NUMBER = "number"
    # Major units of the organisation's base currency.
    CURRENCY = "currency"
    PERCENT = "percent"
    DAYS = "days"


class AccountMetricValues(Base):
    """The current built-in metrics of an account. A NULL is "no value" (no revenue recorded,
    no interaction ever); usage counts are 0 when there was no usage."""

    __tablename__ = "account_metric_values"

    account_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("accounts.id", ondelete="CASCADE"), primary_key=True
    )
    org_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("organisations.id", ondelete="CASCADE"), index=True
    )
    # Revenue, in minor units of the base currency (as the revenue area stores it).
    mrr: Mapped[int | None] = mapped_column(BigInteger)
    arr: Mapped[int | None] = mapped_column(BigInteger)
    # A day, not a count: "days since" moves with the calendar between refreshes.
    last_interaction_on: Mapped[date | None]
    open_tickets: Mapped[int | None]
    active_users_7d: Mapped[int | None]
    active_users_30d: Mapped[int | None]
    events_7d: Mapped[int | None]
    events_30d: Mapped[int | None]
    sessions_30d: Mapped[int | None]
    session_seconds_30d: Mapped[int | None] = mapped_column(BigInteger)
    features_used_30d: Mapped[int | None]
    feature_adoption: Mapped[Decimal | None] = mapped_column(Numeric(5, 2))
    activity_rank: Mapped[Decimal | None] = mapped_column(Numeric(5, 2))
    activity_rank_trend: Mapped[Decimal | None] = mapped_column(Numeric(6, 2))
    # When a value last changed (a refresh that changes nothing writes nothing).
    updated_at: Mapped[datetime]


# Snapshots and contact ranks are written for every account or contact every day: they carry
# no foreign key to accounts or contacts (each key check locks the referenced row, which halves
# the speed of writing them); readers join them to live accounts and contacts.


class AccountMetricSnapshot(Base):
    __tablename__ = "account_metric_snapshots"
    __table_args__ = (Index("ix_account_metric_snapshots_org_id_day", "org_id", "day"),)

    account_id: Mapped[uuid.UUID] = mapped_column(primary_key=True)
    day: Mapped[date] = mapped_column(primary_key=True)
    org_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("organisations.id", ondelete="CASCADE"))
    # metric key -> number; metrics without a value that day are absent.
    values: Mapped[dict[str, Any]] = mapped_column(
        JSONB, default=dict, server_default=text("'{}'::jsonb")
    )
    taken_at: Mapped[datetime]


class AccountActivityRank(Base):
    __tablename__ = "account_activity_ranks"
    __table_args__ = (Index("ix_account_activity_ranks_org_id_day", "org_id", "day"),)

    account_id: Mapped[uuid.UUID] = mapped_column(primary_key=True)
    day: Mapped[date] = mapped_column(primary_key=True)
    org_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("organisations.id", ondelete="CASCADE"))
    rank: Mapped[Decimal] = mapped_column(Numeric(5, 2))


class ContactActivityRank(Base):
    __tablename__ = "contact_activity_ranks"
    __table_args__ = (Index("ix_contact_activity_ranks_org_id_day", "org_id", "day"),)

    contact_id: Mapped[uuid.UUID] = mapped_column(primary_key=True)
    day: Mapped[date] = mapped_column(primary_key=True)
    org_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("organisations.id", ondelete="CASCADE"))
    session_seconds_30d: Mapped[int] = mapped_column(BigInteger)
    rank: Mapped[Decimal] = mapped_column(Numeric(5, 2))


class ComputedMetric(IdMixin, TimestampMixin, Base):
    """An admin's formula over built-in and numeric custom metrics (and other computed ones)."""

    __tablename__ = "computed_metrics"
    __table_args__ = (UniqueConstraint("org_id", "key"),)

    org_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("organisations.id", ondelete="CASCADE"))
    key: Mapped[str] = mapped_column(String(64))
    label: Mapped[str] = mapped_column(String(200))
    format: Mapped[MetricFormat] = mapped_column(String(16))
    formula: Mapped[str] = mapped_column(String(500))
    description: Mapped[str | None] = mapped_column(String(1000))
