import uuid
from datetime import datetime
from enum import StrEnum

from sqlalchemy import Computed, ForeignKey, Index, String, Text, Uuid, text
from sqlalchemy.dialects.postgresql import ARRAY, TSVECTOR
from sqlalchemy.orm import Mapped, mapped_column

from domain.common.base import Base, IdMixin, TimestampMixin


class InteractionType(StrEnum):
    CALL = "call"
    MEETING = "meeting"
    EMAIL = "email"
    QBR = "qbr"
    NOTE = "note"
    OTHER = "other"


class Interaction(IdMixin, TimestampMixin, Base):
    """A call, meeting, email or QBR with the customer, logged by hand or synced from a CRM."""

    __tablename__ = "interactions"
    __table_args__ = (
        Index("ix_interactions_org_id_occurred_at", "org_id", "occurred_at"),
        Index("ix_interactions_account_id_occurred_at", "account_id", "occurred_at"),
        # A CSM's search probes it once per visible account: deduplicated, it stays in memory.
        Index("ix_interactions_account_id", "account_id"),
        Index("ix_interactions_search", "search", postgresql_using="gin"),
        # A synced interaction is upserted by its id in the source system.
        Index(
            "uq_interactions_org_id_source_external_id",
            "org_id",
            "source",
            "external_id",
            unique=True,
            postgresql_where=text("external_id IS NOT NULL"),
        ),
    )

    org_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("organisations.id", ondelete="CASCADE"))
    account_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("accounts.id", ondelete="CASCADE"))
    type: Mapped[InteractionType] = mapped_column(String(16))
    occurred_at: Mapped[datetime]
    subject: Mapped[str | None] = mapped_column(String(500))
    body: Mapped[str | None] = mapped_column(Text)
    outcome: Mapped[str | None] = mapped_column(String(500))
    author_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    participant_user_ids: Mapped[list[uuid.UUID]] = mapped_column(ARRAY(Uuid()), default=list)
    participant_contacts: Mapped[list[str]] = mapped_column(ARRAY(String(300)), default=list)
    external_id: Mapped[str | None] = mapped_column(String(200))
    source: Mapped[str] = mapped_column(String(32), default="manual")
    search: Mapped[str] = mapped_column(
        TSVECTOR,
        Computed(
            "to_tsvector('english', coalesce(subject, '') || ' ' || coalesce(body, '') || ' '"
            " || coalesce(outcome, ''))",
            persisted=True,
        ),
    )


class Note(IdMixin, TimestampMixin, Base):
    __tablename__ = "notes"
    __table_args__ = (
        Index("ix_notes_account_id_created_at", "account_id", "created_at"),
        Index("ix_notes_search", "search", postgresql_using="gin"),
    )

    org_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("organisations.id", ondelete="CASCADE"))
    account_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("accounts.id", ondelete="CASCADE"))
    author_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    body: Mapped[str] = mapped_column(Text)
    is_pinned: Mapped[bool] = mapped_column(default=False)
    search: Mapped[str] = mapped_column(
        TSVECTOR, Computed("to_tsvector('english', coalesce(body, ''))", persisted=True)
    )


class TicketStatus(StrEnum):
    OPEN = "open"
    PENDING = "pending"
    SOLVED = "solved"
    CLOSED = "closed"


# A solved ticket is done as far as the account is concerned, like a closed one: it has a close
# time and does not count as open (the help desk may still close it later).
CLOSED_TICKET_STATUSES: frozenset[TicketStatus] = frozenset(
    {TicketStatus.SOLVED, TicketStatus.CLOSED}
)


class TicketPriority(StrEnum):
    LOW = "low"
    NORMAL = "normal"
    HIGH = "high"
    URGENT = "urgent"


class Ticket(IdMixin, TimestampMixin, Base):
    """A support ticket from a help desk (or entered by hand), attached to an account."""

    __tablename__ = "tickets"
    __table_args__ = (
        Index("ix_tickets_account_id_opened_at", "account_id", "opened_at"),
        Index(
            "uq_tickets_org_id_source_external_id", "org_id", "source", "external_id", unique=True
        ),
    )

    org_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("organisations.id", ondelete="CASCADE"))
    account_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("accounts.id", ondelete="CASCADE"))
    external_id: Mapped[str | None] = mapped_column(String(200))
    source: Mapped[str] = mapped_column(String(32), default="manual")
    subject: Mapped[str] = mapped_column(String(500))
    status: Mapped[TicketStatus] = mapped_column(String(16), default=TicketStatus.OPEN)
    priority: Mapped[TicketPriority] = mapped_column(String(16), default=TicketPriority.NORMAL)
    opened_at: Mapped[datetime]
    closed_at: Mapped[datetime | None]
