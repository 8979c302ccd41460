"""Batches an integrator sends, read the one way every batch is (accounts, custom values,
contacts, events, interactions, tickets, subscriptions, invoices, FX rates, Segment calls and
the webhooks carrying them): each record is checked on its own, so a bad one is reported (its
position, its id, why) and the others are stored. A malformed envelope is refused whole.

The common case (every record valid) is one pydantic-core call over the raw bytes; only a
batch with a bad record is parsed again record by record to tell the good from the bad."""

import json
import uuid
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Generic, TypeVar

from pydantic import BaseModel, Field, TypeAdapter, ValidationError
from pydantic_core import ErrorDetails

from domain.common.errors import BatchTooLarge, DomainError, InvalidBatch, RecordRefused
from domain.common.schemas import BatchError, BatchResult, StoredRecord
from domain.common.types import describe_json_problem, json_problem, may_be_unstorable, printable

T = TypeVar("T")

# The most records one batch call (or webhook) may carry, whatever the records are.
MAX_BATCH = 5_000


def batch_items() -> Any:
    """The field of a batch envelope holding its records: one to MAX_BATCH of them. The
    minimum is checked by `read_batch`, so that the envelope of a batch with a bad record
    can be checked without its records."""
    return Field(max_length=MAX_BATCH, json_schema_extra={"minItems": 1})


# Problems named per refused record: enough to fix it, short enough for the API log.
_PROBLEMS_SHOWN = 5


def describe(exc: ValidationError, what: str) -> str:
    """Why a record was refused, each problem located on its field ("occurred_at: Field
    required"), or on the record itself when it concerns several fields ("subscription:
    ends_on must be after starts_on")."""
    return "; ".join(
        f"{'.'.join(str(part) for part in error['loc']) or what}: {reason(error)}"
        for error in exc.errors(include_url=False)[:_PROBLEMS_SHOWN]
    )


# Pydantic's words for "not an object", which name a Python class ("instance of
# TicketUpsert") or speak of Python ("a valid dictionary"): a sender of JSON sees neither.
_NOT_AN_OBJECT = frozenset({"model_type", "model_attributes_type", "dict_type"})


def reason(error: ErrorDetails | Mapping[str, Any]) -> str:
    """Why a field was refused, in words for a sender of JSON: a validator's own message
    without pydantic's "Value error, " before it, and no Python class names."""
    cause = error.get("ctx", {}).get("error")
    if error.get("type") == "value_error" and cause is not None:
        return str(cause)
    if error.get("type") in _NOT_AN_OBJECT:
        return "Input should be a JSON object"
    return str(error.get("msg", ""))


def id_of(value: Any, keys: Sequence[str]) -> str | None:
    """A refused record's own id, for its error report, if it has a usable one."""
    if isinstance(value, dict):
        for key in keys:
            found = value.get(key)
            if isinstance(found, str | int) and not isinstance(found, bool) and found != "":
                return printable(str(found)[:200])
    return None


class BatchOutcome:
    """What a batch did, record by record: the caller's answer and the API log's."""

    def __init__(self, errors: Iterable[BatchError] = ()) -> None:
        self.accepted = 0
        self.errors = list(errors)
        self.records: list[StoredRecord] = []
        # The domain error behind a refusal, by record: a single-record call answers it.
        self.causes: dict[int, DomainError] = {}

    def reject(
        self, index: int, id_: str | None, message: str, cause: DomainError | None = None
    ) -> None:
        self.errors.append(BatchError(index=index, id=id_, message=message[:1000]))
        if cause is not None:
            self.causes[index] = cause

    def stored(self, index: int, external_id: str, id_: uuid.UUID) -> None:
        self.records.append(StoredRecord(index=index, external_id=external_id, id=id_))

    def result(self) -> BatchResult:
        result = BatchResult(
            accepted=self.accepted,
            rejected=len(self.errors),
            errors=sorted(self.errors, key=lambda e: e.index),
            records=sorted(self.records, key=lambda r: r.index),
        )
        result.causes.update(self.causes)
        return result


@dataclass
class Batch(Generic[T]):
    """A batch as read: its valid records with their positions, in batch order, the refused
    ones, and the envelope's other fields (Segment's `context`, `sentAt`)."""

    items: list[tuple[int, T]] = field(default_factory=list)
    errors: list[BatchError] = field(default_factory=list)
    envelope: dict[str, Any] = field(default_factory=dict)

    @classmethod
    def of(cls, item: T) -> "Batch[T]":
        """One record, as a single-record call stores it: a batch of one."""
        return cls(items=[(0, item)])

    def outcome(self) -> BatchOutcome:
        """A fresh outcome holding the records refused so far (a retried write starts anew)."""
        return BatchOutcome(self.errors)


def read_batch(
    body: bytes,
    envelope: type[BaseModel],
    item: TypeAdapter[T],
    *,
    what: str,
    id_keys: Sequence[str],
    key: str = "items",
    may_be_empty: bool = False,
    max_items: int = MAX_BATCH,
) -> Batch[T]:
    """`body` is a JSON object whose `key` holds the records (`envelope` validates the whole,
    `item` one record); `what` names a record in an error that concerns it as a whole, and
    `id_keys` are the fields that identify a refused record."""
    try:
        # A body that may hold a text PostgreSQL cannot store takes the record-by-record path,
        # which refuses such a record alone.
        whole = None if may_be_unstorable(body) else envelope.model_validate_json(body)
    except ValidationError:
        whole = None
    if whole is not None:
        items = getattr(whole, key)
        if not items and not may_be_empty:
            raise InvalidBatch(f"`{key}` holds no records", records=0)
        return Batch(items=list(enumerate(items)), envelope=whole.model_dump(exclude={key}))
    try:
        # The standard parser, which keeps a lone surrogate for the record check below to
        # refuse that record (pydantic-core's refuses the whole body).
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
        raise BatchTooLarge(
            f"At most {max_items:,} records per batch; this one has {len(raw):,}",
            records=len(raw),
        )
    if not raw and not may_be_empty:
        raise InvalidBatch(f"`{key}` holds no records", records=0)
    batch: Batch[T] = Batch()
    try:
        batch.envelope = envelope.model_validate({**data, key: []}).model_dump(exclude={key})
    except ValidationError as exc:
        raise InvalidBatch(describe(exc, "body"), records=len(raw)) from None
    for index, value in enumerate(raw):
        unstorable = json_problem(value)
        if unstorable is not None:
            message = describe_json_problem(*unstorable)
            batch.errors.append(BatchError(index=index, id=id_of(value, id_keys), message=message))
            continue
        try:
            batch.items.append((index, item.validate_python(value)))
        except ValidationError as exc:
            message = describe(exc, what)
            batch.errors.append(BatchError(index=index, id=id_of(value, id_keys), message=message))
    return batch


def webhook_body(data: Any) -> bytes:
    """A webhook's data as a batch body: a batch (`{"items": [...]}`) or one record (which may
    have `items` of its own, as a subscription has)."""
    is_batch = isinstance(data, dict) and data.keys() == {"items"}
    return json.dumps({"items": data["items"] if is_batch else [data]}).encode()


def single(result: BatchResult) -> None:
    """A single-record call answers the refusal of its record as a problem: the domain's
    own when a rule refused it (a tier the organisation lacks is a 409 `tier_not_found`, as in
    a PATCH), otherwise a 422."""
    if result.errors:
        refusal = result.errors[0]
        cause = result.causes.get(refusal.index)
        if cause is None:
            raise RecordRefused(refusal.message)
        cause.extra["records"] = 1  # for the API log, as a refused record
        raise cause
