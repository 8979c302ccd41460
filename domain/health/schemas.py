import uuid
from datetime import date, datetime
from decimal import Decimal
from typing import Annotated, Literal

from pydantic import (
    AfterValidator,
    BaseModel,
    ConfigDict,
    Field,
    PlainSerializer,
    StringConstraints,
    ValidationError,
    model_validator,
)
from pydantic_core import InitErrorDetails, PydanticCustomError

from domain.common.schemas import RequestModel
from domain.common.types import Day
from domain.filters.schemas import Condition, Filter
from domain.health import compile, scoring
from domain.health.scoring import Band

Name = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=200)]
# A bound or a metric's value: far beyond any count or amount, within what JSON carries exactly.
# Exact when read (Decimal), a JSON number when written back.
_AS_NUMBER = PlainSerializer(float, return_type=float, when_used="json")
Bound = Annotated[
    Decimal, Field(ge=-(10**15), le=10**15, max_digits=24, decimal_places=6), _AS_NUMBER
]
Score = Annotated[Decimal, Field(ge=0, le=100, max_digits=9, decimal_places=6), _AS_NUMBER]
Weight = Annotated[Decimal, Field(gt=0, le=1000, max_digits=8, decimal_places=3), _AS_NUMBER]
MAX_COMPONENTS = 12
MAX_METRICS_PER_COMPONENT = 10
MAX_RANGES = 20
MAX_VALUES = 100


class LinearMapping(RequestModel):
    """0 at or below `low`, 100 at or above `high`, a straight line between; `invert` gives
    100 at or below `low` and 0 at or above `high` (fewer open tickets is better)."""

    kind: Literal["linear"]
    low: Bound = Field(examples=[0])
    high: Bound = Field(examples=[20])
    invert: bool = False

    @model_validator(mode="after")
    def _ordered(self) -> "LinearMapping":
        if self.low >= self.high:
            raise ValueError("low must be below high (the 0 bound below the 100 bound)")
        return self


class ScoreRange(RequestModel):
    start: Bound | None = Field(
        description="Lowest value in the range (inclusive); null: no lower bound"
    )
    end: Bound | None = Field(description="Values below it are in the range; null: no upper bound")
    score: Score


class RangesMapping(RequestModel):
    """Value ranges in ascending order covering every value once (no gap, no overlap): the
    first without a lower bound, the last without an upper bound."""

    kind: Literal["ranges"]
    ranges: Annotated[list[ScoreRange], Field(min_length=1, max_length=MAX_RANGES)]

    @model_validator(mode="after")
    def _cover(self) -> "RangesMapping":
        if problem := scoring.ranges_problem(self._ranges()):
            raise ValueError(problem)
        return self

    def _ranges(self) -> tuple[scoring.Range, ...]:
        return tuple(scoring.Range(r.start, r.end, r.score) for r in self.ranges)


class PercentileMapping(RequestModel):
    """100 times the account's percent rank for the metric among the accounts scored by the
    same model that have a value."""

    kind: Literal["percentile"]


DimensionValue = Annotated[str, StringConstraints(min_length=1, max_length=200)]


class ValueScore(RequestModel):
    value: DimensionValue = Field(examples=["Tier 1"])
    score: Score = Field(examples=[100])


class ValuesMapping(RequestModel):
    """A dimension (tier, stage, a text or select custom field) mapped to numbers: each listed
    value scores its score, any other value `other` (null: other values count as no data). An
    account without a value has no data."""

    kind: Literal["values"]
    scores: Annotated[list[ValueScore], Field(min_length=1, max_length=MAX_VALUES)]
    other: Score | None = Field(None, examples=[40])

    @model_validator(mode="after")
    def _distinct(self) -> "ValuesMapping":
        if problem := scoring.values_problem(self._scores(), self.other):
            raise ValueError(problem)
        return self

    def _scores(self) -> tuple[tuple[str, Decimal], ...]:
        return tuple((s.value, s.score) for s in self.scores)


MetricMapping = Annotated[
    LinearMapping | RangesMapping | PercentileMapping | ValuesMapping,
    Field(discriminator="kind"),
]


class ComponentMetric(RequestModel):
    metric: str = Field(
        description="A metric's key (built-in, custom or computed), or with a values mapping a "
        "dimension's (`tier`, `stage`, `custom.<key>` of a text or select field)",
        examples=["active_users_30d"],
    )
    mapping: MetricMapping


