"""Value types every area's request schemas share, so a value is refused the same way wherever it
is sent: with a 422 naming the field, before it can reach PostgreSQL or date arithmetic.

- Texts hold no NUL (PostgreSQL's text and jsonb cannot store it) and no lone surrogate (it
  cannot be encoded as UTF-8). The API checks every body, query and path once
  (api/middleware.py, with `check_text`/`check_json` below); these types check the same again
  where a value is read without the API (a job, a CSV file).
- Times and days stay within years 1900 to 9000: a time is converted to UTC on arrival (an
  offset can push 9999-12-31 past the last representable moment), and every day has room on
  either side for the arithmetic reports do with it (months, quarters, a year back).
- Free-form JSON (event properties, traits) nests at most MAX_JSON_DEPTH levels and holds only
  finite numbers.
"""

import math
from datetime import UTC, date, datetime
from typing import Annotated, Any

from pydantic import AfterValidator, AwareDatetime, Field, StringConstraints

EARLIEST_DAY = date(1900, 1, 1)
LATEST_DAY = date(9000, 12, 31)
# Properties and traits nest a few levels in practice; deeper is a mistake or an attack.
MAX_JSON_DEPTH = 32

_RANGE = f"between {EARLIEST_DAY.isoformat()} and {LATEST_DAY.isoformat()}"


def check_text(value: str) -> str:
    """`value`, or a ValueError when PostgreSQL could not store it."""
    if "\x00" in value:
        raise ValueError("text must not contain NUL (\\u0000) characters")
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        raise ValueError("text must not contain unpaired surrogates (\\ud800-\\udfff)") from None
    return value


def check_json(value: Any, *, max_depth: int = MAX_JSON_DEPTH) -> Any:
    """`value` (parsed JSON), or a ValueError when it nests deeper than `max_depth`, holds a text
    `check_text` refuses (as a key or a value) or a number that is not finite."""
    # Iterative, so a hostile depth cannot exhaust Python's stack before it is refused.
    stack: list[tuple[Any, int]] = [(value, 1)]
    while stack:
        node, depth = stack.pop()
        if isinstance(node, str):
            check_text(node)
        elif isinstance(node, float):
            if not math.isfinite(node):
                raise ValueError("numbers must be finite")
        elif isinstance(node, dict | list):
            if depth > max_depth:
                raise ValueError(f"JSON must not nest more than {max_depth} levels deep")
            if isinstance(node, dict):
                for key, item in node.items():
                    check_text(str(key))
                    stack.append((item, depth + 1))
            else:
                stack.extend((item, depth + 1) for item in node)
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


Text = Annotated[str, AfterValidator(check_text)]
JsonObject = Annotated[
    dict[str, Any],
    AfterValidator(check_json),
    Field(description=f"Free-form JSON, nested at most {MAX_JSON_DEPTH} levels"),
]
Day = Annotated[date, AfterValidator(_bounded_day)]
# A moment with an offset, answered in UTC.
Instant = Annotated[AwareDatetime, AfterValidator(_bounded_utc)]
# A moment whose offset may be left out (then it is UTC), answered in UTC.
UtcInstant = Annotated[datetime, AfterValidator(_bounded_utc)]
CurrencyCode = Annotated[
    str,
    StringConstraints(strip_whitespace=True, to_upper=True, max_length=3, pattern=r"^[A-Za-z]{3}$"),
    Field(description="ISO 4217 code", examples=["USD"]),
]
