import uuid

from sqlalchemy import String
from sqlalchemy.orm import Mapped, mapped_column

from domain.common.base import Base, IdMixin, TimestampMixin


class Organisation(IdMixin, TimestampMixin, Base):
    """One customer-success team's workspace: the tenant every other row belongs to."""

    __tablename__ = "organisations"

    name: Mapped[str] = mapped_column(String(200))
    base_currency: Mapped[str] = mapped_column(String(3), default="USD")
    time_zone: Mapped[str] = mapped_column(String(64), default="UTC")
    fiscal_year_start_month: Mapped[int] = mapped_column(default=1)
    requires_mfa: Mapped[bool] = mapped_column(default=False)
    # A contact's events further apart than this start a new session (when none is sent).
    session_timeout_minutes: Mapped[int] = mapped_column(default=30, server_default="30")

    @property
    def org_id(self) -> uuid.UUID:
        return self.id
