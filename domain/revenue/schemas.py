import uuid
from datetime import date, datetime
from decimal import Decimal
from typing import Annotated, Self

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    StringConstraints,
    field_serializer,
    model_validator,
)
from pydantic_core import InitErrorDetails, PydanticCustomError, ValidationError

from domain.common.batches import batch_items
from domain.common.schemas import ChangeNumbered, RequestModel
from domain.common.types import CurrencyCode, Day
from domain.revenue.models import ItemKind, MrrMovementKind, SubscriptionStatus
from domain.revenue.mrr import DiscountKind

ExternalId = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=200)]
Currency = CurrencyCode
ACCOUNT_REFERENCE = (
    "The account's external id, or its CRM, billing or support id (a billing system can send "
    "its own customer id). Kept as sent, so a record whose account has not arrived yet links "
    "to it when it does"
)
# Bounds that keep every product of the MRR maths (a price times a quantity, twelve months of
# it, summed over an account's items) far inside the int64 the results are stored in.
MAX_MINOR_UNITS = 10**12
MAX_QUANTITY = 10**6
MinorUnits = Annotated[
    int, Field(ge=0, le=MAX_MINOR_UNITS, description="Money in minor units (cents for USD)")
]
Quantity = Annotated[int, Field(ge=0, le=MAX_QUANTITY)]


class DiscountIn(RequestModel):
    kind: DiscountKind
    percent: Decimal | None = Field(None, gt=0, le=100, description="For `percent` discounts")
    amount: MinorUnits | None = Field(
        None, description="For `amount` discounts: off each interval, in the item's currency"
    )
    intervals: int | None = Field(
        None,
        ge=1,
        le=1200,
        description="For this many billing intervals from the item's start; omitted: forever",
    )
    coupon_code: str | None = Field(None, max_length=100, description="Set when it is a coupon")

    @model_validator(mode="after")
    def _one_value(self) -> Self:
        if self.kind is DiscountKind.PERCENT and (self.percent is None or self.amount is not None):
            raise ValueError("a percent discount takes `percent` only")
        if self.kind is DiscountKind.AMOUNT and (self.amount is None or self.percent is not None):
            raise ValueError("an amount discount takes `amount` only")
        return self


class SubscriptionItemIn(RequestModel):
    external_id: ExternalId
    kind: ItemKind = ItemKind.PLAN
    name: str | None = Field(None, max_length=300)
    unit_price: MinorUnits
    quantity: Quantity = 1
    interval_months: int = Field(
        1, ge=1, le=120, description="Billing interval: 1 monthly, 3 quarterly, 12 annual"
    )
    currency: Currency | None = Field(None, description="Defaults to the subscription's")
    starts_on: Day | None = Field(None, description="Defaults to the subscription's start")
    ends_on: Day | None = Field(
        None,
        description="Exclusive: the first day the item no longer counts; omitted, it runs as "
        "long as its subscription. A mid-term change of price or quantity is this item ending "
        "on the day and a new item (a new external id) starting that day, so earlier months "
        "keep the old price",
    )
    discount: DiscountIn | None = None


