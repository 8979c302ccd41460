"""Computed-metric formulas: parsed safely, validated, compiled to SQL (rendered here)."""

import pytest
from sqlalchemy import column
from sqlalchemy.dialects import postgresql

from domain.metrics.formula import (
    FormulaCycle,
    InvalidFormula,
    compile_formula,
    dependency_order,
    metric_names,
    validate,
)

METRICS = {name: column(name) for name in ("mrr", "active_users_30d", "seats")}


def sql(formula: str) -> str:
    expression = compile_formula(formula, METRICS)
    return str(
        expression.compile(dialect=postgresql.dialect(), compile_kwargs={"literal_binds": True})
    )


def test_a_ratio_divides_by_null_instead_of_zero() -> None:
    assert sql("mrr / active_users_30d") == (
        "CAST(mrr AS NUMERIC) / CAST(nullif(CAST(active_users_30d AS NUMERIC), 0) AS NUMERIC)"
    )


def test_precedence_parentheses_and_unary_minus_are_kept() -> None:
    assert sql("-(mrr - 10) * 2.5") == "(-(CAST(mrr AS NUMERIC) - 10)) * 2.5"


def test_functions_map_to_sql() -> None:
    text = sql("max(seats, 1) + min(mrr, 100) + abs(mrr) + round(seats) + coalesce(mrr, 0)")
    for part in ("greatest(", "least(", "abs(", "round(", "coalesce("):
        assert part in text


def test_the_names_used_are_reported() -> None:
    assert metric_names("mrr / (seats + active_users_30d)") == {
        "mrr",
        "seats",
        "active_users_30d",
    }


@pytest.mark.parametrize(
    ("formula", "message"),
    [
        ("", "empty"),
        ("mrr +", "Syntax error"),
        ("__import__('os').system('rm -rf /')", "not allowed"),
        ("__import__('os')", "Unknown function"),
        ("mrr.real", "not allowed"),
        ("mrr ** 2", "not allowed"),
        ("mrr if seats else 0", "not allowed"),
        ("'text'", "not allowed"),
        ("True + mrr", "not allowed"),
        ("[mrr]", "not allowed"),
        ("lambda: 1", "not allowed"),
        ("max(mrr)", "takes 2"),
        ("max(mrr, seats, key=1)", "Unknown function"),
        ("churn_risk * 2", "Unknown metrics: churn_risk"),
        ("x" * 501, "limited to 500"),
        ("(" * 30 + "mrr" + ")" * 30 + "+" + "-" * 30 + "mrr", "nest"),
    ],
)
def test_anything_else_is_refused(formula: str, message: str) -> None:
    with pytest.raises(InvalidFormula, match=message):
        validate(formula, set(METRICS))


def test_computed_metrics_are_ordered_after_what_they_use() -> None:
    order = dependency_order({"b": "a * 2", "a": "mrr + 1", "c": "b + a"})

    assert order.index("a") < order.index("b") < order.index("c")


def test_a_dependency_cycle_is_refused() -> None:
    with pytest.raises(FormulaCycle, match="a → b → a"):
        dependency_order({"a": "b + 1", "b": "a * 2"})
