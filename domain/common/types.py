"""Value types every area's request schemas share, so a value is refused the same way wherever it
is sent: with a 422 naming the field, before it can reach PostgreSQL or date arithmetic.

- Texts hold no NUL (PostgreSQL's text and jsonb cannot store it) and no lone surrogate (it
  cannot be encoded as UTF-8), and JSON numbers are finite. `json_problem` finds either; the API
  applies it once to every path, query and JSON body (api/middleware.py) and the batch parsers
  to each record (domain/common/batches.py).
- Times and days stay within years 1900 to 9000: a time is converted to UTC on arrival (an
  offset can push 9999-12-31 past the last representable moment), and every day has room on
  either side for the arithmetic reports do with it (months, quarters, a year back).
- Free-form JSON (event properties, traits) nests at most MAX_JSON_DEPTH levels and holds only
  finite numbers.
- An email address has an address's form (email-validator's rules, without a DNS lookup).
"""

import calendar
import functools
import json
import math
import re
from datetime import UTC, date, datetime
from typing import Annotated, Any

import email_validator
import pycountry
from pydantic import (
    AfterValidator,
    AwareDatetime,
    BeforeValidator,
    Field,
    StringConstraints,
    WithJsonSchema,
)

EARLIEST_DAY = date(1900, 1, 1)
LATEST_DAY = date(9000, 12, 31)
# Properties and traits nest a few levels in practice; deeper is a mistake or an attack.
MAX_JSON_DEPTH = 32

_RANGE = f"between {EARLIEST_DAY.isoformat()} and {LATEST_DAY.isoformat()}"


def text_problem(value: str) -> str | None:
    """Why PostgreSQL could not store `value`, or None when it could."""
    if "\x00" in value:
        return "text must not contain NUL (\\u0000) characters"
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        return "text must not contain unpaired surrogates (\\ud800-\\udfff)"
    return None


JsonPath = tuple[str | int, ...]


def printable(text: str) -> str:
    """`text` as an answer may carry it: an unpaired surrogate, which no response can encode,
    written as its escape (`\\ud800`)."""
    return text.encode("utf-8", "backslashreplace").decode("utf-8")


def json_problem(value: Any, *, max_depth: int | None = None) -> tuple[JsonPath, str] | None:
    """Where and why parsed JSON `value` cannot be stored: a text `text_problem` refuses (as a
    key or a value), a number that is not finite, or nesting deeper than `max_depth`."""
    # Iterative, so a hostile depth cannot exhaust Python's stack before it is refused.
    stack: list[tuple[Any, JsonPath]] = [(value, ())]
    while stack:
        node, path = stack.pop()
        if isinstance(node, str):
            problem = text_problem(node)
            if problem is not None:
                return path, problem
        elif isinstance(node, float):
            if not math.isfinite(node):
                return path, "numbers must be finite"
        elif isinstance(node, dict | list):
            if max_depth is not None and len(path) >= max_depth:
                return path, f"JSON must not nest more than {max_depth} levels deep"
            if isinstance(node, list):
                stack.extend((item, (*path, index)) for index, item in enumerate(node))
                continue
            for key, item in node.items():
                problem = text_problem(str(key))
                if problem is not None:
                    return (*path, printable(str(key))), problem
                stack.append((item, (*path, str(key))))
    return None


# Only an escape (\u...) or raw surrogate bytes (0xED...) can carry a NUL or a lone surrogate
# into parsed JSON (a raw NUL is not valid JSON), and only the NaN and Infinity tokens a number
# that is not finite.
_SUSPECT = (b"\\u", b"\xed", b"NaN", b"Infinity")


def may_be_unstorable(body: bytes) -> bool:
    """False when JSON `body` certainly parses to nothing `json_problem` refuses, so most
    bodies need no walk."""
    return any(s in body for s in _SUSPECT) or json.detect_encoding(body) != "utf-8"


def describe_json_problem(path: JsonPath, problem: str) -> str:
    where = ".".join(str(p) for p in path)
    return f"{where}: {problem}" if where else problem


def _flat_and_storable(value: dict[str, Any]) -> bool:
    """True when `value` holds only scalars that can all be stored: an event's properties,
    mostly. Their texts are checked in one piece (a walk costs a path for every value, and
    ingestion checks thousands of these a request); False leaves the finding to the walk."""
    texts = []
    for key, item in value.items():
        texts.append(key)
        if isinstance(item, str):
            texts.append(item)
        elif isinstance(item, float):
            if not math.isfinite(item):
                return False
        elif item is not None and not isinstance(item, int):  # nested: the walk decides
            return False
    return text_problem("".join(texts)) is None


