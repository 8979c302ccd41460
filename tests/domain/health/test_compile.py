"""The compiled SQL scores exactly as `domain.health.scoring` defines (random models and values,
run in PostgreSQL)."""

import itertools
import random
from decimal import Decimal
from typing import Any

import pytest
from sqlalchemy import Integer, Numeric, String, column, select, values
from sqlalchemy.ext.asyncio import AsyncSession

from domain.health.compile import Component, ScoredMetric, compile_model, component_column
from domain.health.scoring import (
    Linear,
    Mapping,
    Percentile,
    Range,
    Ranges,
    Values,
    component_score,
    metric_score,
    overall_score,
    percent_rank,
)

D = Decimal
METRICS = ("m0", "m1", "m2", "m3")
# A dimension: text values, scored by a values mapping.
DIMENSION = "tier"
TIERS = ("Tier 1", "Tier 2", "Tier 3", "tier 1")


def _mapping(rng: random.Random) -> Mapping:
    kind = rng.choice(("linear", "ranges", "percentile"))
    if kind == "linear":
        low = D(rng.randint(-50, 50))
        return Linear(low, low + D(rng.randint(1, 80)) / rng.choice((1, 3, 7)), rng.random() < 0.5)
    if kind == "ranges":
        cuts = sorted(set(D(rng.randint(-40, 60)) for _ in range(rng.randint(0, 4))))
        bounds: list[Decimal | None] = [None, *cuts, None]
        return Ranges(
            tuple(Range(s, e, D(rng.randint(0, 100))) for s, e in itertools.pairwise(bounds))
        )
    return Percentile()


def _values(rng: random.Random) -> Values:
    listed = rng.sample(TIERS, rng.randint(1, len(TIERS) - 1))
    other = D(rng.randint(0, 100)) if rng.random() < 0.5 else None
    return Values(tuple((v, D(rng.randint(0, 400)) / 4) for v in listed), other)


def _model(rng: random.Random) -> list[Component]:
    return [
        Component(
            f"c{i}",
            D(rng.randint(1, 400)) / 4,
            tuple(
                ScoredMetric(m, _values(rng) if m == DIMENSION else _mapping(rng))
                for m in rng.sample((*METRICS, DIMENSION), rng.randint(1, len(METRICS)))
            ),
        )
        for i in range(rng.randint(1, 4))
    ]


def _value(rng: random.Random) -> Decimal | None:
    if rng.random() < 0.25:
        return None
    # Repeats on purpose: ties in percentiles and values on range and ramp bounds.
    return D(rng.randint(-60, 90)) / rng.choice((1, 2, 3))


def _expected(
    model: list[Component], rows: list[dict[str, Any]]
) -> dict[int, tuple[int | None, list[int | None]]]:
    present = {m: [r[m] for r in rows if r[m] is not None] for m in METRICS}
    present[DIMENSION] = []
    out = {}
    for row in rows:
        components = []
        for c in model:
            scores = [
                metric_score(
                    m.mapping,
                    row[m.metric],
                    percent_rank(row[m.metric], present[m.metric])
                    if row[m.metric] is not None and m.metric != DIMENSION
                    else None,
                )
                for m in c.metrics
            ]
            components.append(component_score(scores))
        score = overall_score([(s, c.weight) for s, c in zip(components, model, strict=True)])
        out[row["id"]] = (score, components)
    return out


@pytest.mark.parametrize("seed", range(12))
async def test_sql_scores_as_the_definition(session: AsyncSession, seed: int) -> None:
    rng = random.Random(seed)
    model = _model(rng)
    rows = [
        {
            "id": i,
            **{m: _value(rng) for m in METRICS},
            DIMENSION: rng.choice((*TIERS, "Tier 4", None)),
        }
        for i in range(rng.randint(1, 40))
    ]
    table = values(
        column("id", Integer),
        *(column(m, Numeric) for m in METRICS),
        column(DIMENSION, String),
        name="v",
    ).data([(r["id"], *(r[m] for m in METRICS), r[DIMENSION]) for r in rows])
    scored = compile_model(
        model, select(table.c.id), {m: table.c[m] for m in (*METRICS, DIMENSION)}
    ).subquery()

    result = await session.execute(
        select(
            scored.c.id,
            scored.c.score,
            *(scored.c[component_column(i)] for i in range(len(model))),
        )
    )

    got = {r[0]: (r[1], list(r[2:])) for r in result}
    expected = _expected(model, rows)
    assert {k: (s, cs) for k, (s, cs) in got.items()} == {
        k: (D(s) if s is not None else None, [D(c) if c is not None else None for c in cs])
        for k, (s, cs) in expected.items()
    }
