"""Compile a filter-language condition into one SQL boolean expression. Pure: it takes the
condition, the fields it may use and today's date, and returns a SQLAlchemy expression."""

import datetime as dt
import math
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from decimal import Decimal
from enum import StrEnum
from typing import Any

from sqlalchemy import (
    BigInteger,
    ColumnElement,
    FromClause,
    Integer,
    Numeric,
    SmallInteger,
    SQLColumnExpression,
    and_,
    false,
    func,
    literal,
    not_,
    or_,
    true,
)

from domain.filters.errors import InvalidFilter as InvalidFilter
from domain.filters.schemas import (
    All,
    Compare,
    CompareFields,
    CompareOp,
    Condition,
    DateOp,
    DateWindow,
    FilterAny,
    Not,
    size_problem,
)


class FieldType(StrEnum):
    TEXT = "text"
    CATEGORY = "category"
    NUMBER = "number"
    DATE = "date"
    BOOLEAN = "boolean"
    # A set of user ids (an account's CSMs): eq/ne/in/not_in/is_empty/is_not_empty.
    USERS = "users"


Matcher = Callable[[CompareOp, Any], ColumnElement[bool]]


@dataclass(frozen=True)
class Ordering:
    """How a list sorts by a field: a SQL value per row, read from the row or from tables
    outer-joined to it (each join adds at most one row per listed row)."""

    value: SQLColumnExpression[Any]
    joins: tuple[tuple[FromClause, ColumnElement[bool]], ...] = ()
    # Set when the value is the same SQL for every request (one of the row's own columns):
    # statements sorted by it can then be compiled once and reused.
    column: str | None = None


@dataclass(frozen=True)
class FieldDef:
    key: str
    label: str
    type: FieldType
    # The SQL value of the field for the row being filtered (a column or correlated subquery).
    expression: SQLColumnExpression[Any] | None = None
    # Fields that are not one value per row (USERS) compile through their own matcher.
    matcher: Matcher | None = None
    options: tuple[str, ...] = ()
    # How values are shown (a custom field's or a metric's format); None for plain columns.
    format: str | None = None
    # How lists sort by the field when not by `expression`: tiers in their configured order,
    # a stored metric through one join rather than a subquery per row.
    order: Ordering | None = None

    def sort_order(self) -> Ordering | None:
        """How lists sort by the field; None when they cannot (a set of users)."""
        if self.order is not None:
            return self.order
        if self.expression is None or self.type is FieldType.USERS:
            return None
        if self.type in (FieldType.TEXT, FieldType.CATEGORY):
            # An empty text is no value: it sorts last, as the filters treat it as empty.
            return Ordering(func.nullif(self.expression, ""))
        return Ordering(self.expression)


_ALLOWED: dict[FieldType, set[CompareOp]] = {
    FieldType.TEXT: {
        CompareOp.EQ,
        CompareOp.NE,
        CompareOp.IN,
        CompareOp.NOT_IN,
        CompareOp.CONTAINS,
        CompareOp.NOT_CONTAINS,
        CompareOp.STARTS_WITH,
        CompareOp.IS_EMPTY,
        CompareOp.IS_NOT_EMPTY,
    },
    FieldType.CATEGORY: {
        CompareOp.EQ,
        CompareOp.NE,
        CompareOp.IN,
        CompareOp.NOT_IN,
        CompareOp.IS_EMPTY,
        CompareOp.IS_NOT_EMPTY,
    },
    FieldType.NUMBER: {
        CompareOp.EQ,
        CompareOp.NE,
        CompareOp.GT,
        CompareOp.GTE,
        CompareOp.LT,
        CompareOp.LTE,
        CompareOp.IN,
        CompareOp.NOT_IN,
        CompareOp.IS_EMPTY,
        CompareOp.IS_NOT_EMPTY,
    },
    FieldType.DATE: {
        CompareOp.EQ,
        CompareOp.NE,
        CompareOp.GT,
        CompareOp.GTE,
        CompareOp.LT,
        CompareOp.LTE,
        CompareOp.IS_EMPTY,
        CompareOp.IS_NOT_EMPTY,
    },
    FieldType.BOOLEAN: {CompareOp.EQ, CompareOp.NE, CompareOp.IS_EMPTY, CompareOp.IS_NOT_EMPTY},
    FieldType.USERS: {
        CompareOp.EQ,
        CompareOp.NE,
        CompareOp.IN,
        CompareOp.NOT_IN,
        CompareOp.IS_EMPTY,
        CompareOp.IS_NOT_EMPTY,
    },
}


