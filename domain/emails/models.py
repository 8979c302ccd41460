import uuid
from datetime import datetime
from enum import StrEnum

from sqlalchemy import ForeignKey, String, Text, func
from sqlalchemy.orm import Mapped, mapped_column

from domain.common.base import Base, IdMixin


class OutboxStatus(StrEnum):
    PENDING = "pending"
    # Claimed by a delivery run (committed before its SMTP send): it may be out already.
    SENDING = "sending"
    SENT = "sent"
    FAILED = "failed"


class OutboundEmail(IdMixin, Base):
    """An email written in the same transaction as the change that caused it; a job sends it
    (pending -> sending -> sent, or back to pending after a failed attempt, or failed)."""

    __tablename__ = "email_outbox"

    org_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("organisations.id", ondelete="CASCADE"), index=True
    )
    to_address: Mapped[str] = mapped_column(String(320))
    subject: Mapped[str] = mapped_column(String(500))
    text_body: Mapped[str] = mapped_column(Text)
    html_body: Mapped[str | None] = mapped_column(Text)
    status: Mapped[OutboxStatus] = mapped_column(String(16), default=OutboxStatus.PENDING)
    attempts: Mapped[int] = mapped_column(default=0)
    last_error: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(server_default=func.now())
    claimed_at: Mapped[datetime | None]
    sent_at: Mapped[datetime | None]
