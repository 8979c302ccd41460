from fastapi import APIRouter, Request

from api.deps import ApiActor, ApiCallOutcome, Session
from api.errors import problem
from api.routers.events import batch_body, record
from domain.usage import service as usage
from domain.usage.schemas import (
    SegmentBatch,
    SegmentGroup,
    SegmentIdentify,
    SegmentPage,
    SegmentResult,
    SegmentTrack,
)

# Segment's HTTP Tracking API, so Segment (or RudderStack) can send here unchanged: the write
# key is the API key, sent as the Basic user name.
router = APIRouter(prefix="/segment", tags=["segment"])

_RESPONSES = problem(401, 403, 422)


@router.post("/identify", response_model=SegmentResult, responses=_RESPONSES)
async def segment_identify(
    data: SegmentIdentify, actor: ApiActor, session: Session, outcome: ApiCallOutcome
) -> SegmentResult:
    """Upsert the contact `userId` (or `anonymousId`) with its traits (`email`, `name` or
    `firstName`/`lastName`, `title`, `role`; the rest are kept as custom traits)."""
    result = await usage.segment_call(session, actor, data)
    record(outcome, result.accepted, result.rejected, result.errors)
    return result


@router.post("/group", response_model=SegmentResult, responses=_RESPONSES)
async def segment_group(
    data: SegmentGroup, actor: ApiActor, session: Session, outcome: ApiCallOutcome
) -> SegmentResult:
    """Make the contact a member of the account whose external id is `groupId`. Accounts are
    never created from group calls: the membership links once the account exists."""
    result = await usage.segment_call(session, actor, data)
    record(outcome, result.accepted, result.rejected, result.errors)
    return result


@router.post("/track", response_model=SegmentResult, responses=_RESPONSES)
async def segment_track(
    data: SegmentTrack, actor: ApiActor, session: Session, outcome: ApiCallOutcome
) -> SegmentResult:
    """Store an event; `properties.feature` and `properties.module` name its feature and
    module, `context.groupId` its account (else the contact's only account)."""
    result = await usage.segment_call(session, actor, data)
    record(outcome, result.accepted, result.rejected, result.errors)
    return result


@router.post("/page", response_model=SegmentResult, responses=_RESPONSES)
async def segment_page(
    data: SegmentPage, actor: ApiActor, session: Session, outcome: ApiCallOutcome
) -> SegmentResult:
    """Store a page view as an event named `Page: <name>`."""
    result = await usage.segment_call(session, actor, data)
    record(outcome, result.accepted, result.rejected, result.errors)
    return result


@router.post(
    "/batch",
    response_model=SegmentResult,
    responses=problem(401, 403, 413, 422),
    openapi_extra=batch_body(
        SegmentBatch,
        {
            "batch": [
                {"type": "identify", "userId": "user-42", "traits": {"email": "ada@acme.com"}},
                {"type": "group", "userId": "user-42", "groupId": "acme-001"},
                {
                    "type": "track",
                    "userId": "user-42",
                    "event": "Report Exported",
                    "properties": {"feature": "reports"},
                    "messageId": "ajs-2",
                },
            ]
        },
    ),
)
async def segment_batch(
    request: Request, actor: ApiActor, session: Session, outcome: ApiCallOutcome
) -> SegmentResult:
    """Up to 5,000 calls of any type; each valid one is handled as its single route would,
    each invalid one reported by position."""
    result = await usage.segment_batch(session, actor, await request.body())
    record(outcome, result.accepted, result.rejected, result.errors)
    return result