def _predicate(expression: Any) -> ColumnElement[bool]:
    """Comparison operators on ColumnElement[Any] are typed Any; they are boolean SQL."""
    return expression  # type: ignore[no-any-return]  # see docstring


def _escape_like(text: str) -> str:
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def _integer_bound(field: FieldDef) -> int | None:
    """2**(bits - 1) for a field stored as an integer (values lie in [-bound, bound))."""
    sql_type = getattr(field.expression, "type", None)
    for kind, bound in ((SmallInteger, 2**15), (BigInteger, 2**63), (Integer, 2**31)):
        if isinstance(sql_type, kind):
            return bound
    return None


def _number(field: FieldDef, value: Any) -> Any:
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise InvalidFilter(f"{field.key} is a number; {value!r} is not")
    if isinstance(value, float) and not math.isfinite(value):
        raise InvalidFilter(f"{field.key} is compared with a finite number; {value!r} is not")
    bound = _integer_bound(field)
    if bound is None:
        # Sent as a decimal whatever its size (the server would guess a bigint for an int).
        return literal(_decimal(value), Numeric())
    if not -bound <= value < bound:
        # The driver could not even send it as the column's type.
        raise InvalidFilter(f"{field.key} holds whole numbers from {-bound:,} to {bound - 1:,}")
    if isinstance(value, float) and not value.is_integer():
        # Compared as a decimal: an integer column takes no fraction as its parameter.
        return literal(_decimal(value), Numeric())
    return int(value)


def _decimal(value: int | float) -> Decimal | int:
    """The number the caller wrote: 83.3 is the decimal 83.3, as stored values are, not the
    binary float nearest to it (83.2999999999999971...), which equals no stored 83.3."""
    return Decimal(repr(value)) if isinstance(value, float) else value


def _coerce(field: FieldDef, value: Any) -> Any:
    """Check a value against the field's type; the 422 names the field and what was wrong."""
    kind = field.type
    if kind is FieldType.NUMBER:
        return _number(field, value)
    if kind is FieldType.BOOLEAN:
        if not isinstance(value, bool):
            raise InvalidFilter(f"{field.key} is true or false; {value!r} is not")
        return value
    if kind is FieldType.DATE:
        if isinstance(value, dt.date):
            return value
        if isinstance(value, str):
            try:
                return dt.date.fromisoformat(value)
            except ValueError:
                pass
        raise InvalidFilter(f"{field.key} is a date (YYYY-MM-DD); {value!r} is not")
    if not isinstance(value, str):
        raise InvalidFilter(f"{field.key} is text; {value!r} is not")
    if kind is FieldType.CATEGORY and field.options and value not in field.options:
        raise InvalidFilter(
            f"{value!r} is not one of {field.key}'s values: {', '.join(field.options)}"
        )
    return value


def _compare(field: FieldDef, op: CompareOp, value: Any) -> ColumnElement[bool]:
    if op not in _ALLOWED[field.type]:
        raise InvalidFilter(f"{op.value} does not apply to {field.key} ({field.type.value})")
    if op in (CompareOp.IS_EMPTY, CompareOp.IS_NOT_EMPTY):
        value = None
    elif op in (CompareOp.IN, CompareOp.NOT_IN):
        if not isinstance(value, list) or not value:
            raise InvalidFilter(f"{op.value} on {field.key} needs a non-empty list of values")
        value = [_coerce(field, v) for v in value]
    else:
        if value is None or isinstance(value, list):
            raise InvalidFilter(f"{op.value} on {field.key} needs one value")
        value = _coerce(field, value)
    if field.matcher is not None:
        return field.matcher(op, value)
    assert field.expression is not None
    col = field.expression
    empty: ColumnElement[bool] = col.is_(None)
    if field.type in (FieldType.TEXT, FieldType.CATEGORY):
        empty = or_(col.is_(None), col == "")
    match op:
        case CompareOp.EQ:
            return _predicate(col == value)
        case CompareOp.NE:
            return col.is_distinct_from(value)
        case CompareOp.GT:
            return _predicate(col > value)
        case CompareOp.GTE:
            return _predicate(col >= value)
        case CompareOp.LT:
            return _predicate(col < value)
        case CompareOp.LTE:
            return _predicate(col <= value)
        case CompareOp.IN:
            return col.in_(value)
        case CompareOp.NOT_IN:
            return or_(col.is_(None), col.not_in(value))
        case CompareOp.CONTAINS:
            return col.ilike(f"%{_escape_like(value)}%", escape="\\")
        case CompareOp.NOT_CONTAINS:
            return or_(col.is_(None), not_(col.ilike(f"%{_escape_like(value)}%", escape="\\")))
        case CompareOp.STARTS_WITH:
            return col.ilike(f"{_escape_like(value)}%", escape="\\")
        case CompareOp.IS_EMPTY:
            return empty
        case CompareOp.IS_NOT_EMPTY:
            return not_(empty)
    raise InvalidFilter(f"unknown operator {op}")  # pragma: no cover  # exhaustive above


