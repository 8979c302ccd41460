"""The metrics an account has: built-in ones defined here in code, the organisation's numeric
custom metrics and its computed metrics. Pure: each metric's SQL is built from data.

Every metric's `expression` is its value for the account row being read, over `accounts` and
`account_metric_values` joined on the account (the refresh job's stored values). The filter
language needs a value per `accounts` row instead, so `field_expression` wraps stored metrics
in a correlated scalar subquery on the values table's primary key."""

import datetime as dt
from collections import OrderedDict
from collections.abc import Callable, Hashable, Mapping, Sequence
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from sqlalchemy import (
    ColumnElement,
    Float,
    Integer,
    Numeric,
    SQLColumnExpression,
    cast,
    func,
    literal,
    null,
    select,
)

from domain.accounts.models import (
    Account,
    CustomField,
    CustomFieldFormat,
    CustomFieldKind,
    CustomFieldType,
    custom_value_expression,
    format_of,
)
from domain.metrics import formula
from domain.metrics.models import AccountMetricValues, ComputedMetric, MetricFormat

V = AccountMetricValues
FIELD_PREFIX = "metric."


class MetricKind(StrEnum):
    BUILTIN = "builtin"
    CUSTOM = "custom"
    COMPUTED = "computed"


@dataclass(frozen=True)
class Context:
    """What a metric's SQL depends on besides the row: the organisation's today (days are
    counted in its time zone) and how many minor units its base currency has."""

    today: dt.date
    currency_exponent: int = 2


Expression = Callable[[Context], SQLColumnExpression[Any]]


@dataclass(frozen=True)
class Builtin:
    key: str
    label: str
    format: MetricFormat
    description: str
    expression: Expression
    # Read from account_metric_values (else straight from the account row).
    stored: bool = True


def _money(column: SQLColumnExpression[Any]) -> Expression:
    return lambda ctx: cast(column, Numeric) / (10**ctx.currency_exponent)


def _column(column: SQLColumnExpression[Any]) -> Expression:
    return lambda ctx: column


N, C, P, D = MetricFormat.NUMBER, MetricFormat.CURRENCY, MetricFormat.PERCENT, MetricFormat.DAYS

BUILTIN: tuple[Builtin, ...] = (
    Builtin("mrr", "MRR", C, "Monthly recurring revenue in the base currency", _money(V.mrr)),
    Builtin("arr", "ARR", C, "Annual recurring revenue (12 x MRR)", _money(V.arr)),
    Builtin(
        "days_to_renewal",
        "Days to renewal",
        D,
        "Days until the renewal date (negative once past)",
        lambda ctx: Account.renewal_on - ctx.today,
        stored=False,
    ),
    Builtin(
        "days_since_last_interaction",
        "Days since last interaction",
        D,
        "Days since the latest call, meeting, email or QBR",
        lambda ctx: ctx.today - V.last_interaction_on,
    ),
    Builtin(
        "open_tickets",
        "Open tickets",
        N,
        "Support tickets not yet solved or closed",
        _column(V.open_tickets),
    ),
    Builtin(
        "active_users_7d",
        "Active users (7 d)",
        N,
        "Contacts with any event in the last 7 days",
        _column(V.active_users_7d),
    ),
    Builtin(
        "active_users_30d",
        "Active users (30 d)",
        N,
        "Contacts with any event in the last 30 days",
        _column(V.active_users_30d),
    ),
    Builtin("events_7d", "Events (7 d)", N, "Events in the last 7 days", _column(V.events_7d)),
    Builtin("events_30d", "Events (30 d)", N, "Events in the last 30 days", _column(V.events_30d)),
    Builtin(
        "sessions_30d",
        "Sessions (30 d)",
        N,
        "Sessions started in the last 30 days",
        _column(V.sessions_30d),
    ),
    Builtin(
        "session_minutes_30d",
        "Session minutes (30 d)",
        N,
        "Total session time in the last 30 days, in minutes",
        lambda ctx: func.round(cast(V.session_seconds_30d, Numeric) / 60, 1),
    ),
    Builtin(
        "feature_adoption",
        "Feature adoption",
        P,
        "Features used in the last 30 days, as a share of those the organisation's accounts used",
        _column(V.feature_adoption),
    ),
    Builtin(
        "activity_rank",
        "Activity rank",
        P,
        "Percentile of 30-day session time among the organisation's active accounts (70: "
        "busier than 70 % of them; 0 when inactive), ranked again every hour",
        _column(V.activity_rank),
    ),
    Builtin(
        "activity_rank_trend",
        "Activity rank trend",
        N,
        "Slope of the activity rank over the last 30 daily ranks, in rank points per day "
        "(the arrow beside the rank)",
        _column(V.activity_rank_trend),
    ),
    Builtin(
        "csm_score",
        "CSM score",
        N,
        "The CSM's own 0-100 assessment",
        lambda ctx: cast(Account.csm_score, Integer),
        stored=False,
    ),
    Builtin(
        "nps",
        "NPS",
        N,
        "Average NPS within 30 days of the latest response",
        lambda ctx: Account.nps,
        stored=False,
    ),
)
BUILTIN_BY_KEY = {m.key: m for m in BUILTIN}


