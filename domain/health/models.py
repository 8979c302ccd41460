"""Health scores: the models an organisation defines, their versions, and the scores they gave.

- `health_models`: the default model (no filter; exactly one per organisation, never deleted)
  and segment models (a filter in the filter language and a priority: an account is scored by
  the first segment model whose filter matches it, else by the default). A model points at its
  live version and, optionally, at a version scored in shadow beside it.
- `health_model_versions`: what a model was when saved: components, weights, metrics and
  mappings, numbered per model. Never changed once saved, so every stored score can say which
  version gave it and history never moves when a model changes.
- `account_health`: each account's current score (NULL: no component had data), its band and
  its components' scores, and the version that gave them. Churned and deleted accounts keep
  their last row and are not scored again.
- `account_health_days`: the score of each account per day (history, trends, backtests);
  `shadow` rows are a shadow version's scores, which CSMs are not shown as the score.
"""

import uuid
from datetime import date, datetime
from typing import Any

from sqlalchemy import ForeignKey, Index, SmallInteger, String, UniqueConstraint, text
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import Mapped, mapped_column

from domain.common.base import Base, IdMixin, TimestampMixin


class HealthSettings(TimestampMixin, Base):
    """The organisation's band edges: the lowest good score and the lowest average score."""

    __tablename__ = "health_settings"

    org_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("organisations.id", ondelete="CASCADE"), primary_key=True
    )
    good_from: Mapped[int] = mapped_column(SmallInteger, server_default=text("71"))
    average_from: Mapped[int] = mapped_column(SmallInteger, server_default=text("31"))


class HealthModel(IdMixin, TimestampMixin, Base):
    __tablename__ = "health_models"
    __table_args__ = (
        Index(
            "uq_health_models_name",
            "org_id",
            "name",
            unique=True,
            postgresql_where=text("deleted_at IS NULL"),
        ),
        # One default model per organisation (the one without a filter).
        Index(
            "uq_health_models_default",
            "org_id",
            unique=True,
            postgresql_where=text("filter IS NULL"),
        ),
    )

    org_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("organisations.id", ondelete="CASCADE"))
    name: Mapped[str] = mapped_column(String(200))
    # The segment's filter (filter language JSON); NULL for the default model.
    filter: Mapped[dict[str, Any] | None] = mapped_column(JSONB)
    # Segment models are tried in ascending priority; the default model has none.
    priority: Mapped[int | None]
    live_version: Mapped[int]
    shadow_version: Mapped[int | None]
    # A deleted segment model scores no more; its versions stay, named by the scores they gave.
    deleted_at: Mapped[datetime | None]


class HealthModelVersion(IdMixin, Base):
    __tablename__ = "health_model_versions"
    __table_args__ = (UniqueConstraint("model_id", "number"),)

    org_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("organisations.id", ondelete="CASCADE"))
    model_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("health_models.id", ondelete="CASCADE"), index=True
    )
    number: Mapped[int]
    # [{"name", "weight", "metrics": [{"metric", "mapping": {...}}]}], as `schemas.Component`.
    components: Mapped[list[dict[str, Any]]] = mapped_column(JSONB)
    created_by: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL")
    )
    created_at: Mapped[datetime] = mapped_column(server_default=text("now()"))


class AccountHealth(Base):
    __tablename__ = "account_health"

    account_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("accounts.id", ondelete="CASCADE"), primary_key=True
    )
    org_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("organisations.id", ondelete="CASCADE"), index=True
    )
    version_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("health_model_versions.id"))
    score: Mapped[int | None] = mapped_column(SmallInteger)
    band: Mapped[str | None] = mapped_column(String(16))
    # Per component in the version's order: {"score", "metrics": [[value, score], ...]}, what
    # the breakdown explains the score with (nulls: no data).
    components: Mapped[list[dict[str, Any]]] = mapped_column(JSONB)
    computed_at: Mapped[datetime]


# Written for every account every day: no foreign key to accounts (as metric snapshots).
class AccountHealthDay(Base):
    __tablename__ = "account_health_days"
    __table_args__ = (Index("ix_account_health_days_org_id_day", "org_id", "day"),)

    account_id: Mapped[uuid.UUID] = mapped_column(primary_key=True)
    day: Mapped[date] = mapped_column(primary_key=True)
    # False: the live version's score; true: a shadow version's, beside it.
    shadow: Mapped[bool] = mapped_column(primary_key=True)
    org_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("organisations.id", ondelete="CASCADE"))
    version_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("health_model_versions.id"))
    score: Mapped[int | None] = mapped_column(SmallInteger)
    band: Mapped[str | None] = mapped_column(String(16))
    components: Mapped[list[int | None]] = mapped_column(JSONB)
