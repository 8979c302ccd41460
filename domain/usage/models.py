"""Contacts, their product events, the sessions derived from them and the daily usage rollups.

Raw data (written by ingestion, the integrator's ids kept so late arrivals link up):

- `contacts`: the end users of the customer's product, unique per organisation by external id.
- `contact_aliases`: a contact's former external ids (Segment's `alias`): events sent under
  one are stored under the contact's id.
- `contact_accounts`: which accounts a contact belongs to, by the account's external id;
  `account_id` is filled once that account exists (at ingest, and by the rollup job).
- `usage_events`: one row per event, keyed by (org_id, message_id) so a retried or duplicated
  event is stored once. `account_id`/`contact_id` are NULL until the account or contact exists.
- `usage_pending_days`: the (organisation, day) pairs whose rollups are stale: ingestion and
  late linking add them, the rollup job consumes them.

Derived by the rollup job (`domain.usage.service.roll_up`): each day it recomputes ends up
exactly as computed, only the rows that differ being written, so running it twice changes
nothing. Days are calendar days in the organisation's
time zone. Only events whose account and contact are both known are counted.

Sessions are derived, not stored one by one: a session is a run of one contact's events on one
account with no gap longer than the organisation's `session_timeout_minutes` (or consecutive
events carrying the same session id the integrator sent). A session counts on the day it
starts; its time (each gap between its events) counts on the day it passes, so a session from
23:50 to 00:20 gives 10 minutes to one day and 20 to the next (`domain.usage.sessions` is the
executable definition).

- `usage_daily_contact` (org_id, account_id, contact_id, day): events, sessions started,
  session seconds, first and last event. Distinct active contacts over any window (7/30 days)
  are counted from here.
- `usage_daily_account` (org_id, account_id, day): events, active_contacts (contacts with at
  least one event that day), sessions, session_seconds: the sum of its contacts' rows; and the
  time of the last of them.
- `usage_daily_feature` (org_id, account_id, day, module, feature): events and active contacts
  per feature; `module` is '' for events sent without one; events without a feature are not
  in this table.

A day with no activity has no row: readers treat a missing row as zero.
"""

import uuid
from datetime import date, datetime
from typing import Any

from sqlalchemy import ForeignKey, Index, String, func, text
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import Mapped, mapped_column

from domain.common.base import Base, IdMixin, TimestampMixin


class Contact(IdMixin, TimestampMixin, Base):
    """A person who uses the customer's product (or a CRM contact who may never log in)."""

    __tablename__ = "contacts"
    __table_args__ = (
        Index("uq_contacts_org_id_external_id", "org_id", "external_id", unique=True),
    )

    org_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("organisations.id", ondelete="CASCADE"))
    # The integrator's key: exact and case-sensitive, like accounts' external ids.
    external_id: Mapped[str] = mapped_column(String(200))
    email: Mapped[str | None] = mapped_column(String(320))
    name: Mapped[str | None] = mapped_column(String(300))
    title: Mapped[str | None] = mapped_column(String(200))
    role: Mapped[str | None] = mapped_column(String(200))
    first_seen_at: Mapped[datetime | None]
    last_seen_at: Mapped[datetime | None]
    traits: Mapped[dict[str, Any]] = mapped_column(
        JSONB, default=dict, server_default=text("'{}'::jsonb")
    )


class ContactAlias(Base):
    """A contact's former external id (Segment's `alias`, from `previousId` to `userId`): an
    event sent under it later belongs to the contact it became."""

    __tablename__ = "contact_aliases"

    org_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("organisations.id", ondelete="CASCADE"), primary_key=True
    )
    alias: Mapped[str] = mapped_column(String(200), primary_key=True)
    external_id: Mapped[str] = mapped_column(String(200))
    created_at: Mapped[datetime] = mapped_column(server_default=text("now()"))


class ContactAccount(Base):
    """A contact's membership of an account, kept by the account's external id so it resolves
    when the account arrives after the contact."""

    __tablename__ = "contact_accounts"
    __table_args__ = (
        Index("ix_contact_accounts_org_id_account_id", "org_id", "account_id"),
        Index(
            "ix_contact_accounts_unlinked",
            "org_id",
            "account_external_id",
            postgresql_where=text("account_id IS NULL"),
        ),
    )

    contact_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("contacts.id", ondelete="CASCADE"), primary_key=True
    )
    account_external_id: Mapped[str] = mapped_column(String(200), primary_key=True)
    org_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("organisations.id", ondelete="CASCADE"))
    account_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("accounts.id", ondelete="SET NULL")
    )
    # The account traits a Segment `group` call sent (Tenure never creates accounts from them).
    traits: Mapped[dict[str, Any]] = mapped_column(
        JSONB, default=dict, server_default=text("'{}'::jsonb")
    )
    created_at: Mapped[datetime] = mapped_column(server_default=func.now())


