"""An alert rule's condition as SQL: the match and the values that explain it. Pure: it takes
the condition and the organisation's fields, and returns SQLAlchemy expressions."""

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass, replace
from typing import Any

from sqlalchemy import ColumnElement, FromClause, false, func
from sqlalchemy.dialects.postgresql import JSONB

from domain.filters.compile import FieldDef, compile_condition
from domain.filters.errors import InvalidFilter
from domain.filters.schemas import (
    All,
    Compare,
    CompareFields,
    Condition,
    DateWindow,
    FilterAny,
    Not,
)

# jsonb_build_object takes at most 100 arguments: 50 fields per call, the calls concatenated.
_PAIRS_PER_CALL = 50


@dataclass(frozen=True)
class CompiledRule:
    # TRUE for an account the rule matches (never NULL).
    matches: ColumnElement[bool]
    # {"<field>": value} of the condition's fields, for the alert's snapshot.
    values: ColumnElement[Any]


def read_by_join(fields: Mapping[str, FieldDef], table: FromClause) -> dict[str, FieldDef]:
    """The fields whose value sits in `table` (one row per account: the stored metrics) read
    from it joined once to the accounts, instead of a subquery per account and field: over
    100,000 accounts that is the most of a rule's cost. The statement must join `table`."""

    def joined(field: FieldDef) -> bool:
        order = field.order
        return order is not None and bool(order.joins) and all(t is table for t, _ in order.joins)

    return {
        key: replace(field, expression=field.order.value)
        if field.order is not None and joined(field)
        else field
        for key, field in fields.items()
    }


def field_keys(condition: Condition) -> list[str]:
    """The fields a condition reads, each once, in the order it names them."""
    keys: list[str] = []
    stack: list[Condition] = [condition]
    while stack:
        node = stack.pop()
        match node:
            case All(conditions=children) | FilterAny(conditions=children):
                stack.extend(reversed(children))
            case Not(condition=child):
                stack.append(child)
            case CompareFields(field=key, other=other):
                keys += [key, other]
            case Compare(field=key) | DateWindow(field=key):
                keys.append(key)
    return list(dict.fromkeys(keys))


def check_fields(condition: Condition, fields: Mapping[str, FieldDef]) -> None:
    """A 422 that names the valid fields when the condition uses one that does not exist."""
    unknown = [k for k in field_keys(condition) if k not in fields]
    if unknown:
        raise InvalidFilter(
            f"unknown field {', '.join(map(repr, unknown))}; valid fields are: "
            f"{', '.join(sorted(fields))}"
        )


def compile_rule(
    condition: Condition, fields: Mapping[str, FieldDef], *, today: dt.date
) -> CompiledRule:
    check_fields(condition, fields)
    shown = [
        (key, fields[key].expression)
        for key in field_keys(condition)
        if fields[key].expression is not None
    ]
    calls = [
        func.jsonb_build_object(
            *(
                part
                for key, expression in shown[i : i + _PAIRS_PER_CALL]
                for part in (key, expression)
            ),
            type_=JSONB,
        )
        for i in range(0, len(shown), _PAIRS_PER_CALL)
    ] or [func.jsonb_build_object(type_=JSONB)]
    values: ColumnElement[Any] = calls[0]
    for call in calls[1:]:
        values = values.op("||", return_type=JSONB)(call)
    matches = func.coalesce(compile_condition(condition, fields, today=today), false())
    return CompiledRule(matches=matches, values=values)


def rule_problem(
    condition: Condition, fields: Mapping[str, FieldDef], *, today: dt.date
) -> str | None:
    """Why a stored rule's condition no longer compiles (a field it names was deleted, a value
    no longer fits its field), in a line for the rules table; None while it compiles."""
    gone = [k for k in field_keys(condition) if k not in fields]
    if gone:
        return f"names a field that no longer exists: {', '.join(gone)}"
    try:
        compile_rule(condition, fields, today=today)
    except InvalidFilter as exc:
        return exc.detail
    return None