@dataclass(frozen=True)
class Metric:
    """One metric of an organisation, ready to be read."""

    key: str
    label: str
    format: MetricFormat
    kind: MetricKind
    description: str | None
    # Its value over `accounts` joined to `account_metric_values`; NULL for a computed metric
    # whose formula no longer compiles (a metric it used was deleted).
    expression: SQLColumnExpression[Any]
    stored: bool
    formula: str | None = None
    valid: bool = True


# A custom metric's format as a metric's; the other number formats are plain numbers.
_CUSTOM_FORMATS = {
    CustomFieldFormat.CURRENCY: MetricFormat.CURRENCY,
    CustomFieldFormat.PERCENT: MetricFormat.PERCENT,
}


CHURN_PROBABILITY = "churn_probability"
# exp() of a double overflows past about 709: a score this far out is 0 % or 100 % anyway.
_LOGIT_BOUND = 50.0


@dataclass(frozen=True)
class ChurnFeature:
    """A metric the churn model reads: standardised as (value - mean) / scale, a missing value
    counting as the mean (0 once standardised), times its coefficient."""

    key: str
    mean: float
    scale: float
    coefficient: float


@dataclass(frozen=True)
class ChurnScorer:
    """The organisation's live churn model as SQL needs it: a calibrated logistic regression
    folded into one linear form, P = 1 / (1 + exp(-(intercept + sum of contributions)))."""

    features: tuple[ChurnFeature, ...]
    intercept: float
    horizon_days: int
    trained_on: dt.date


def _float(value: float) -> ColumnElement[Any]:
    return literal(value, Float)


def churn_contributions(
    scorer: ChurnScorer, expressions: Mapping[str, SQLColumnExpression[Any]]
) -> dict[str, ColumnElement[Any]]:
    """Each feature's contribution to the log-odds of churning, by metric key (0 when the
    account has no value, or the metric no longer exists)."""
    out: dict[str, ColumnElement[Any]] = {}
    for f in scorer.features:
        value = expressions.get(f.key)
        if value is None:
            out[f.key] = _float(0.0)
            continue
        standard = (cast(value, Float) - _float(f.mean)) / _float(f.scale)
        out[f.key] = _float(f.coefficient) * func.coalesce(standard, _float(0.0))
    return out


def churn_probability(
    scorer: ChurnScorer, expressions: Mapping[str, SQLColumnExpression[Any]]
) -> ColumnElement[Any]:
    """The probability (in percent, two places) that the account churns within the model's
    horizon."""
    logit: ColumnElement[Any] = _float(scorer.intercept)
    for term in churn_contributions(scorer, expressions).values():
        logit = logit + term
    bounded = func.greatest(func.least(logit, _float(_LOGIT_BOUND)), _float(-_LOGIT_BOUND))
    percent = _float(100.0) / (_float(1.0) + func.exp(-bounded))
    return func.round(cast(percent, Numeric), 2)


def _churn_metric(scorer: ChurnScorer | None, known: Mapping[str, Metric]) -> Metric:
    description = "Probability of churning, from the churn model trained on the organisation's"
    if scorer is None:
        return Metric(
            CHURN_PROBABILITY,
            "Churn probability",
            MetricFormat.PERCENT,
            MetricKind.BUILTIN,
            f"{description} history (none trained yet)",
            null(),
            stored=False,
        )
    used = [known[f.key] for f in scorer.features if f.key in known and known[f.key].valid]
    return Metric(
        CHURN_PROBABILITY,
        "Churn probability",
        MetricFormat.PERCENT,
        MetricKind.BUILTIN,
        f"{description} history: churn within {scorer.horizon_days} days "
        f"(trained {scorer.trained_on.isoformat()})",
        churn_probability(scorer, {m.key: m.expression for m in used}),
        stored=any(m.stored for m in used),
    )


def custom_metric_fields(custom_fields: Sequence[CustomField]) -> list[CustomField]:
    return [
        f
        for f in custom_fields
        if f.kind == CustomFieldKind.METRIC and f.type == CustomFieldType.NUMBER
    ]


