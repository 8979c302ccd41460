import uuid
from datetime import date, datetime
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field, StringConstraints, model_validator

from domain.common.schemas import RequestModel
from domain.metrics.catalog import MetricKind
from domain.metrics.formula import MAX_LENGTH
from domain.metrics.models import MetricFormat
from domain.metrics.trend import TrendArrow

MetricKey = Annotated[
    str, StringConstraints(pattern=r"^[a-z][a-z0-9_]*$", min_length=1, max_length=64)
]
Label = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=200)]
Formula = Annotated[
    str, StringConstraints(strip_whitespace=True, min_length=1, max_length=MAX_LENGTH)
]
Description = Annotated[str, StringConstraints(strip_whitespace=True, max_length=1000)]
# Contacts one request may ask the ranks of by id (a page of the Contacts tab is 25).
MAX_RANKED_CONTACTS = 100


class MetricRead(BaseModel):
    """A metric accounts have: built in, an organisation's numeric custom metric, or computed."""

    key: str = Field(examples=["active_users_30d"])
    field: str = Field(description="Its key in the filter language and list columns")
    label: str
    format: MetricFormat
    kind: MetricKind
    description: str | None
    formula: str | None = Field(description="Computed metrics only")
    valid: bool = Field(
        description="False for a computed metric whose formula uses a metric that was removed"
    )


class ComputedMetricRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    key: str
    label: str
    format: MetricFormat
    formula: str = Field(examples=["mrr / active_users_30d"])
    description: str | None
    created_at: datetime
    updated_at: datetime


class ComputedMetricCreate(RequestModel):
    key: MetricKey = Field(examples=["mrr_per_active_user"])
    label: Label = Field(examples=["MRR per active user"])
    format: MetricFormat = MetricFormat.NUMBER
    formula: Formula = Field(
        description="Arithmetic over metric keys: numbers, `+ - * /`, parentheses, `abs(x)`, "
        "`round(x)`, `min(a, b)`, `max(a, b)` and `coalesce(a, b)`. A metric with no value "
        "gives the formula none, except in `min` and `max`, which skip it (`min(a, b)` is `b` "
        "when `a` has none), and `coalesce`, which stands in its second argument. Division "
        "by zero gives no value too",
        examples=["mrr / active_users_30d"],
    )
    description: Description | None = None


class ComputedMetricUpdate(RequestModel):
    """The fields to change; those omitted stay as they are. The key is fixed once created
    (formulas, filters and history refer to it)."""

    label: Label | None = None
    format: MetricFormat | None = None
    formula: Formula | None = None
    description: Description | None = Field(None, description="null: no description")

    @model_validator(mode="after")
    def _no_nulls(self) -> "ComputedMetricUpdate":
        nulls = sorted(
            k for k in self.model_fields_set - {"description"} if getattr(self, k) is None
        )
        if nulls:
            raise ValueError(f"{', '.join(nulls)} cannot be null (omit a field to keep it)")
        return self


class AccountMetricRead(BaseModel):
    key: str
    label: str
    format: MetricFormat
    kind: MetricKind
    value: float | None = Field(description="Currency metrics are in major units")
    previous: float | None = Field(description="The value snapshotted on `compared_with`")
    change: float | None = Field(description="value - previous, when both exist")


_TREND = (
    "Slope of the least-squares line through the daily activity ranks of the last 30 days, in "
    "rank points per day; null with fewer than two days of ranks"
)
_ARROW = "The trend as an arrow: up or down from 0.2 rank points a day, flat below that"


class ActivityRankRead(BaseModel):
    rank: float | None = Field(description="Percentile of 30-day session time; 0 inactive")
    trend: float | None = Field(description=_TREND, examples=[0.85])
    trend_arrow: TrendArrow | None = Field(description=_ARROW)


class AccountMetricsRead(BaseModel):
    account_id: uuid.UUID
    currency: str = Field(description="The organisation's base currency (currency metrics)")
    as_of: date = Field(description="Today in the organisation's time zone")
    compared_with: date = Field(description="The day trends compare with (7 days earlier)")
    metrics: list[AccountMetricRead]
    activity_rank: ActivityRankRead = Field(description="The activity rank with its trend arrow")
    computed_at: datetime | None = Field(
        description=(
            "As of when the account's figures are: the last hourly refresh of every account, "
            "or the last recompute that changed them if later; null before their first "
            "computation"
        )
    )
    updating: bool = Field(
        description=(
            "A change to the account's data waits for the live chain: the figures are about to "
            "be recomputed (`GET /freshness` has the organisation's backlog)"
        )
    )


class MetricPoint(BaseModel):
    day: date
    value: float | None


class MetricHistoryRead(BaseModel):
    account_id: uuid.UUID
    key: str
    label: str
    format: MetricFormat
    points: list[MetricPoint] = Field(description="One per snapshotted day, oldest first")


class MetricAggregateRead(BaseModel):
    key: str
    day: date | None = Field(description="The snapshot day aggregated; null for current values")
    count: int = Field(description="Accounts with a value")
    count_distinct: int = Field(description="Different values among those accounts")
    sum: float | None
    avg: float | None
    min: float | None
    max: float | None
    median: float | None


class ContactActivityRankRead(BaseModel):
    contact_id: uuid.UUID
    external_id: str
    name: str | None
    email: str | None
    activity_rank: float | None = Field(description="Percentile among active contacts; 0 inactive")
    session_minutes_30d: float | None
    trend: float | None = Field(description=_TREND, examples=[-0.4])
    trend_arrow: TrendArrow | None = Field(description=_ARROW)


class RefreshQueued(BaseModel):
    job_id: str
