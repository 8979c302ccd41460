import uuid
from datetime import date, datetime
from decimal import Decimal
from enum import StrEnum
from typing import Any

from sqlalchemy import (
    BigInteger,
    CheckConstraint,
    ForeignKey,
    Index,
    Numeric,
    String,
    UniqueConstraint,
    func,
    text,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from domain.common.base import Base, IdMixin, TimestampMixin


class SubscriptionStatus(StrEnum):
    """As the billing system reports it. Informational: MRR follows the term (start/end)."""

    TRIALING = "trialing"
    ACTIVE = "active"
    PAST_DUE = "past_due"
    CANCELLED = "cancelled"
    ENDED = "ended"


class ItemKind(StrEnum):
    PLAN = "plan"
    ADD_ON = "add_on"


class Subscription(IdMixin, TimestampMixin, Base):
    """A billing term of an account. Sent by external id; the account is found by its external
    id, which is kept so a subscription that arrives before its account links when it does."""

    __tablename__ = "subscriptions"
    __table_args__ = (
        UniqueConstraint("org_id", "external_id"),
        Index("ix_subscriptions_account_id", "account_id"),
        # Finds what waits for an account that has not arrived yet.
        Index(
            "ix_subscriptions_unlinked",
            "org_id",
            "account_external_id",
            postgresql_where=text("account_id IS NULL"),
        ),
    )

    org_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("organisations.id", ondelete="CASCADE"))
    external_id: Mapped[str] = mapped_column(String(200))
    account_external_id: Mapped[str] = mapped_column(String(200))
    account_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("accounts.id", ondelete="SET NULL")
    )
    status: Mapped[SubscriptionStatus] = mapped_column(String(16))
    currency: Mapped[str] = mapped_column(String(3))
    starts_on: Mapped[date]
    # Exclusive: the first day the subscription no longer runs.
    ends_on: Mapped[date | None]

    items: Mapped[list["SubscriptionItem"]] = relationship(
        lazy="raise",
        cascade="all, delete-orphan",
        order_by="SubscriptionItem.position",
    )


class SubscriptionItem(IdMixin, Base):
    """A plan or add-on of a subscription, with its price, interval and discount (a coupon is
    a discount with a code)."""

    __tablename__ = "subscription_items"
    __table_args__ = (
        UniqueConstraint("subscription_id", "external_id"),
        CheckConstraint("interval_months > 0", name="interval_positive"),
    )

    org_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("organisations.id", ondelete="CASCADE"))
    subscription_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("subscriptions.id", ondelete="CASCADE")
    )
    position: Mapped[int] = mapped_column(default=0)
    external_id: Mapped[str] = mapped_column(String(200))
    kind: Mapped[ItemKind] = mapped_column(String(16))
    name: Mapped[str | None] = mapped_column(String(300))
    unit_price: Mapped[int] = mapped_column(BigInteger)
    quantity: Mapped[int]
    interval_months: Mapped[int]
    currency: Mapped[str] = mapped_column(String(3))
    # None: the subscription's start.
    starts_on: Mapped[date | None]
    # Exclusive; None: with the subscription. A mid-term change of price or quantity ends
    # the old item on the day and starts a new one, so earlier months keep the old price.
    ends_on: Mapped[date | None]
    discount_kind: Mapped[str | None] = mapped_column(String(16))
    discount_percent: Mapped[Decimal | None] = mapped_column(Numeric(7, 4))
    discount_amount: Mapped[int | None] = mapped_column(BigInteger)
    # None with a discount: forever.
    discount_intervals: Mapped[int | None]
    coupon_code: Mapped[str | None] = mapped_column(String(100))

    @property
    def discount(self) -> dict[str, Any] | None:
        if self.discount_kind is None:
            return None
        return {
            "kind": self.discount_kind,
            "percent": self.discount_percent,
            "amount": self.discount_amount,
            "intervals": self.discount_intervals,
            "coupon_code": self.coupon_code,
        }