class SubscriptionIn(RequestModel):
    external_id: ExternalId
    account_external_id: ExternalId = Field(
        description=ACCOUNT_REFERENCE, examples=["acme", "cus_ACME42"]
    )
    status: SubscriptionStatus = Field(
        SubscriptionStatus.ACTIVE,
        description="As the billing system reports it, kept as sent: MRR follows the term "
        "(`starts_on` to `ends_on`), so a cancelled subscription needs its `ends_on`",
    )
    currency: Currency
    starts_on: Day
    ends_on: Day | None = Field(None, description="Exclusive: the first day it no longer runs")
    items: list[SubscriptionItemIn] = Field(min_length=1, max_length=100)

    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "external_id": "sub_1001",
                    "account_external_id": "acme",
                    "status": "active",
                    "currency": "USD",
                    "starts_on": "2026-01-01",
                    "ends_on": "2027-01-01",
                    "items": [
                        {
                            "external_id": "si_1",
                            "kind": "plan",
                            "name": "Business",
                            "unit_price": 120000,
                            "quantity": 10,
                            "interval_months": 12,
                            "discount": {"kind": "percent", "percent": "10", "intervals": 1},
                            "ends_on": "2026-05-10",
                        },
                        {
                            "external_id": "si_1b",
                            "kind": "plan",
                            "name": "Business, upgraded to 15 seats",
                            "unit_price": 120000,
                            "quantity": 15,
                            "interval_months": 12,
                            "discount": {"kind": "percent", "percent": "10", "intervals": 1},
                            "starts_on": "2026-05-10",
                        },
                        {
                            "external_id": "si_2",
                            "kind": "add_on",
                            "name": "SSO",
                            "unit_price": 5000,
                            "interval_months": 1,
                        },
                    ],
                }
            ]
        }
    )

    @model_validator(mode="after")
    def _consistent(self) -> Self:
        if self.ends_on is not None and self.ends_on <= self.starts_on:
            raise ValueError("ends_on must be after starts_on")
        ids = [i.external_id for i in self.items]
        if len(set(ids)) != len(ids):
            raise ValueError("item external ids must be unique within a subscription")
        for item in self.items:
            if item.starts_on is not None and item.starts_on < self.starts_on:
                raise ValueError(f"item {item.external_id} starts before its subscription")
            if item.starts_on is not None and self.ends_on and item.starts_on >= self.ends_on:
                raise ValueError(f"item {item.external_id} starts after its subscription ends")
        self._items_end_in_their_term()
        return self

    def _items_end_in_their_term(self) -> None:
        """An item's end must be after its start and not after its subscription's end. It is
        checked here, where the subscription's dates are known, yet reported on the item's own
        field (`items.N.ends_on`), hence a ValidationError: a ValueError would name the whole
        subscription."""
        problems: list[InitErrorDetails] = []
        for index, item in enumerate(self.items):
            if item.ends_on is None:
                continue
            if item.ends_on <= (item.starts_on or self.starts_on):
                whose = "the item's" if item.starts_on is not None else "the subscription's"
                reason = f"must be after {whose} starts_on"
            elif self.ends_on is not None and item.ends_on > self.ends_on:
                reason = "must not be after the subscription's ends_on"
            else:
                continue
            problems.append(
                InitErrorDetails(
                    type=PydanticCustomError("value_error", reason),
                    loc=("items", index, "ends_on"),
                    input=item.ends_on.isoformat(),
                )
            )
        if problems:
            raise ValidationError.from_exception_data(type(self).__name__, problems)


class SubscriptionBatch(RequestModel):
    items: list[SubscriptionIn] = batch_items()


class InvoiceLineIn(RequestModel):
    description: str = Field(min_length=1, max_length=500)
    amount: int = Field(
        ge=-MAX_MINOR_UNITS,
        le=MAX_MINOR_UNITS,
        description="The line's total in minor units (may be negative)",
    )
    quantity: Quantity = Field(1, description="Units billed; `amount` is already their total")


class InvoiceIn(RequestModel):
    number: ExternalId
    account_external_id: ExternalId = Field(
        description=ACCOUNT_REFERENCE, examples=["acme", "cus_ACME42"]
    )
    currency: Currency
    issued_on: Day
    due_on: Day | None = None
    paid_on: Day | None = None
    is_paid: bool | None = Field(None, description="Defaults to whether `paid_on` is set")
    lines: list[InvoiceLineIn] = Field(default_factory=list, max_length=500)
    total: int | None = Field(
        None,
        ge=-(10**15),
        le=10**15,
        description="The amount due in minor units, tax included (negative for a credit note). "
        "It may differ from the sum of the lines (tax, rounding, a discount on the whole "
        "invoice), and is kept as sent; left out, it is the sum of the lines",
    )

    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "number": "INV-2026-0042",
                    "account_external_id": "acme",
                    "currency": "USD",
                    "issued_on": "2026-03-01",
                    "due_on": "2026-03-31",
                    "paid_on": "2026-03-12",
                    "lines": [{"description": "Business plan, 10 seats", "amount": 100000}],
                }
            ]
        }
    )

    @model_validator(mode="after")
    def _consistent(self) -> Self:
        if self.due_on is not None and self.due_on < self.issued_on:
            raise ValueError("due_on must not be before issued_on")
        if self.is_paid is False and self.paid_on is not None:
            raise ValueError("an unpaid invoice has no paid_on")
        if self.paid_on is not None and self.paid_on < self.issued_on:
            raise ValueError("paid_on must not be before issued_on")
        return self


class InvoiceBatch(RequestModel):
    items: list[InvoiceIn] = batch_items()


