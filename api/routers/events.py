import uuid
from typing import Annotated, Any

from fastapi import APIRouter, Query, Request
from pydantic import BaseModel

from api.deps import ApiActor, ApiCallOutcome, Session
from api.errors import problem
from domain.common.pagination import MAX_LIMIT, Page
from domain.integration.schemas import ApiCallError, CallOutcome
from domain.usage import service as usage
from domain.usage.schemas import (
    BatchResult,
    EventBatch,
    EventCreate,
    EventRead,
    EventReceipt,
    ItemError,
)

# Product usage events: what contacts did in the customer's product.
router = APIRouter(tags=["events"])

Limit = Annotated[int, Query(ge=1, le=MAX_LIMIT)]
Offset = Annotated[int, Query(ge=0, le=10_000_000)]


def batch_body(model: type[BaseModel], example: dict[str, Any]) -> dict[str, Any]:
    """The documented request body of a batch route, which reads its raw body itself (so one
    bad item is reported, not a 422 for the whole batch). Items refer to the single routes'
    schemas, which are in the components already."""
    schema = model.model_json_schema(ref_template="#/components/schemas/{model}")
    schema.pop("$defs", None)
    return {
        "requestBody": {
            "required": True,
            "content": {"application/json": {"schema": schema, "example": example}},
        }
    }


def record(outcome: CallOutcome, accepted: int, rejected: int, errors: list[ItemError]) -> None:
    """What the call accepted and rejected, for the API log."""
    outcome.accepted = accepted
    outcome.rejected = rejected
    outcome.errors = [ApiCallError(index=e.index, id=e.id, message=e.message) for e in errors]


_EVENT_EXAMPLE = {
    "message_id": "m-1",
    "name": "Report Exported",
    "feature": "reports",
    "module": "analytics",
    "contact_external_id": "user-42",
    "account_external_id": "acme-001",
    "occurred_at": "2026-11-20T09:30:00Z",
    "properties": {"format": "pdf"},
}


@router.post("/events", response_model=EventReceipt, responses=problem(401, 403, 422))
async def ingest_event(
    data: EventCreate, actor: ApiActor, session: Session, outcome: ApiCallOutcome
) -> EventReceipt:
    """Send one product event. An event whose account or contact Tenure does not know yet is
    kept and linked when they arrive; a message id received before is not stored again."""
    receipt = await usage.ingest_event(session, actor, data)
    record(outcome, 1, 0, [])
    return receipt


@router.post(
    "/events/batch",
    response_model=BatchResult,
    responses=problem(401, 403, 413, 422),
    openapi_extra=batch_body(EventBatch, {"items": [_EVENT_EXAMPLE]}),
)
async def ingest_events(
    request: Request, actor: ApiActor, session: Session, outcome: ApiCallOutcome
) -> BatchResult:
    """Send up to 5,000 events in one call. Valid events are stored and invalid ones reported
    by position (the answer is 200 unless the body itself is malformed: 422, or too long:
    413). Sending the same batch again stores nothing new."""
    result = await usage.ingest_event_batch(session, actor, await request.body())
    record(outcome, result.accepted, result.rejected, result.errors)
    return result


@router.get(
    "/accounts/{account_id}/events",
    response_model=Page[EventRead],
    responses=problem(401, 404, 422),
)
async def list_account_events(
    account_id: uuid.UUID,
    actor: ApiActor,
    session: Session,
    limit: Limit = 50,
    offset: Offset = 0,
    rollup: Annotated[
        bool,
        Query(
            description="Also the events of every child account below this one that the "
            "caller may see"
        ),
    ] = False,
) -> Page[EventRead]:
    """An account's product events, newest first; with `rollup`, its child accounts' too."""
    paged = await usage.list_account_events(
        session, actor, account_id, rollup=rollup, limit=limit, offset=offset
    )
    return Page[EventRead].model_validate(paged)
