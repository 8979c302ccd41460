"""A health model compiled to SQL: the expressions that score every account of a query at once,
as `domain.health.scoring` defines the maths (a test holds them to it). Pure: it takes the
model's components and the SQL of each metric (or dimension) they use, and returns SQLAlchemy
expressions."""

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from sqlalchemy import (
    ColumnElement,
    Numeric,
    Select,
    SQLColumnExpression,
    String,
    and_,
    case,
    cast,
    func,
    literal,
    null,
    over,
    select,
)

from domain.health.scoring import (
    METRIC_SCORE_PLACES,
    Linear,
    Percentile,
    Ranges,
    Values,
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


def value_column(component: int, metric: int) -> str:
    return f"v{component}_{metric}"


def metric_score_column(component: int, metric: int) -> str:
    return f"s{component}_{metric}"


def component_column(component: int) -> str:
    return f"c{component}"


def _number(value: Decimal) -> ColumnElement[Any]:
    return literal(value, Numeric)


def rank_column(metric: str) -> str:
    """A column of `rows` that holds the metric's percent rank, computed by the caller over
    more accounts than `rows` has (a few changed accounts ranked among all)."""
    return f"rank_{metric}"


def _mapped(
    mapping: ScoreMapping,
    value: ColumnElement[Any],
    rank: ColumnElement[Any] | None = None,
    rank_within: ColumnElement[Any] | None = None,
) -> ColumnElement[Any]:
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
        case Values(scores, other):
            # A dimension's value is text: compared as it is, never cast to a number.
            return case(
                *((value == literal(v, String), _number(score)) for v, score in scores),
                else_=_number(other) if other is not None else null(),
            )
        case Percentile() if rank is not None:
            return 100 * cast(rank, Numeric)
        case Percentile():
            # percent_rank among the rows that have a value (NULLs form their own partition),
            # of the same `rank_within` (a replay's day) when given.
            partition = [value.is_(None)] if rank_within is None else [rank_within, value.is_(None)]
            rank = over(func.percent_rank(), partition_by=partition, order_by=value)
            return 100 * cast(rank, Numeric)


def _half_up(value: ColumnElement[Any]) -> ColumnElement[Any]:
    # PostgreSQL rounds a numeric's halves away from zero: up, as scores are never negative.
    return func.round(value, 0)


def compile_model(
    components: Sequence[Component],
    rows: Select[*tuple[Any, ...]],
    metrics: Mapping[str, SQLColumnExpression[Any]],
    *,
    rank_within: str | None = None,
) -> Select[*tuple[Any, ...]]:
    """`rows` (a query whose columns are kept, e.g. the account's id) scored by `components`:
    with each metric's value (`value_column`), its score (`metric_score_column`), each
    component's score (`component_column`) and the overall `score`, NULL where there is no
    data. Each metric in `metrics` is read once, then the scores are taken level by level,
    so no expression is repeated inside another. Percentiles rank among the rows with the same
    value of the `rank_within` column of `rows` when given (each day of a replay apart)."""
    cells = [(i, j, m) for i, c in enumerate(components) for j, m in enumerate(c.metrics)]
    reading = rows.add_columns(
        *(
            cast(metrics[m.metric], String if isinstance(m.mapping, Values) else Numeric).label(
                value_column(i, j)
            )
            for i, j, m in cells
        )
    )
    # OFFSET 0 keeps PostgreSQL from folding each level into the next, which would read and
    # map every value once per use above it (a metric's JSON value decoded a dozen times).
    read = reading.offset(0).subquery("health_values")
    kept = [read.c[c.name] for c in rows.selected_columns]
    values = [read.c[value_column(i, j)] for i, j, _ in cells]
    mapped = (
        select(
            *kept,
            *values,
            *(
                case(
                    (read.c[value_column(i, j)].is_(None), null()),
                    else_=func.round(
                        _mapped(
                            m.mapping,
                            read.c[value_column(i, j)],
                            read.c.get(rank_column(m.metric)),
                            read.c[rank_within] if rank_within is not None else None,
                        ),
                        METRIC_SCORE_PLACES,
                    ),
                ).label(metric_score_column(i, j))
                for i, j, m in cells
            ),
        )
        .offset(0)
        .subquery("health_metric_scores")
    )
    component_scores = []
    for i, component in enumerate(components):
        scored = [mapped.c[metric_score_column(i, j)] for j in range(len(component.metrics))]
        total = sum((func.coalesce(s, 0) for s in scored[1:]), func.coalesce(scored[0], 0))
        mean = total / func.nullif(func.num_nonnulls(*scored), 0)
        component_scores.append(_half_up(mean).label(component_column(i)))
    by_component = (
        select(*mapped.c, *component_scores).offset(0).subquery("health_component_scores")
    )
    scores = [by_component.c[component_column(i)] for i in range(len(components))]
    points = [
        func.coalesce(s * _number(c.weight), 0) for s, c in zip(scores, components, strict=True)
    ]
    weights = [
        case((s.is_(None), 0), else_=_number(c.weight))
        for s, c in zip(scores, components, strict=True)
    ]
    overall = case(
        (and_(*(s.is_(None) for s in scores)), null()),
        else_=_half_up(_sum(points) / func.nullif(_sum(weights), 0)),
    )
    return select(*by_component.c, overall.label("score"))


def _sum(terms: Sequence[ColumnElement[Any]]) -> ColumnElement[Any]:
    return sum(terms[1:], terms[0])
