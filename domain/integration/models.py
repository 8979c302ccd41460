import uuid
from datetime import datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import BigInteger, ForeignKey, Index, String, UniqueConstraint, func
from sqlalchemy.dialects.postgresql import ARRAY, JSONB
from sqlalchemy.orm import Mapped, mapped_column

from domain.common.base import Base, IdMixin


class ApiScope(StrEnum):
    """What an API key may do: send data, read it, or both (and create, edit, delete and
    restore accounts)."""

    INGEST = "ingest"
    READ = "read"
    FULL = "full"


class ApiKey(IdMixin, Base):
    """A secret an integrator's system authenticates with. Only a hash of it is stored; the
    key is shown once, when it is created."""

    __tablename__ = "api_keys"
    __table_args__ = (Index("ix_api_keys_org_id_created_at", "org_id", "created_at"),)

    org_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("organisations.id", ondelete="CASCADE"))
    name: Mapped[str] = mapped_column(String(120))
    # The public part of the key (`tnr_<prefix>_...`): finds the row without scanning hashes.
    prefix: Mapped[str] = mapped_column(String(16), unique=True)
    secret_hash: Mapped[str] = mapped_column(String(64))
    scopes: Mapped[list[str]] = mapped_column(ARRAY(String(16)))
    created_by_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL")
    )
    created_at: Mapped[datetime] = mapped_column(server_default=func.now())
    last_used_at: Mapped[datetime | None]
    revoked_at: Mapped[datetime | None]


class ApiCall(IdMixin, Base):
    """One call made with an API key, with what it accepted and rejected: the API log an
    integrator reads to see which records were refused and why."""

    __tablename__ = "api_calls"
    __table_args__ = (
        Index("ix_api_calls_api_key_id_received_at", "api_key_id", "received_at"),
        Index("ix_api_calls_received_at", "received_at"),
    )

    org_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("organisations.id", ondelete="CASCADE"))
    api_key_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("api_keys.id", ondelete="CASCADE"))
    method: Mapped[str] = mapped_column(String(8))
    path: Mapped[str] = mapped_column(String(300))
    status: Mapped[int]
    request_id: Mapped[str] = mapped_column(String(64))
    received_at: Mapped[datetime]
    duration_ms: Mapped[int]
    accepted: Mapped[int] = mapped_column(default=0)
    rejected: Mapped[int] = mapped_column(default=0)
    # The first rejected records ({index, id, message}) or the whole call's problem.
    errors: Mapped[list[dict[str, Any]]] = mapped_column(JSONB, server_default="[]")


class WebhookSecret(IdMixin, Base):
    """The shared secret inbound webhooks are signed with (Standard Webhooks). Rotating it
    retires the old one after a grace period, so senders can switch without losing calls."""

    __tablename__ = "webhook_secrets"
    __table_args__ = (Index("ix_webhook_secrets_org_id_created_at", "org_id", "created_at"),)

    org_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("organisations.id", ondelete="CASCADE"))
    # Kept readable: verifying an HMAC needs the secret itself, not a hash of it.
    secret: Mapped[str] = mapped_column(String(100))
    created_by_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL")
    )
    created_at: Mapped[datetime] = mapped_column(server_default=func.now())
    retired_at: Mapped[datetime | None]


class WebhookDelivery(IdMixin, Base):
    """An inbound webhook already processed, by its `webhook-id`: a replay or a sender's retry
    is answered with the first outcome and changes nothing."""

    __tablename__ = "webhook_deliveries"
    __table_args__ = (
        UniqueConstraint("org_id", "webhook_id"),
        Index("ix_webhook_deliveries_received_at", "received_at"),
    )

    org_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("organisations.id", ondelete="CASCADE"))
    webhook_id: Mapped[str] = mapped_column(String(200))
    type: Mapped[str] = mapped_column(String(100))
    received_at: Mapped[datetime]
    accepted: Mapped[int] = mapped_column(default=0)
    rejected: Mapped[int] = mapped_column(default=0)
    errors: Mapped[list[dict[str, Any]]] = mapped_column(JSONB, server_default="[]")
    # The rest of the first answer, for a sender that retries after a timeout.
    records: Mapped[list[dict[str, Any]]] = mapped_column(JSONB, server_default="[]")
    change: Mapped[int | None] = mapped_column(BigInteger)