class UsageEvent(Base):
    """One thing a contact did in the product. Written only by set-based SQL: no ORM object
    per event on the ingestion path."""

    __tablename__ = "usage_events"
    __table_args__ = (
        Index("ix_usage_events_org_id_occurred_at", "org_id", "occurred_at"),
        # Carries what the live chain's rollup reads, for an index-only scan of an account's
        # events (the table is vacuumed often for that: migration 0033).
        Index(
            "ix_usage_events_org_id_account_id_occurred_at",
            "org_id",
            "account_id",
            "occurred_at",
            postgresql_include=["contact_id", "session_id", "module", "feature"],
        ),
        Index(
            "ix_usage_events_org_id_contact_id_occurred_at", "org_id", "contact_id", "occurred_at"
        ),
        # Small: only events still waiting for their account or contact.
        Index(
            "ix_usage_events_unlinked_account",
            "org_id",
            "account_external_id",
            postgresql_where=text("account_id IS NULL"),
        ),
        Index(
            "ix_usage_events_unlinked_contact",
            "org_id",
            "contact_external_id",
            postgresql_where=text("contact_id IS NULL"),
        ),
    )

    org_id: Mapped[uuid.UUID] = mapped_column(primary_key=True)
    # The idempotency key: sent by the integrator (or derived from the payload).
    message_id: Mapped[str] = mapped_column(String(200), primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    feature: Mapped[str | None] = mapped_column(String(200))
    module: Mapped[str | None] = mapped_column(String(200))
    contact_external_id: Mapped[str] = mapped_column(String(200))
    account_external_id: Mapped[str | None] = mapped_column(String(200))
    # No foreign keys here, org_id included: checked per row they would cost ingestion about as
    # much as the insert itself. Only our own joins set account_id and contact_id, accounts are
    # soft-deleted, and deleting an organisation deletes its events by trigger.
    account_id: Mapped[uuid.UUID | None]
    contact_id: Mapped[uuid.UUID | None]
    session_id: Mapped[str | None] = mapped_column(String(200))
    occurred_at: Mapped[datetime]
    received_at: Mapped[datetime] = mapped_column(server_default=func.now())
    properties: Mapped[dict[str, Any]] = mapped_column(
        JSONB, default=dict, server_default=text("'{}'::jsonb")
    )


class UsagePendingDay(Base):
    """A day whose sessions and rollups must be recomputed."""

    __tablename__ = "usage_pending_days"

    org_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("organisations.id", ondelete="CASCADE"), primary_key=True
    )
    day: Mapped[date] = mapped_column(primary_key=True)


# Daily rollups are derived from events and rebuilt by the rollup job. Like the events, they
# carry no foreign keys, not even to their organisation: each key check locks the referenced
# row (FOR KEY SHARE) and costs as much as writing the row. Readers join them to live accounts
# and contacts; deleting an organisation deletes its rows with a trigger
# (migration 0012, `delete_organisation_usage`).


class UsageDailyContact(Base):
    __tablename__ = "usage_daily_contact"
    __table_args__ = (
        # Every reader takes a range of days of the whole organisation (or one account, by the
        # primary key); each further index would cost the rollup a write per row.
        Index("ix_usage_daily_contact_org_id_day", "org_id", "day"),
    )

    org_id: Mapped[uuid.UUID] = mapped_column(primary_key=True)
    account_id: Mapped[uuid.UUID] = mapped_column(primary_key=True)
    contact_id: Mapped[uuid.UUID] = mapped_column(primary_key=True)
    day: Mapped[date] = mapped_column(primary_key=True)
    events: Mapped[int]
    sessions: Mapped[int]
    session_seconds: Mapped[int]
    first_event_at: Mapped[datetime]
    last_event_at: Mapped[datetime]


class UsageDailyAccount(Base):
    __tablename__ = "usage_daily_account"
    __table_args__ = (Index("ix_usage_daily_account_org_id_day", "org_id", "day"),)

    org_id: Mapped[uuid.UUID] = mapped_column(primary_key=True)
    account_id: Mapped[uuid.UUID] = mapped_column(primary_key=True)
    day: Mapped[date] = mapped_column(primary_key=True)
    events: Mapped[int]
    active_contacts: Mapped[int]
    sessions: Mapped[int]
    session_seconds: Mapped[int]
    # Its contacts' latest: the live chain reads only the events after it (None: rolled up
    # before the time was kept, so recomputed whole once).
    last_event_at: Mapped[datetime | None]


class UsageDailyFeature(Base):
    __tablename__ = "usage_daily_feature"
    __table_args__ = (
        Index("ix_usage_daily_feature_org_id_day_feature", "org_id", "day", "feature"),
    )

    org_id: Mapped[uuid.UUID] = mapped_column(primary_key=True)
    account_id: Mapped[uuid.UUID] = mapped_column(primary_key=True)
    day: Mapped[date] = mapped_column(primary_key=True)
    module: Mapped[str] = mapped_column(String(200), primary_key=True)
    feature: Mapped[str] = mapped_column(String(200), primary_key=True)
    events: Mapped[int]
    active_contacts: Mapped[int]
