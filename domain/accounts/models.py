import uuid
from datetime import date, datetime

from sqlalchemy import ForeignKey, Index, String, UniqueConstraint, text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from domain.common.base import Base, IdMixin, TimestampMixin


class Account(IdMixin, TimestampMixin, Base):
    __tablename__ = "accounts"
    __table_args__ = (
        # The integrator's key: exact, case-sensitive, unique per organisation among live accounts.
        Index(
            "uq_accounts_org_id_external_id",
            "org_id",
            "external_id",
            unique=True,
            postgresql_where=text("deleted_at IS NULL"),
        ),
        Index("ix_accounts_org_id_name", "org_id", "name"),
    )

    org_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("organisations.id", ondelete="CASCADE"))
    external_id: Mapped[str] = mapped_column(String(200))
    name: Mapped[str] = mapped_column(String(300))
    domain: Mapped[str | None] = mapped_column(String(300))
    joined_on: Mapped[date | None]
    renewal_on: Mapped[date | None]
    deleted_at: Mapped[datetime | None]

    csm_assignments: Mapped[list["AccountCsm"]] = relationship(
        lazy="raise", cascade="all, delete-orphan"
    )

    @property
    def csm_ids(self) -> list[uuid.UUID]:
        return [a.user_id for a in self.csm_assignments]


class AccountCsm(Base):
    """Current CSM assignment: an account may have several CSMs."""

    __tablename__ = "account_csms"
    __table_args__ = (UniqueConstraint("account_id", "user_id"),)

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=uuid.uuid4)
    org_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("organisations.id", ondelete="CASCADE"))
    account_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("accounts.id", ondelete="CASCADE"))
    user_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("users.id", ondelete="CASCADE"), index=True
    )
