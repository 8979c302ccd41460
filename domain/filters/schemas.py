"""The filter language: a typed JSON condition tree shared by account lists, custom views, bulk
edits, attribute triggers and (later) alert rules, health-score scopes and workflow triggers.

    {"kind": "all", "conditions": [
        {"kind": "compare", "field": "tier", "op": "eq", "value": "Tier 1"},
        {"kind": "date", "field": "renewal_on", "op": "within_next_days", "days": 60},
        {"kind": "not", "condition": {"kind": "compare", "field": "churned", "op": "eq",
                                      "value": true}}]}

It compiles to one SQL expression (domain/filters/compile.py), never a Python loop.
"""

from enum import StrEnum
from typing import Annotated, Literal, Union

from pydantic import AfterValidator, BaseModel, ConfigDict, Field
from pydantic_core import PydanticCustomError

from domain.common.types import Day, FiniteFloat

FieldKey = Annotated[
    str, Field(min_length=1, max_length=120, pattern=r"^[a-z][a-z0-9_]*(\.[a-z0-9_]+)?$")
]
Scalar = str | FiniteFloat | int | bool | Day | None

# Bounds of one filter, so no filter costs more than a page of rules can mean: a deeper or
# larger tree is refused with a 422 before it is compiled. MAX_VALUES also keeps a statement
# well under PostgreSQL's 32,767 parameters.
MAX_DEPTH = 8
MAX_CONDITIONS = 100
MAX_TOTAL_CONDITIONS = 1_000
MAX_VALUES = 10_000
LIMITS = (
    f"A filter nests at most {MAX_DEPTH} levels, holds at most {MAX_TOTAL_CONDITIONS:,} "
    f"conditions in all ({MAX_CONDITIONS} in one `all` or `any`) and at most {MAX_VALUES:,} "
    "values in its `in` and `not_in` lists together."
)


class CompareOp(StrEnum):
    EQ = "eq"
    NE = "ne"
    GT = "gt"
    GTE = "gte"
    LT = "lt"
    LTE = "lte"
    IN = "in"
    NOT_IN = "not_in"
    CONTAINS = "contains"
    NOT_CONTAINS = "not_contains"
    STARTS_WITH = "starts_with"
    IS_EMPTY = "is_empty"
    IS_NOT_EMPTY = "is_not_empty"


class DateOp(StrEnum):
    WITHIN_LAST_DAYS = "within_last_days"
    WITHIN_NEXT_DAYS = "within_next_days"
    MORE_THAN_DAYS_AGO = "more_than_days_ago"
    MORE_THAN_DAYS_AHEAD = "more_than_days_ahead"
    BEFORE = "before"
    AFTER = "after"
    ON = "on"


class _Node(BaseModel):
    model_config = ConfigDict(extra="forbid")


class Compare(_Node):
    """A field against a value: `mrr gte 1000`, `tier in [...]`, `domain is_empty`."""

    kind: Literal["compare"] = "compare"
    field: FieldKey
    op: CompareOp
    value: Scalar | Annotated[list[str | FiniteFloat | int], Field(max_length=MAX_VALUES)] = None


class CompareFields(_Node):
    """A field against another field of the same type: `csm_score lt nps`."""

    kind: Literal["compare_fields"] = "compare_fields"
    field: FieldKey
    op: Literal["eq", "ne", "gt", "gte", "lt", "lte"]
    other: FieldKey


class DateWindow(_Node):
    """A date field against today (in the organisation's time zone) or a fixed date."""

    kind: Literal["date"] = "date"
    field: FieldKey
    op: DateOp
    days: Annotated[int, Field(ge=0, le=36500)] | None = None
    date: Day | None = None


class All(_Node):
    __doc__ = f"Every condition holds. {LIMITS}"

    kind: Literal["all"] = "all"
    conditions: Annotated[list["Condition"], Field(max_length=MAX_CONDITIONS)]


# Not "Any": generated clients would shadow typing.Any with it.
class FilterAny(_Node):
    __doc__ = f"At least one condition holds. {LIMITS}"

    kind: Literal["any"] = "any"
    conditions: Annotated[list["Condition"], Field(max_length=MAX_CONDITIONS)]