def _date_window(field: FieldDef, cond: DateWindow, today: dt.date) -> ColumnElement[bool]:
    if field.type is not FieldType.DATE or field.expression is None:
        raise InvalidFilter(f"{field.key} is not a date")
    col = field.expression
    if cond.op in (DateOp.BEFORE, DateOp.AFTER, DateOp.ON):
        if cond.date is None:
            raise InvalidFilter(f"{cond.op.value} on {field.key} needs a date")
        return {DateOp.BEFORE: col < cond.date, DateOp.AFTER: col > cond.date}.get(
            cond.op, col == cond.date
        )
    if cond.days is None:
        raise InvalidFilter(f"{cond.op.value} on {field.key} needs a number of days")
    delta = dt.timedelta(days=cond.days)
    match cond.op:
        case DateOp.WITHIN_LAST_DAYS:
            return and_(col >= today - delta, col <= today)
        case DateOp.WITHIN_NEXT_DAYS:
            return and_(col >= today, col <= today + delta)
        case DateOp.MORE_THAN_DAYS_AGO:
            return col < today - delta
        case _:
            return col > today + delta


def _field(fields: Mapping[str, FieldDef], key: str) -> FieldDef:
    try:
        return fields[key]
    except KeyError:
        raise InvalidFilter(f"unknown field {key!r}") from None


def compile_condition(
    condition: Condition | None, fields: Mapping[str, FieldDef], *, today: dt.date
) -> ColumnElement[bool]:
    """The SQL for `condition` (TRUE when there is none)."""

    def walk(node: Condition, depth: int) -> ColumnElement[bool]:
        match node:
            case All(conditions=children):
                return and_(true(), *(walk(c, depth + 1) for c in children))
            case FilterAny(conditions=children):
                return or_(false(), *(walk(c, depth + 1) for c in children))
            case Not(condition=child):
                # SQL's NOT NULL is NULL: "not Tier 1" must still match accounts with no tier.
                return not_(func.coalesce(walk(child, depth + 1), false()))
            case Compare(field=key, op=op, value=value):
                return _compare(_field(fields, key), op, value)
            case CompareFields(field=key, op=op, other=other_key):
                left, right = _field(fields, key), _field(fields, other_key)
                if left.type != right.type or left.expression is None or right.expression is None:
                    raise InvalidFilter(f"{key} and {other_key} cannot be compared")
                if left.type not in (FieldType.NUMBER, FieldType.DATE) and op not in ("eq", "ne"):
                    raise InvalidFilter(f"{op} does not apply to {key} ({left.type.value})")
                ops = {
                    "eq": left.expression == right.expression,
                    "ne": left.expression.is_distinct_from(right.expression),
                    "gt": left.expression > right.expression,
                    "gte": left.expression >= right.expression,
                    "lt": left.expression < right.expression,
                    "lte": left.expression <= right.expression,
                }
                return ops[op]
            case DateWindow():
                return _date_window(_field(fields, node.field), node, today)
        raise InvalidFilter("unknown condition")  # pragma: no cover  # the union is closed

    if condition is None:
        return literal(True)
    # Requests are bounded as they are read (schemas.Filter); a filter stored before a bound
    # was lowered is refused here rather than compiled.
    problem = size_problem(condition)
    if problem is not None:
        raise InvalidFilter(problem)
    return walk(condition, 1)