class FxRateIn(RequestModel):
    currency: Currency
    effective_on: Day
    rate: Decimal = Field(
        gt=0,
        max_digits=20,
        decimal_places=10,
        description="Units of the organisation's base currency one unit of `currency` buys",
    )

    model_config = ConfigDict(
        json_schema_extra={
            "examples": [{"currency": "EUR", "effective_on": "2026-01-01", "rate": "1.08"}]
        }
    )


class FxRateBatch(RequestModel):
    items: list[FxRateIn] = batch_items()


class DiscountRead(BaseModel):
    kind: DiscountKind
    percent: Decimal | None
    amount: int | None
    intervals: int | None
    coupon_code: str | None


class SubscriptionItemRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    external_id: str
    kind: ItemKind
    name: str | None
    unit_price: int
    quantity: int
    interval_months: int
    currency: str
    starts_on: date | None
    ends_on: date | None = Field(description="Exclusive; null: it runs with its subscription")
    discount: DiscountRead | None


class SubscriptionRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    external_id: str
    account_id: uuid.UUID | None
    account_external_id: str
    status: SubscriptionStatus
    currency: str
    starts_on: date
    ends_on: date | None
    items: list[SubscriptionItemRead]
    created_at: datetime
    updated_at: datetime


class InvoiceLineRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    description: str
    amount: int
    quantity: int


class InvoiceRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    number: str
    account_id: uuid.UUID | None
    account_external_id: str
    currency: str
    issued_on: date
    due_on: date | None
    paid_on: date | None
    total: int
    is_paid: bool
    lines: list[InvoiceLineRead]


class FxRateRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    currency: str
    effective_on: Day
    rate: Decimal
    base_currency: str = Field(description="The organisation's base currency the rate converts to")

    @field_serializer("rate")
    def _rate(self, rate: Decimal) -> str:
        # As it was sent: stored with ten decimal places, "1.08" would read "1.0800000000".
        return f"{rate.normalize():f}"


class FxRateSet(FxRateRead, ChangeNumbered):
    """The rate as set, and the change it made (null when it was already so)."""


class MonthMrrRead(BaseModel):
    month: date = Field(description="The month's first day")
    mrr: int = Field(description="MRR on the month's last day (today for the current month)")


class MissingFxRateRead(BaseModel):
    """A currency that subscription items are priced in but that had no rate to the base
    currency when MRR was last recomputed: MRR leaves those items out until one is set."""

    currency: str = Field(examples=["GBP"])
    since: date = Field(
        description="The first day such an item started: MRR from then on is short of it"
    )
    accounts: int = Field(description="How many of the accounts concerned have such items")


class AccountMrrRead(BaseModel):
    account_id: uuid.UUID
    currency: str = Field(description="The organisation's base currency")
    mrr: int = Field(description="Current MRR, minor units of the base currency")
    arr: int
    as_of: date | None = Field(description="The day MRR was measured; null before any revenue")
    computed_at: datetime | None
    months: list[MonthMrrRead]
    accounts: int = Field(
        description="How many accounts the figures add up: 1, or with `rollup` the account "
        "and every descendant the caller may see"
    )
    missing_rates: list[MissingFxRateRead] = Field(
        description="Currencies of these accounts' items that had no FX rate when the figures "
        "were computed; those items are not in them"
    )


class MrrMovementRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    account_id: uuid.UUID = Field(description="A child account's, when the list rolls up")
    account_name: str
    month: date
    kind: MrrMovementKind
    start_mrr: int = Field(description="MRR at the end of the previous month (renewal: renewed)")
    end_mrr: int = Field(description="MRR at the end of the month (renewal: its successors')")
    delta: int


class MrrSummaryMonth(BaseModel):
    month: date
    starting_mrr: int
    ending_mrr: int
    new: int
    reactivation: int
    expansion: int
    contraction: int = Field(description="Lost to contraction, as a positive amount")
    churn: int = Field(description="Lost to churn, as a positive amount")
    net_change: int
    starting_accounts: int = Field(description="Accounts with MRR at the start of the month")
    churned_accounts: int
    renewed_accounts: int
    renewed_mrr: int
    gross_mrr_churn_rate: float | None = Field(
        description="(churn + contraction) / starting MRR; null without starting MRR"
    )
    net_mrr_churn_rate: float | None = Field(
        description="(churn + contraction - expansion - reactivation) / starting MRR"
    )
    logo_churn_rate: float | None = Field(
        description="Accounts churned / accounts with MRR at the start"
    )


class MrrSummary(BaseModel):
    currency: str
    months: list[MrrSummaryMonth]