def check_json(value: Any) -> Any:
    """`value` (free-form JSON), or a ValueError saying where and why it cannot be stored."""
    if isinstance(value, dict) and _flat_and_storable(value):
        return value
    found = json_problem(value, max_depth=MAX_JSON_DEPTH)
    if found is not None:
        raise ValueError(describe_json_problem(*found))
    return value


# Checking an address takes tens of microseconds (mostly its domain, character by character),
# and the same contacts' addresses come again and again (Segment identifies on every session).
@functools.lru_cache(maxsize=10_000)
def email_problem(value: str) -> str | None:
    """Why `value` is not an email address, or None when it is one. Only its form counts:
    whether its domain takes mail is not looked up, and the names reserved for tests and
    examples (`.test`, `.example`, a host without a dot) are addresses too, as people use them."""
    try:
        email_validator.validate_email(
            value, check_deliverability=False, test_environment=True, globally_deliverable=False
        )
    except email_validator.EmailNotValidError as exc:
        return str(exc)
    return None


def _email_address(value: str) -> str:
    # Kept as sent (email-validator would lower-case the domain): the integrator's own value.
    problem = email_problem(value)
    if problem is not None:
        raise ValueError(f"not an email address: {problem}")
    return value


def _bounded_day(value: date) -> date:
    if not EARLIEST_DAY <= value <= LATEST_DAY:
        raise ValueError(f"dates must be {_RANGE}")
    return value


def _bounded_utc(value: datetime) -> datetime:
    # Without an offset a time is read as UTC, as Segment and most SDKs mean it.
    if value.tzinfo is None:
        value = value.replace(tzinfo=UTC)
    try:
        value = value.astimezone(UTC)
    except OverflowError:
        raise ValueError(f"times must be {_RANGE} once converted to UTC") from None
    _bounded_day(value.date())
    return value


_MONTH = re.compile(r"^(\d{4})-(\d{2})$")


def _month_start(value: Any) -> Any:
    """ "2025-01" is the period's first day; a full date stays as sent."""
    if isinstance(value, str) and (month := _MONTH.match(value)):
        return date(int(month[1]), int(month[2]), 1)
    return value


def _month_end(value: Any) -> Any:
    """ "2025-01" is the period's last day; a full date stays as sent."""
    if isinstance(value, str) and (month := _MONTH.match(value)):
        year, number = int(month[1]), int(month[2])
        return date(year, number, calendar.monthrange(year, number)[1])
    return value


def _period_schema(edge: str) -> WithJsonSchema:
    return WithJsonSchema(
        {
            "type": "string",
            "pattern": r"^\d{4}-\d{2}(-\d{2})?$",
            "description": f"A day (2025-01-15) or a month (2025-01: its {edge} day)",
            "examples": ["2025-01", "2025-01-15"],
        }
    )


JsonObject = Annotated[
    dict[str, Any],
    AfterValidator(check_json),
    Field(description=f"Free-form JSON, nested at most {MAX_JSON_DEPTH} levels"),
]
Day = Annotated[date, AfterValidator(_bounded_day)]
# Where a period starts and ends: a day, or a whole month by its first or its last day.
PeriodStart = Annotated[
    date, BeforeValidator(_month_start), AfterValidator(_bounded_day), _period_schema("first")
]
PeriodEnd = Annotated[
    date, BeforeValidator(_month_end), AfterValidator(_bounded_day), _period_schema("last")
]
# JSON numbers may be 1e400 (parsed as infinity), which neither jsonb nor an integer can hold.
FiniteFloat = Annotated[float, Field(allow_inf_nan=False)]
# A contact's email address (name@domain, no display name), trimmed.
EmailAddress = Annotated[
    str,
    StringConstraints(strip_whitespace=True, max_length=320),
    AfterValidator(_email_address),
    Field(json_schema_extra={"format": "email"}),
]
# A moment with an offset, answered in UTC.
Instant = Annotated[AwareDatetime, AfterValidator(_bounded_utc)]
# A moment whose offset may be left out (then it is UTC), answered in UTC.
UtcInstant = Annotated[datetime, AfterValidator(_bounded_utc)]


def _iso_4217(code: str) -> str:
    if pycountry.currencies.get(alpha_3=code) is None:
        raise ValueError(f"{code!r} is not an ISO 4217 currency code")
    return code


CurrencyCode = Annotated[
    str,
    StringConstraints(strip_whitespace=True, to_upper=True, max_length=3, pattern=r"^[A-Za-z]{3}$"),
    AfterValidator(_iso_4217),
    Field(description="ISO 4217 code", examples=["USD"]),
]