class HealthComponent(RequestModel):
    name: Name = Field(
        description="Each component of a model has a name of its own (the breakdown and what "
        "changed since tell them apart by name; compared once trimmed, case counts)",
        examples=["Product usage"],
    )
    weight: Weight = Field(description="Any positive number: weights are relative", examples=[8])
    metrics: Annotated[
        list[ComponentMetric], Field(min_length=1, max_length=MAX_METRICS_PER_COMPONENT)
    ]


def _named_once(components: list[HealthComponent]) -> list[HealthComponent]:
    """Refuse a component named as an earlier one, the error on the repeated name."""
    repeated = scoring.repeated_names([c.name for c in components])
    if repeated:
        raise ValidationError.from_exception_data(
            "Components",
            [
                InitErrorDetails(
                    type=PydanticCustomError(
                        "component_name_repeated",
                        "another component is named {name}: each component needs its own name",
                        {"name": repr(components[i].name)},
                    ),
                    loc=(i, "name"),
                    input=components[i].name,
                )
                for i in repeated
            ],
        )
    return components


# What every request with components shares (create, save, shadow save, preview, a draft's
# backtest), so each refuses the same models.
Components = Annotated[
    list[HealthComponent],
    Field(min_length=1, max_length=MAX_COMPONENTS),
    AfterValidator(_named_once),
]


def to_scoring(
    mapping: LinearMapping | RangesMapping | PercentileMapping | ValuesMapping,
) -> scoring.Mapping:
    match mapping:
        case ValuesMapping():
            return scoring.Values(mapping._scores(), mapping.other)
        case LinearMapping():
            return scoring.Linear(mapping.low, mapping.high, mapping.invert)
        case RangesMapping():
            return scoring.Ranges(mapping._ranges())
        case PercentileMapping():
            return scoring.Percentile()


def to_compile(components: list[HealthComponent]) -> list[compile.Component]:
    return [
        compile.Component(
            c.name,
            c.weight,
            tuple(compile.ScoredMetric(m.metric, to_scoring(m.mapping)) for m in c.metrics),
        )
        for c in components
    ]


class HealthModelCreate(RequestModel):
    """A segment model: accounts matching `filter` are scored by it (the first segment model
    in priority order that matches), the others by the next or the default model."""

    name: Name = Field(examples=["Enterprise"])
    filter: Filter
    components: Components


class HealthModelSave(RequestModel):
    """Saving a model makes a new version. `shadow`: the version is scored daily beside the
    live one without being shown as the score, until it is made live."""

    name: Name | None = None
    filter: Filter | None = Field(None, description="Segment models only")
    components: Components
    shadow: bool = False


class HealthModelOrder(RequestModel):
    segment_ids: Annotated[list[uuid.UUID], Field(max_length=200)] = Field(
        description="Every segment model's id, first tried first"
    )


class HealthModelVersionRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    number: int
    components: list[HealthComponent]
    created_at: datetime
    created_by: uuid.UUID | None


class HealthModelRead(BaseModel):
    id: uuid.UUID
    name: str
    default: bool = Field(description="The default model scores accounts no segment matches")
    filter: Condition | None
    priority: int | None
    live: HealthModelVersionRead
    shadow: HealthModelVersionRead | None
    updated_at: datetime
    scored_by_live: int = Field(
        description="Live, non-churned accounts whose current score the live version gave"
    )
    scored_by_earlier: int = Field(
        description="Those still scored by an earlier version: the recompute after a save "
        "is done when this is 0"
    )


class HealthRecomputeQueued(BaseModel):
    job_id: str


class HealthBands(RequestModel):
    """The lowest good score and the lowest average score; lower scores are poor."""

    good_from: Annotated[int, Field(ge=2, le=100)] = Field(71, examples=[71])
    average_from: Annotated[int, Field(ge=1, le=99)] = Field(31, examples=[31])

    @model_validator(mode="after")
    def _ordered(self) -> "HealthBands":
        if self.average_from >= self.good_from:
            raise ValueError("average_from must be below good_from")
        return self


class ComponentBreakdown(BaseModel):
    name: str
    score: int | None = Field(description="null: no data (left out, weights re-normalised)")
    weight: float
    share: float = Field(description="Its weight's share among the components with data")
    contribution: float = Field(description="Points it adds to the score (before rounding)")
    could_add: float = Field(description="Points it would add more if it scored 100")
    metrics: list["MetricBreakdown"]