class Not(_Node):
    kind: Literal["not"] = "not"
    condition: "Condition"


Condition = Annotated[
    Union[All, FilterAny, Not, Compare, CompareFields, DateWindow],  # noqa: UP007  # recursive alias
    Field(discriminator="kind"),
]

All.model_rebuild()
FilterAny.model_rebuild()
Not.model_rebuild()


def size_problem(condition: Condition) -> str | None:
    """Which bound of LIMITS `condition` exceeds, if any."""
    conditions = values = 0
    stack: list[tuple[Condition, int]] = [(condition, 1)]
    while stack:
        node, depth = stack.pop()
        conditions += 1
        if depth > MAX_DEPTH:
            return f"filters nest at most {MAX_DEPTH} levels deep"
        if conditions > MAX_TOTAL_CONDITIONS:
            return f"a filter holds at most {MAX_TOTAL_CONDITIONS:,} conditions"
        if isinstance(node, All | FilterAny):
            stack.extend((child, depth + 1) for child in node.conditions)
        elif isinstance(node, Not):
            stack.append((node.condition, depth + 1))
        elif isinstance(node, Compare) and isinstance(node.value, list):
            values += len(node.value)
            if values > MAX_VALUES:
                return f"a filter's lists hold at most {MAX_VALUES:,} values in all"
    return None


# The operators that use each part of a condition besides its field: any other operator
# ignores it, so a request sending it meant something the filter would silently not do.
_TESTS_PRESENCE = (CompareOp.IS_EMPTY, CompareOp.IS_NOT_EMPTY)
_ON_A_DATE = (DateOp.BEFORE, DateOp.AFTER, DateOp.ON)
_COUNTS_DAYS = tuple(op for op in DateOp if op not in _ON_A_DATE)


def _names(ops: tuple[StrEnum, ...]) -> str:
    return ", ".join(op.value for op in ops)


def _path(path: tuple[str | int, ...]) -> str:
    return ".".join(map(str, path))


def misplaced_part(condition: Condition) -> str | None:
    """Where in `condition` a part sits that its operator does not use (a value with
    `is_empty`, `days` with `before`, a `date` with `within_next_days`), and what that operator
    takes instead. A missing part is the compiler's to refuse (it knows the field's type)."""
    stack: list[tuple[Condition, tuple[str | int, ...]]] = [(condition, ())]
    while stack:
        node, path = stack.pop()
        where = f"{_path(path)}: " if path else ""
        if isinstance(node, All | FilterAny):
            children = [(c, (*path, "conditions", i)) for i, c in enumerate(node.conditions)]
            stack.extend(reversed(children))  # the first one found is the first one written
        elif isinstance(node, Not):
            stack.append((node.condition, (*path, "condition")))
        elif isinstance(node, Compare) and node.op in _TESTS_PRESENCE and node.value is not None:
            return (
                f"{where}{node.op.value} tests whether {node.field} has a value, and takes "
                "none to compare with: leave out `value`"
            )
        elif isinstance(node, DateWindow) and node.op in _ON_A_DATE and node.days is not None:
            return (
                f"{where}{node.op.value} compares {node.field} with `date`, and takes no "
                f"`days` (only {_names(_COUNTS_DAYS)} count days from today): leave out `days`"
            )
        elif isinstance(node, DateWindow) and node.op in _COUNTS_DAYS and node.date is not None:
            return (
                f"{where}{node.op.value} counts `days` from today, and takes no "
                f"`date` (only {_names(_ON_A_DATE)} compare with a date): leave out `date`"
            )
    return None


def _checked(condition: Condition) -> Condition:
    # Answered as the filter's own problem (422 invalid_filter, api/errors.py), located on the
    # filter, as the same rules are when the compiler finds them.
    problem = size_problem(condition) or misplaced_part(condition)
    if problem is not None:
        raise PydanticCustomError("invalid_filter", "{problem}", {"problem": problem})
    return condition


# A whole filter, as a request carries it (a Condition is also each node inside one). Stored
# filters are read back as a Condition: a rule added here applies to what is sent from then on.
Filter = Annotated[Condition, AfterValidator(_checked)]
