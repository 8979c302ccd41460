"""Predictive churn: the models an organisation's own history trained.

- `churn_models`: one row per training run, newest last. A trained run keeps what scores an
  account (each feature's mean, scale and coefficient, and the intercept: a calibrated logistic
  regression folded into one linear form, so the probability is plain SQL wherever a metric is
  read) and how it did on the held-out days; a refused run keeps why (too little history). The
  newest trained run is the live model.
"""

import uuid
from datetime import date, datetime
from typing import Any

from sqlalchemy import Float, ForeignKey, Index, Text
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import Mapped, mapped_column

from domain.common.base import Base, IdMixin


class ChurnModel(IdMixin, Base):
    __tablename__ = "churn_models"
    __table_args__ = (Index("ix_churn_models_org_id_trained_at", "org_id", "trained_at"),)

    org_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("organisations.id", ondelete="CASCADE"))
    trained_at: Mapped[datetime]
    # The label: the account churned within this many days after the snapshot day.
    horizon_days: Mapped[int]
    # The snapshot days trained on (inclusive) and how many distinct days that was.
    first_day: Mapped[date | None]
    last_day: Mapped[date | None]
    snapshot_days: Mapped[int]
    rows: Mapped[int]
    accounts: Mapped[int]
    churn_events: Mapped[int]
    # [{"key", "mean", "scale", "coefficient"}]: coefficients on the standardised value.
    features: Mapped[list[dict[str, Any]]] = mapped_column(JSONB)
    intercept: Mapped[float | None] = mapped_column(Float)
    # Held-out figures and the backtest on the cutoff day (see domain.churn.training).
    evaluation: Mapped[dict[str, Any] | None] = mapped_column(JSONB)
    # Why training refused (NULL when it trained).
    refused: Mapped[str | None] = mapped_column(Text)
