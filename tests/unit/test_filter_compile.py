"""The filter compiler is pure: conditions in, SQL out. Checked here by rendering the SQL."""

import datetime as dt

import pytest
from pydantic import TypeAdapter, ValidationError
from sqlalchemy.dialects import postgresql

from domain.accounts.custom_values import coerce
from domain.accounts.errors import InvalidCustomValue
from domain.accounts.fields import account_fields
from domain.accounts.models import CustomField, CustomFieldType
from domain.filters.compile import InvalidFilter, compile_condition
from domain.filters.schemas import MAX_DEPTH, Condition

TODAY = dt.date(2026, 11, 23)
CONDITION = TypeAdapter(Condition)
SEATS = CustomField(key="seats", label="Seats", type=CustomFieldType.NUMBER, options=[])
FIELDS = account_fields(custom_fields=[SEATS], tiers=[], stages=[], today=TODAY)


def sql(condition: dict[str, object] | None) -> str:
    parsed = None if condition is None else CONDITION.validate_python(condition)
    expression = compile_condition(parsed, FIELDS, today=TODAY)
    text = expression.compile(dialect=postgresql.dialect(), compile_kwargs={"literal_binds": True})
    # The driver's paramstyle doubles literal percent signs; undo it for readable assertions.
    return str(text).replace("%%", "%")


def test_no_condition_is_true() -> None:
    assert sql(None) == "true"


def test_date_window_uses_today() -> None:
    text = sql({"kind": "date", "field": "renewal_on", "op": "within_next_days", "days": 60})
    assert "'2026-11-23'" in text and "'2027-01-22'" in text


def test_custom_number_is_cast() -> None:
    text = sql({"kind": "compare", "field": "custom.seats", "op": "gte", "value": 10})
    # Only a JSON number is cast: a text kept from a deleted field of the same key is no value.
    assert (
        "CASE WHEN (jsonb_typeof(accounts.custom_values['seats']) = 'number') "
        "THEN CAST((accounts.custom_values ->> 'seats') AS NUMERIC) END >= 10"
    ) in text


def test_ne_keeps_empty_values() -> None:
    assert "IS DISTINCT FROM" in sql(
        {"kind": "compare", "field": "domain", "op": "ne", "value": "x.io"}
    )


def test_contains_escapes_wildcards() -> None:
    text = sql({"kind": "compare", "field": "name", "op": "contains", "value": "50%_off"})
    assert "50\\%\\_off" in text


def test_not_treats_unknown_as_false() -> None:
    text = sql(
        {
            "kind": "not",
            "condition": {"kind": "compare", "field": "csm_score", "op": "gt", "value": 50},
        }
    )
    assert text.startswith("NOT coalesce(")


def test_depth_is_limited() -> None:
    node: dict[str, object] = {"kind": "compare", "field": "name", "op": "is_empty"}
    for _ in range(MAX_DEPTH + 1):
        node = {"kind": "not", "condition": node}
    with pytest.raises(InvalidFilter):
        sql(node)


def test_unknown_kind_is_a_validation_error() -> None:
    with pytest.raises(ValidationError):
        CONDITION.validate_python({"kind": "maybe"})


@pytest.mark.parametrize(
    ("type_", "value", "stored"),
    [
        (CustomFieldType.NUMBER, 3.5, 3.5),
        (CustomFieldType.BOOLEAN, False, False),
        (CustomFieldType.DATE, "2026-01-02", "2026-01-02"),
        (CustomFieldType.TEXT, "hello", "hello"),
        (CustomFieldType.NUMBER, None, None),
    ],
)
def test_custom_values_accept_their_type(
    type_: CustomFieldType, value: object, stored: object
) -> None:
    field = CustomField(key="f", label="F", type=type_, options=[])
    assert coerce(field, value) == stored


@pytest.mark.parametrize(
    ("type_", "value"),
    [
        (CustomFieldType.NUMBER, "12"),
        (CustomFieldType.NUMBER, True),
        (CustomFieldType.BOOLEAN, "yes"),
        (CustomFieldType.DATE, "31/12/2026"),
        (CustomFieldType.TEXT, 5),
    ],
)
def test_custom_values_refuse_other_types(type_: CustomFieldType, value: object) -> None:
    with pytest.raises(InvalidCustomValue):
        coerce(CustomField(key="f", label="F", type=type_, options=[]), value)