class MetricBreakdown(BaseModel):
    metric: str
    label: str
    value: float | str | None = Field(description="A dimension's value is its text")
    score: float | None = Field(description="0-100; null: no value")


class ComponentChange(BaseModel):
    name: str
    then: int | None
    now: int | None
    change: int | None = Field(description="now - then, when both have data")


class HealthChange(BaseModel):
    """The score against the one of `days` days ago, and the components that moved it (by
    name: a component the model did not have then has no earlier score)."""

    days: int
    score_then: int | None
    change: int | None
    components: list[ComponentChange] = Field(description="Largest move first")


class HealthPoint(BaseModel):
    day: date
    score: int | None
    band: Band | None
    model_name: str
    version: int
    components: list[int | None] = Field(
        description="Each component's score, in the version's order"
    )


class AccountHealthHistoryRead(BaseModel):
    account_id: uuid.UUID
    good_from: int
    average_from: int
    points: list[HealthPoint] = Field(
        description="One per day scored, oldest first; the organisation's today is the "
        "current score, earlier days as the nightly history recorded them"
    )


class HealthTrendPoint(BaseModel):
    day: date
    band: Band | None = Field(description="null: accounts scored without data")
    accounts: int
    mrr: float = Field(description="Their MRR that day, in major units of the base currency")


class HealthTrendRead(BaseModel):
    since: date
    until: date
    csm_id: uuid.UUID | None
    currency: str
    points: list[HealthTrendPoint] = Field(
        description="Per day and band, oldest first; the organisation's today counts the "
        "current scores and MRR, earlier days the nightly history and that day's snapshot"
    )


class AccountHealthRead(BaseModel):
    score: int | None = Field(description="null: no component had data")
    band: Band | None
    model_id: uuid.UUID
    model_name: str
    version: int
    computed_at: datetime = Field(
        description=(
            "As of when the score is: the last hourly refresh (which recomputes every score "
            "with the figures), or the last recompute that changed it if later"
        )
    )
    components: list[ComponentBreakdown]
    changes: list[HealthChange] = Field(description="Against 7 and 30 days ago")


class HealthPreviewRequest(RequestModel):
    """A model as it would be saved: its components and, for a segment model, its filter."""

    filter: Filter | None = Field(None, description="Segment models only; omitted: unchanged")
    components: Components


class BandSpread(BaseModel):
    good: int
    average: int
    poor: int
    no_data: int = Field(description="Scored, but no component had data")


class HealthPreviewRead(BaseModel):
    now: BandSpread = Field(description="The model's accounts by their current band")
    if_saved: BandSpread = Field(description="The same accounts (or the new segment's) if saved")


class BacktestRequest(RequestModel):
    """Replay a version (the live one unless `version` or draft `components` are given) over
    the metric snapshots of `day`, and compare its scores with the accounts that churned in
    the `horizon_days` after it."""

    version: Annotated[int, Field(ge=1)] | None = None
    components: Components | None = Field(None, description="A draft, instead of a version")
    day: Day = Field(
        description="The day replayed: its metric snapshot must exist (else 422 "
        "no_snapshot_for_day, naming the first and last days snapshotted)"
    )
    horizon_days: Annotated[int, Field(ge=7, le=730)] = 90


class BacktestAccount(BaseModel):
    id: uuid.UUID
    name: str


class BacktestBand(BaseModel):
    band: Band | None = Field(description="null: scored without data")
    accounts: int
    churned: int
    churn_rate: float | None
    mrr: float = Field(description="Their MRR on the day, in major units")
    churned_mrr: float
    churned_accounts: list[BacktestAccount] = Field(description="The first 100 that churned")


class BacktestRead(BaseModel):
    model_id: uuid.UUID
    version: int | None = Field(description="null for a draft")
    day: date
    horizon_days: int
    accounts: int = Field(description="Accounts the model scored that day (not churned by then)")
    churned: int
    auc: float | None = Field(
        description="How often an account that stayed scored above one that churned (ties "
        "half): 1 is perfect separation, 0.5 a coin toss; null without both kinds"
    )
    poor_lift: float | None = Field(description="The poor band's churn rate / the overall rate")
    currency: str = Field(description="The organisation's base currency, of the bands' MRR")
    bands: list[BacktestBand]
