"""Reading a batch request body with partial acceptance, without I/O: the valid items and, for
each invalid one, its position, id and why. A malformed envelope is refused whole.

The common case (every item valid) is one pydantic-core call over the raw bytes; only a batch
with a bad item is parsed again item by item to tell the good from the bad."""

import json
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, Generic, TypeVar

from pydantic import BaseModel, TypeAdapter, ValidationError

from domain.common.types import describe_json_problem, json_problem, may_be_unstorable
from domain.usage.errors import BatchTooLarge, InvalidBatch
from domain.usage.schemas import ItemError

T = TypeVar("T")


@dataclass
class ParsedBatch(Generic[T]):
    # (position in the batch, item) of every valid item, in batch order.
    items: list[tuple[int, T]] = field(default_factory=list)
    errors: list[ItemError] = field(default_factory=list)
    envelope: dict[str, Any] = field(default_factory=dict)


def describe(exc: ValidationError) -> str:
    """A one-line reason: the first error, located ("occurred_at: Field required")."""
    first = exc.errors(include_url=False)[0]
    where = ".".join(str(part) for part in first["loc"])
    return f"{where}: {first['msg']}" if where else str(first["msg"])


def parse_batch(
    body: bytes,
    *,
    envelope: type[BaseModel],
    key: str,
    item: TypeAdapter[T],
    max_items: int,
    id_of: Callable[[Any], str | None],
) -> ParsedBatch[T]:
    """`body` is a JSON object whose `key` holds the items (`envelope` validates the whole)."""
    try:
        # A body that may hold a text PostgreSQL cannot store takes the item-by-item path,
        # which refuses such an item alone.
        whole = None if may_be_unstorable(body) else envelope.model_validate_json(body)
    except ValidationError:
        whole = None
    if whole is not None:
        items = getattr(whole, key)
        rest = whole.model_dump(exclude={key})
        return ParsedBatch(items=list(enumerate(items)), envelope=rest)
    try:
        # The standard parser, which keeps a lone surrogate for the item check below to refuse
        # that item (pydantic-core's refuses the whole body).
        data = json.loads(body)
    except json.JSONDecodeError as exc:
        raise InvalidBatch(
            f"The body is not valid JSON at line {exc.lineno}, column {exc.colno}: {exc.msg}"
        ) from None
    except (ValueError, RecursionError):
        raise InvalidBatch("The body is not valid JSON") from None
    raw = data.get(key) if isinstance(data, dict) else None
    if not isinstance(raw, list):
        raise InvalidBatch(f"The body must be a JSON object with a list `{key}`")
    if len(raw) > max_items:
        raise BatchTooLarge(f"At most {max_items:,} items per batch; this one has {len(raw):,}")
    parsed: ParsedBatch[T] = ParsedBatch()
    try:
        parsed.envelope = envelope.model_validate({**data, key: []}).model_dump(exclude={key})
    except ValidationError as exc:
        raise InvalidBatch(describe(exc)) from None
    for index, value in enumerate(raw):
        unstorable = json_problem(value)
        if unstorable is not None:
            message = describe_json_problem(*unstorable)
            parsed.errors.append(ItemError(index=index, id=id_of(value), message=message))
            continue
        try:
            parsed.items.append((index, item.validate_python(value)))
        except ValidationError as exc:
            parsed.errors.append(ItemError(index=index, id=id_of(value), message=describe(exc)))
    return parsed


def id_field(*names: str) -> Callable[[Any], str | None]:
    """Reads an invalid item's id for its error report, if it has a usable one."""

    def read(value: Any) -> str | None:
        if isinstance(value, dict):
            for name in names:
                found = value.get(name)
                if isinstance(found, str | int) and not isinstance(found, bool) and found != "":
                    return str(found)[:200]
        return None

    return read
