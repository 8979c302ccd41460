"""What every batch route shares: its documented request body, and its outcome for the API log."""

from typing import Any, TypeVar

from pydantic import BaseModel
from sqlalchemy.ext.asyncio import AsyncSession

from domain.common.schemas import BatchResult
from domain.freshness import changes
from domain.integration.schemas import ApiCallError, CallOutcome

R = TypeVar("R", bound=BatchResult)


def batch_body(envelope: type[BaseModel], example: dict[str, Any] | None = None) -> dict[str, Any]:
    """The documented request body of a batch route, which reads its raw body itself (so one
    bad record is reported, not a 422 for the whole batch). Records refer to their schemas in
    the components (the single-record routes' bodies, with their examples) rather than copying
    them."""
    schema = envelope.model_json_schema(ref_template="#/components/schemas/{model}")
    schema.pop("$defs", None)
    content: dict[str, Any] = {"schema": schema}
    if example is not None:
        content["example"] = example
    return {"requestBody": {"required": True, "content": {"application/json": content}}}


async def record(outcome: CallOutcome, result: R, session: AsyncSession) -> R:
    """`result` as this call's outcome in the API log, with the number of the change it
    made; returns it."""
    result.change = await changes.issued(session)
    outcome.accepted = result.accepted
    outcome.rejected = result.rejected
    outcome.errors = [
        ApiCallError(index=e.index, id=e.id, message=e.message) for e in result.errors
    ]
    return result