def metrics(
    *,
    custom_fields: Sequence[CustomField],
    computed: Sequence[ComputedMetric],
    ctx: Context,
    churn: ChurnScorer | None = None,
) -> dict[str, Metric]:
    """Every metric of an organisation by key. Saving a custom field or computed metric
    refuses a key another has; of a clash stored before that, the built-in or computed metric
    wins over the custom field (the metric had the key first: a computed metric could never
    take a custom metric's, so the views, rules and formulas naming it meant the metric). The
    churn probability reads the built-in and custom metrics the churn model was trained on,
    and computed metrics may use it (expected MRR lost, say)."""
    out: dict[str, Metric] = {
        b.key: Metric(
            b.key, b.label, b.format, MetricKind.BUILTIN, b.description, b.expression(ctx), b.stored
        )
        for b in BUILTIN
    }
    computed_keys = {c.key for c in computed}
    for f in custom_metric_fields(custom_fields):
        if f.key in out or f.key in computed_keys:
            continue
        fmt = _CUSTOM_FORMATS.get(format_of(f), MetricFormat.NUMBER)
        value = custom_value_expression(f)
        out[f.key] = Metric(f.key, f.label, fmt, MetricKind.CUSTOM, None, value, stored=False)
    if CHURN_PROBABILITY not in out:
        out[CHURN_PROBABILITY] = _churn_metric(churn, out)
    by_key = {c.key: c for c in computed if c.key not in out}
    try:
        order = formula.dependency_order({k: c.formula for k, c in by_key.items()})
    except (formula.InvalidFormula, formula.FormulaCycle):
        # A stored cycle cannot be saved; if one exists anyway, its metrics have no value.
        order = sorted(by_key)
    for key in order:
        c = by_key[key]
        usable = {k: m.expression for k, m in out.items() if m.valid}
        try:
            used = formula.validate(c.formula, set(usable))
            expression: SQLColumnExpression[Any] = formula.bounded(
                formula.compile_formula(c.formula, usable)
            )
            valid, stored = True, any(out[name].stored for name in used)
        except formula.InvalidFormula:
            expression, valid, stored = null(), False, False
        out[key] = Metric(
            key,
            c.label,
            c.format,
            MetricKind.COMPUTED,
            c.description,
            expression,
            stored,
            formula=c.formula,
            valid=valid,
        )
    return out


# Catalogs built, by everything `metrics` reads (`_catalog_key`): the pages that read a metric
# (an account's metrics, health and churn drivers, alert verdicts, metric columns) rebuilt the
# same catalog from the same rows on every request, 4-5 ms of Python, most of it the churn
# model's SQL. A changed field, formula, model, currency or day is another key.
_CATALOGS: OrderedDict[Hashable, dict[str, Metric]] = OrderedDict()
_CATALOGS_KEPT = 64


def _catalog_key(
    custom_fields: Sequence[CustomField],
    computed: Sequence[ComputedMetric],
    ctx: Context,
    churn: ChurnScorer | None,
) -> Hashable:
    return (
        ctx,
        churn,
        tuple((f.key, f.label, f.kind, f.type, f.format) for f in custom_fields),
        tuple((c.key, c.label, c.format, c.description, c.formula) for c in computed),
    )


def metrics_catalog(
    *,
    custom_fields: Sequence[CustomField],
    computed: Sequence[ComputedMetric],
    ctx: Context,
    churn: ChurnScorer | None = None,
) -> dict[str, Metric]:
    """`metrics`, built once per process for the same inputs (the last `_CATALOGS_KEPT`)."""
    key = _catalog_key(custom_fields, computed, ctx, churn)
    found = _CATALOGS.get(key)
    if found is None:
        found = _CATALOGS[key] = metrics(
            custom_fields=custom_fields, computed=computed, ctx=ctx, churn=churn
        )
        if len(_CATALOGS) > _CATALOGS_KEPT:
            _CATALOGS.popitem(last=False)
    else:
        _CATALOGS.move_to_end(key)
    # A copy: a caller may add to its catalog; a Metric and its SQL cannot change.
    return dict(found)


def field_expression(metric: Metric) -> SQLColumnExpression[Any]:
    """The metric's value for each row of a query over `accounts` (the filter language)."""
    if not metric.stored:
        return metric.expression
    # Correlated with the account alone: a query that joins the values itself (health
    # scoring) must not take the subquery's own table as the outer one and leave it no FROM.
    return (
        select(metric.expression)
        .where(V.account_id == Account.id)
        .correlate(Account)
        .scalar_subquery()
    )


def formula_names(existing: Mapping[str, Metric], *, excluding: str | None = None) -> set[str]:
    """The names a formula may use (every metric but `excluding`, the one being edited)."""
    return {k for k in existing if k != excluding}
