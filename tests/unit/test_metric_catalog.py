"""The metric catalog: built-in, custom and computed metrics and their SQL (pure)."""

import datetime as dt
from typing import Any

from sqlalchemy.dialects import postgresql

from domain.accounts.models import CustomField, CustomFieldKind, CustomFieldType
from domain.metrics.catalog import (
    BUILTIN,
    ChurnFeature,
    ChurnScorer,
    Context,
    MetricKind,
    field_expression,
    metrics,
    metrics_catalog,
)
from domain.metrics.models import ComputedMetric, MetricFormat

CTX = Context(today=dt.date(2026, 5, 15), currency_exponent=2)


def _sql(expression: object) -> str:
    return str(expression.compile(dialect=postgresql.dialect()))  # type: ignore[attr-defined]


def _compiled(expression: object) -> Any:
    return expression.compile(dialect=postgresql.dialect())  # type: ignore[attr-defined]


def _shown(expression: object) -> tuple[str, list[object]]:
    """The SQL and the values it is sent with."""
    compiled = _compiled(expression)
    return str(compiled), sorted(compiled.params.values(), key=repr)


def _custom(key: str, type: CustomFieldType = CustomFieldType.NUMBER) -> CustomField:
    kind = CustomFieldKind.METRIC if type == CustomFieldType.NUMBER else CustomFieldKind.DIMENSION
    return CustomField(key=key, label=key.title(), kind=kind, type=type)


def _computed(key: str, formula: str) -> ComputedMetric:
    return ComputedMetric(key=key, label=key, format=MetricFormat.NUMBER, formula=formula)


def test_builtin_keys_are_unique_and_formatted() -> None:
    keys = [m.key for m in BUILTIN]
    assert len(keys) == len(set(keys))
    assert {m.key for m in BUILTIN if m.format is MetricFormat.CURRENCY} == {"mrr", "arr"}
    assert {"activity_rank", "feature_adoption", "active_users_30d"} <= set(keys)


def test_only_numeric_custom_metrics_and_builtins_win_clashes() -> None:
    found = metrics(
        custom_fields=[_custom("seats"), _custom("region", CustomFieldType.TEXT), _custom("mrr")],
        computed=[],
        ctx=CTX,
    )
    assert found["seats"].kind is MetricKind.CUSTOM
    assert "region" not in found
    assert found["mrr"].kind is MetricKind.BUILTIN


def test_a_computed_metric_wins_over_a_custom_field_stored_with_its_key() -> None:
    """Only a custom field saved after the metric, before keys were checked, can clash."""
    found = metrics(
        custom_fields=[_custom("seats"), _custom("per_seat")],
        computed=[_computed("per_seat", "mrr / seats")],
        ctx=CTX,
    )
    assert found["per_seat"].kind is MetricKind.COMPUTED
    assert found["per_seat"].valid and "custom_values" in _sql(found["per_seat"].expression)
    assert found["seats"].kind is MetricKind.CUSTOM


def test_computed_metrics_compile_in_dependency_order() -> None:
    found = metrics(
        custom_fields=[_custom("seats")],
        computed=[_computed("b", "a * 2"), _computed("a", "mrr / seats")],
        ctx=CTX,
    )
    assert found["a"].valid and found["b"].valid
    assert found["b"].stored  # through mrr
    assert "account_metric_values.mrr" in _sql(found["b"].expression)


def test_a_formula_over_a_removed_metric_has_no_value() -> None:
    found = metrics(
        custom_fields=[],
        computed=[_computed("a", "gone * 2"), _computed("b", "a + 1"), _computed("c", "c")],
        ctx=CTX,
    )
    assert not found["a"].valid and not found["b"].valid and not found["c"].valid
    assert _sql(found["a"].expression) == "NULL"


def test_field_expressions_read_stored_values_by_account() -> None:
    found = metrics(custom_fields=[_custom("seats")], computed=[], ctx=CTX)
    stored = _sql(field_expression(found["events_30d"]))
    assert "FROM account_metric_values" in stored
    assert "account_metric_values.account_id = accounts.id" in stored
    # Not stored: read from the account row directly.
    assert "account_metric_values" not in _sql(field_expression(found["days_to_renewal"]))
    assert "custom_values" in _sql(field_expression(found["seats"]))


def test_money_is_in_major_units_of_the_base_currency() -> None:
    for exponent, divisor in ((0, 1), (2, 100), (3, 1000)):
        found = metrics(custom_fields=[], computed=[], ctx=Context(CTX.today, exponent))
        compiled = found["mrr"].expression.compile(dialect=postgresql.dialect())  # type: ignore[attr-defined]
        assert list(compiled.params.values()) == [divisor]


def _scorer(coefficient: float) -> ChurnScorer:
    return ChurnScorer(
        features=(ChurnFeature("seats", 10.0, 2.0, coefficient),),
        intercept=-1.0,
        horizon_days=90,
        trained_on=dt.date(2026, 5, 1),
    )


def test_the_catalog_is_built_once_for_the_same_inputs_and_anew_when_one_changes() -> None:
    def built(**changes: object) -> dict[str, object]:
        inputs: dict[str, object] = {
            "custom_fields": [_custom("seats")],
            "computed": [_computed("per_seat", "mrr / seats")],
            "ctx": CTX,
            "churn": _scorer(0.5),
        }
        return metrics_catalog(**{**inputs, **changes})  # type: ignore[arg-type]

    first, again = built(), built()
    # Equal rows read again (new ORM objects) find the same metrics, in a dict of their own.
    assert again is not first and again == first
    assert again["churn_probability"] is first["churn_probability"]
    for changed in (
        built(
            custom_fields=[
                CustomField(
                    key="seats",
                    label="Licences",
                    kind=CustomFieldKind.METRIC,
                    type=CustomFieldType.NUMBER,
                )
            ]
        ),
        built(computed=[_computed("per_seat", "arr / seats")]),
        built(ctx=Context(today=dt.date(2026, 5, 16), currency_exponent=2)),
        built(churn=_scorer(0.7)),
        built(churn=None),
    ):
        assert changed != first
    reweighed = built(churn=_scorer(0.7))["churn_probability"].expression  # type: ignore[attr-defined]
    assert 0.7 in _compiled(reweighed).params.values()
    assert 0.7 not in _compiled(first["churn_probability"].expression).params.values()  # type: ignore[attr-defined]
    # What it builds is what `metrics` builds.
    fresh = metrics(
        custom_fields=[_custom("seats")],
        computed=[_computed("per_seat", "arr / seats")],
        ctx=CTX,
        churn=_scorer(0.5),
    )
    cached = built(computed=[_computed("per_seat", "arr / seats")])
    assert {k: _shown(m.expression) for k, m in fresh.items()} == {  # type: ignore[attr-defined]
        k: _shown(m.expression)  # type: ignore[attr-defined]
        for k, m in cached.items()
    }
