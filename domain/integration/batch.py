"""Batches an integrator sends: each item is checked on its own, so one bad record is reported
(its position, its id, why) and the others are still stored."""

import uuid
from collections.abc import Sequence
from typing import Any, TypeVar

from pydantic import BaseModel, TypeAdapter, ValidationError

from domain.common.errors import RuleViolation
from domain.common.types import describe_json_problem, json_problem
from domain.integration.errors import RecordRefused
from domain.integration.schemas import ApiCallError, CallOutcome, StoredRecord

M = TypeVar("M", bound=BaseModel)
# The most records one batch call may carry.
MAX_BATCH = 1_000


def item_id(raw: Any, *keys: str) -> str | None:
    """The record's own id, for the error report, if it has one."""
    if isinstance(raw, dict):
        for key in keys:
            value = raw.get(key)
            if isinstance(value, str | int):
                return str(value)[:200]
    return None


def validation_message(error: ValidationError) -> str:
    return "; ".join(
        f"{'.'.join(str(p) for p in e['loc']) or 'item'}: {e['msg']}" for e in error.errors()[:5]
    )


class BatchOutcome:
    """Collects the per-item result of one batch for the caller and the API log."""

    def __init__(self) -> None:
        self.accepted = 0
        self.errors: list[ApiCallError] = []
        self.records: list[StoredRecord] = []

    def reject(self, index: int, id_: str | None, message: str) -> None:
        self.errors.append(ApiCallError(index=index, id=id_, message=message[:1000]))

    def stored(self, index: int, external_id: str, id_: uuid.UUID) -> None:
        self.records.append(StoredRecord(index=index, external_id=external_id, id=id_))

    def result(self) -> CallOutcome:
        return CallOutcome(
            accepted=self.accepted,
            rejected=len(self.errors),
            errors=sorted(self.errors, key=lambda e: e.index or 0),
            records=sorted(self.records, key=lambda r: r.index),
        )


def single(outcome: CallOutcome) -> None:
    """A single-record call answers the refusal of its record as a 422 problem."""
    if outcome.errors:
        raise RecordRefused(outcome.errors[0].message)


def parse_items(
    model: type[M], raw_items: Sequence[Any], outcome: BatchOutcome, *id_keys: str
) -> list[tuple[int, M]]:
    """The items that are valid `model`s, with their positions; the others go to `outcome`."""
    adapter = TypeAdapter(model)
    valid: list[tuple[int, M]] = []
    for index, raw in enumerate(raw_items):
        # What the API refuses in a whole request (a NUL, a lone surrogate), it refuses here
        # in one record.
        unstorable = json_problem(raw)
        if unstorable is not None:
            outcome.reject(index, item_id(raw, *id_keys), describe_json_problem(*unstorable))
            continue
        try:
            valid.append((index, adapter.validate_python(raw)))
        except ValidationError as exc:
            outcome.reject(index, item_id(raw, *id_keys), validation_message(exc))
    return valid


def webhook_items(data: Any) -> list[Any]:
    """A webhook's data as batch items: a batch body (`{"items": [...]}`) or one record."""
    items = (
        data["items"] if isinstance(data, dict) and isinstance(data.get("items"), list) else [data]
    )
    if len(items) > MAX_BATCH:
        raise RuleViolation(f"A webhook carries at most {MAX_BATCH:,} records")
    return list(items)