class Invoice(IdMixin, TimestampMixin, Base):
    """An invoice, for payment reporting (no link to subscriptions, as in Natero)."""

    __tablename__ = "invoices"
    __table_args__ = (
        UniqueConstraint("org_id", "number"),
        Index("ix_invoices_account_id_issued_on", "account_id", "issued_on"),
        Index(
            "ix_invoices_unlinked",
            "org_id",
            "account_external_id",
            postgresql_where=text("account_id IS NULL"),
        ),
    )

    org_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("organisations.id", ondelete="CASCADE"))
    number: Mapped[str] = mapped_column(String(200))
    account_external_id: Mapped[str] = mapped_column(String(200))
    account_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("accounts.id", ondelete="SET NULL")
    )
    currency: Mapped[str] = mapped_column(String(3))
    issued_on: Mapped[date]
    due_on: Mapped[date | None]
    paid_on: Mapped[date | None]
    total: Mapped[int] = mapped_column(BigInteger)
    is_paid: Mapped[bool] = mapped_column(default=False)

    lines: Mapped[list["InvoiceLine"]] = relationship(
        lazy="raise", cascade="all, delete-orphan", order_by="InvoiceLine.position"
    )


class InvoiceLine(IdMixin, Base):
    __tablename__ = "invoice_lines"

    org_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("organisations.id", ondelete="CASCADE"))
    invoice_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("invoices.id", ondelete="CASCADE"), index=True
    )
    position: Mapped[int] = mapped_column(default=0)
    description: Mapped[str] = mapped_column(String(500))
    # The line's total, in the invoice's currency.
    amount: Mapped[int] = mapped_column(BigInteger)
    quantity: Mapped[int] = mapped_column(default=1)


class FxRate(IdMixin, Base):
    """How many units of the organisation's base currency one unit of `currency` is worth,
    from `effective_on` until the next rate of that currency."""

    __tablename__ = "fx_rates"
    __table_args__ = (UniqueConstraint("org_id", "currency", "effective_on"),)

    org_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("organisations.id", ondelete="CASCADE"))
    currency: Mapped[str] = mapped_column(String(3))
    effective_on: Mapped[date]
    rate: Mapped[Decimal] = mapped_column(Numeric(20, 10))
    updated_at: Mapped[datetime] = mapped_column(server_default=func.now(), onupdate=func.now())


class AccountMrr(Base):
    """An account's current MRR and ARR in the base currency, written by the recompute job."""

    __tablename__ = "account_mrr"

    account_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("accounts.id", ondelete="CASCADE"), primary_key=True
    )
    org_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("organisations.id", ondelete="CASCADE"), index=True
    )
    currency: Mapped[str] = mapped_column(String(3))
    mrr: Mapped[int] = mapped_column(BigInteger)
    arr: Mapped[int] = mapped_column(BigInteger)
    # The day (org time zone) `mrr` was measured on.
    as_of: Mapped[date]
    computed_at: Mapped[datetime]


class AccountMissingFxRate(Base):
    """A currency an account's priced items are in that has no rate to the base currency, so
    its MRR leaves them out; written by the recompute job beside the account's MRR."""

    __tablename__ = "account_missing_fx_rates"
    __table_args__ = (Index("ix_account_missing_fx_rates_org_id_currency", "org_id", "currency"),)

    account_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("accounts.id", ondelete="CASCADE"), primary_key=True
    )
    currency: Mapped[str] = mapped_column(String(3), primary_key=True)
    org_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("organisations.id", ondelete="CASCADE"))
    # The first day such an item started.
    since: Mapped[date]


class AccountMrrMonth(Base):
    """An account's MRR at the end of a month (today, for the current month)."""

    __tablename__ = "account_mrr_months"
    __table_args__ = (Index("ix_account_mrr_months_org_id_month", "org_id", "month"),)

    account_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("accounts.id", ondelete="CASCADE"), primary_key=True
    )
    month: Mapped[date] = mapped_column(primary_key=True)
    org_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("organisations.id", ondelete="CASCADE"))
    mrr: Mapped[int] = mapped_column(BigInteger)


class MrrMovementKind(StrEnum):
    NEW = "new"
    REACTIVATION = "reactivation"
    EXPANSION = "expansion"
    CONTRACTION = "contraction"
    CHURN = "churn"
    # Not an MRR change: a term renewed in the month; start/end are the renewed and renewed-to MRR.
    RENEWAL = "renewal"


class MrrMovement(IdMixin, Base):
    __tablename__ = "mrr_movements"
    __table_args__ = (
        UniqueConstraint("account_id", "month", "kind"),
        Index("ix_mrr_movements_org_id_month", "org_id", "month"),
    )

    org_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("organisations.id", ondelete="CASCADE"))
    account_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("accounts.id", ondelete="CASCADE"))
    month: Mapped[date]
    kind: Mapped[MrrMovementKind] = mapped_column(String(16))
    start_mrr: Mapped[int] = mapped_column(BigInteger)
    end_mrr: Mapped[int] = mapped_column(BigInteger)
    delta: Mapped[int] = mapped_column(BigInteger)
