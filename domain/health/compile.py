"""A health model compiled to SQL: the expressions that score every account of a query at once,
as `domain.health.scoring` defines the maths (a test holds them to it). Pure: it takes the
model's components and the SQL of each metric they use, and returns SQLAlchemy expressions."""

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from sqlalchemy import (
    ColumnElement,
    Numeric,
    SQLColumnExpression,
    and_,
    case,
    cast,
    func,
    literal,
    null,
    over,
)

from domain.health.scoring import (
    METRIC_SCORE_PLACES,
    Linear,
    Percentile,
    Ranges,
)
from domain.health.scoring import (
    Mapping as ScoreMapping,
)


@dataclass(frozen=True)
class ScoredMetric:
    metric: str
    mapping: ScoreMapping


@dataclass(frozen=True)
class Component:
    name: str
    weight: Decimal
    metrics: tuple[ScoredMetric, ...]


@dataclass(frozen=True)
class Scoring:
    """The SQL of one model's scores over a query's rows: each metric's value and score per
    component, each component's score, and the overall score (NULL: no data)."""

    values: list[list[ColumnElement[Any]]]
    metric_scores: list[list[ColumnElement[Any]]]
    component_scores: list[ColumnElement[Any]]
    score: ColumnElement[Any]


def _number(value: Decimal) -> ColumnElement[Any]:
    return literal(value, Numeric)


def _mapped(mapping: ScoreMapping, value: ColumnElement[Any]) -> ColumnElement[Any]:
    match mapping:
        case Linear(low, high, invert):
            ramp = case(
                (value <= _number(low), literal(0, Numeric)),
                (value >= _number(high), literal(100, Numeric)),
                else_=100 * (value - _number(low)) / _number(high - low),
            )
            return literal(100, Numeric) - ramp if invert else ramp
        case Ranges(ranges):
            # Ordered and covering every value: the first range whose end is above the value.
            whens = [
                (value < _number(r.end), _number(r.score)) for r in ranges if r.end is not None
            ]
            return (
                case(*whens, else_=_number(ranges[-1].score))
                if whens
                else _number(ranges[-1].score)
            )
        case Percentile():
            # percent_rank among the rows that have a value (NULLs form their own partition).
            rank = over(func.percent_rank(), partition_by=value.is_(None), order_by=value)
            return 100 * cast(rank, Numeric)


def _half_up(value: ColumnElement[Any]) -> ColumnElement[Any]:
    # PostgreSQL rounds a numeric's halves away from zero: up, as scores are never negative.
    return func.round(value, 0)


def compile_model(
    components: Sequence[Component], metrics: Mapping[str, SQLColumnExpression[Any]]
) -> Scoring:
    """The scoring expressions of `components`, reading each metric with its expression in
    `metrics` (every metric a component uses must be there)."""
    values: list[list[ColumnElement[Any]]] = []
    metric_scores: list[list[ColumnElement[Any]]] = []
    component_scores: list[ColumnElement[Any]] = []
    for component in components:
        read: list[ColumnElement[Any]] = [
            cast(metrics[m.metric], Numeric) for m in component.metrics
        ]
        scored: list[ColumnElement[Any]] = [
            case(
                (value.is_(None), null()),
                else_=func.round(_mapped(m.mapping, value), METRIC_SCORE_PLACES),
            )
            for m, value in zip(component.metrics, read, strict=True)
        ]
        known = func.num_nonnulls(*scored)
        total = sum((func.coalesce(s, 0) for s in scored[1:]), func.coalesce(scored[0], 0))
        values.append(read)
        metric_scores.append(scored)
        component_scores.append(_half_up(total / func.nullif(known, 0)))
    weighted = [
        (score * _number(c.weight), case((score.is_(None), null()), else_=_number(c.weight)))
        for c, score in zip(components, component_scores, strict=True)
    ]
    points = sum((func.coalesce(p, 0) for p, _ in weighted[1:]), func.coalesce(weighted[0][0], 0))
    weights = sum((func.coalesce(w, 0) for _, w in weighted[1:]), func.coalesce(weighted[0][1], 0))
    score = case(
        (and_(*(s.is_(None) for s in component_scores)), null()),
        else_=_half_up(points / func.nullif(weights, 0)),
    )
    return Scoring(values, metric_scores, component_scores, score)
