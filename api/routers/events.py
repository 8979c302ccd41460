import uuid
from typing import Annotated

from fastapi import Query, Request

from api.batches import batch_body, record
from api.deps import ApiActor, ApiCallOutcome, Session
from api.errors import problem
from api.params import Limit, Offset
from api.routing import AreaRouter
from domain.common.pagination import Page
from domain.common.schemas import BatchResult
from domain.usage import service as usage
from domain.usage.schemas import EventBatch, EventCreate, EventRead, EventReceipt

# Product usage events: what contacts did in the customer's product.
router = AreaRouter(tags=["events"])


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
    outcome.accepted = 1
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
    413). Sending the same batch again stores nothing new. An event has no id of its own
    beyond its message id, so `records` stays empty."""
    return await record(
        outcome, await usage.ingest_event_batch(session, actor, await request.body()), session
    )


@router.get(
    "/accounts/{account_id:id}/events",
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
