import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import Index, String, func, text
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import Mapped, mapped_column

from domain.common.base import Base, IdMixin, reference


class AuditEntry(IdMixin, Base):
    """Who did what to which record, when, with the record before and after."""

    __tablename__ = "audit_log"
    __table_args__ = (Index("ix_audit_log_org_id_created_at", "org_id", "created_at"),)

    org_id: Mapped[uuid.UUID] = mapped_column(reference("organisations.id", ondelete="CASCADE"))
    actor_user_id: Mapped[uuid.UUID | None] = mapped_column(
        reference("users.id", ondelete="SET NULL")
    )
    # The API key whose request wrote the entry (migration 0045: set by the database from the
    # transaction's `tenure.api_key_id`); no reference, so a revoked key's entries stay.
    actor_api_key_id: Mapped[uuid.UUID | None] = mapped_column(
        server_default=text("nullif(current_setting('tenure.api_key_id', true), '')::uuid")
    )
    # The attribute trigger whose run wrote the entry (migration 0050: from the transaction's
    # `tenure.trigger_id`, which a run sets for each trigger's writes); no reference either.
    actor_trigger_id: Mapped[uuid.UUID | None] = mapped_column(
        server_default=text("nullif(current_setting('tenure.trigger_id', true), '')::uuid")
    )
    action: Mapped[str] = mapped_column(String(100))
    entity_type: Mapped[str] = mapped_column(String(50))
    entity_id: Mapped[uuid.UUID | None]
    before: Mapped[dict[str, Any] | None] = mapped_column(JSONB)
    after: Mapped[dict[str, Any] | None] = mapped_column(JSONB)
    created_at: Mapped[datetime] = mapped_column(server_default=func.now())
