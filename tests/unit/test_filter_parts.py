"""A filter a request sends holds only the parts its operators use: a value with `is_empty`,
`days` with `before` or a `date` with `within_next_days` is refused rather than ignored. Stored
filters are read back without the rule, and compile as they did."""

import datetime as dt
from typing import Any

import pytest
from pydantic import TypeAdapter, ValidationError

from domain.accounts.fields import account_fields
from domain.filters.compile import compile_condition
from domain.filters.schemas import CompareOp, Condition, DateOp, Filter

TODAY = dt.date(2026, 11, 23)
FILTER: TypeAdapter[Condition] = TypeAdapter(Filter)
STORED: TypeAdapter[Condition] = TypeAdapter(Condition)
PRESENCE = {CompareOp.IS_EMPTY, CompareOp.IS_NOT_EMPTY}
ON_A_DATE = {DateOp.BEFORE, DateOp.AFTER, DateOp.ON}


def _compare(op: CompareOp, **parts: Any) -> dict[str, Any]:
    return {"kind": "compare", "field": "tier", "op": op.value, **parts}


def _date(op: DateOp, **parts: Any) -> dict[str, Any]:
    return {"kind": "date", "field": "renewal_on", "op": op.value, **parts}


def _refusal(condition: dict[str, Any]) -> str:
    with pytest.raises(ValidationError) as refused:
        FILTER.validate_python(condition)
    [error] = refused.value.errors()
    assert error["type"] == "invalid_filter"
    return error["msg"]


@pytest.mark.parametrize("op", list(CompareOp), ids=str)
def test_only_is_empty_and_is_not_empty_refuse_a_value(op: CompareOp) -> None:
    with_value = _compare(op, value="Tier 1")
    if op in PRESENCE:
        assert _refusal(with_value) == (
            f"{op.value} tests whether tier has a value, and takes none to compare with: "
            "leave out `value`"
        )
        assert _refusal(_compare(op, value=[])) and _refusal(_compare(op, value=False))
    else:
        FILTER.validate_python(with_value)
    # No value, or an explicit null, is no part: the compiler says what is missing, if anything.
    FILTER.validate_python(_compare(op))
    FILTER.validate_python(_compare(op, value=None))


@pytest.mark.parametrize("op", list(DateOp), ids=str)
def test_each_date_operator_takes_its_own_part_only(op: DateOp) -> None:
    days, date = {"days": 30}, {"date": "2027-01-01"}
    used, unused = (date, days) if op in ON_A_DATE else (days, date)

    FILTER.validate_python(_date(op, **used))
    FILTER.validate_python(_date(op, **used, **{next(iter(unused)): None}))
    for condition in (_date(op, **used, **unused), _date(op, **unused)):
        message = _refusal(condition)
        assert message.startswith(f"{op.value} ") and f"leave out `{next(iter(unused))}`" in message


def test_the_message_says_where_in_the_tree() -> None:
    tree = {
        "kind": "all",
        "conditions": [
            _compare(CompareOp.EQ, value="Tier 1"),
            {"kind": "not", "condition": _date(DateOp.BEFORE, date="2027-01-01", days=3)},
            _compare(CompareOp.IS_EMPTY, value="x"),
        ],
    }

    message = _refusal(tree)

    assert message.startswith("conditions.1.condition: before compares renewal_on with `date`")
    assert "within_last_days, within_next_days" in message


def test_a_stored_filter_with_an_ignored_part_still_reads_and_compiles() -> None:
    stored = {
        "kind": "any",
        "conditions": [
            _compare(CompareOp.IS_EMPTY, value="Tier 1"),
            _date(DateOp.WITHIN_NEXT_DAYS, days=60, date="2020-01-01"),
        ],
    }
    clean = {
        "kind": "any",
        "conditions": [_compare(CompareOp.IS_EMPTY), _date(DateOp.WITHIN_NEXT_DAYS, days=60)],
    }
    fields = account_fields(custom_fields=[], tiers=[], stages=[], today=TODAY)

    def sql(condition: dict[str, Any]) -> str:
        expression = compile_condition(STORED.validate_python(condition), fields, today=TODAY)
        return str(expression.compile(compile_kwargs={"literal_binds": True}))

    assert sql(stored) == sql(clean)
