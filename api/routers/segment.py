from typing import Any

from fastapi import APIRouter, Request
from pydantic import Field

from api.deps import ApiActor, ApiCallOutcome, Session
from api.errors import ProblemDetail, problem
from api.routers.events import batch_body, record
from domain.usage import service as usage
from domain.usage.schemas import (
    SegmentAlias,
    SegmentBatch,
    SegmentGroup,
    SegmentIdentify,
    SegmentPage,
    SegmentResult,
    SegmentTrack,
)

# Segment's HTTP Tracking API, so Segment (or RudderStack) can send here unchanged: the write
# key is the API key, sent as the Basic user name; bodies may be gzip (api/middleware.py).
router = APIRouter(prefix="/segment", tags=["segment"])


class SegmentProblem(ProblemDetail):
    """A problem with the members Segment's HTTP API answers errors with, which its SDKs read
    (added by `api.middleware.SegmentAnswers`)."""

    success: bool = False
    message: str = Field(description="The problem's `detail`")


def _problems(*statuses: int) -> dict[int | str, dict[str, Any]]:
    return {
        status: {**response, "model": SegmentProblem}
        for status, response in problem(*statuses).items()
    }


# 400: a gzip body that does not inflate; 413: too large, sent or inflated; 415: an encoding
# other than gzip.
_RESPONSES = _problems(400, 401, 403, 413, 415, 422)


@router.post("/identify", response_model=SegmentResult, responses=_RESPONSES)
async def segment_identify(
    data: SegmentIdentify, actor: ApiActor, session: Session, outcome: ApiCallOutcome
) -> SegmentResult:
    """Upsert the contact `userId` (or `anonymousId`) with its traits (`email`, `name` or
    `firstName`/`lastName`, `title`, `role`; the rest are kept as custom traits), sent in
    `traits` or, as RudderStack does, in `context.traits`."""
    result = await usage.segment_call(session, actor, data)
    record(outcome, result.accepted, result.rejected, result.errors)
    return result


@router.post("/group", response_model=SegmentResult, responses=_RESPONSES)
async def segment_group(
    data: SegmentGroup, actor: ApiActor, session: Session, outcome: ApiCallOutcome
) -> SegmentResult:
    """Make the contact a member of the account whose external id is `groupId`, keeping the
    call's `traits` (read them with `/accounts/{account_id}/group-traits`). Accounts are never
    created from group calls: the membership links once the account exists."""
    result = await usage.segment_call(session, actor, data)
    record(outcome, result.accepted, result.rejected, result.errors)
    return result


@router.post("/track", response_model=SegmentResult, responses=_RESPONSES)
async def segment_track(
    data: SegmentTrack, actor: ApiActor, session: Session, outcome: ApiCallOutcome
) -> SegmentResult:
    """Store an event; `properties.feature` and `properties.module` name its feature and
    module, `context.groupId` its account (else the contact's only account). It happened at
    `timestamp`, else at `originalTimestamp` corrected by the device clock's skew (`sentAt`
    against the time received), else when received."""
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


@router.post("/screen", response_model=SegmentResult, responses=_RESPONSES)
async def segment_screen(
    data: SegmentPage, actor: ApiActor, session: Session, outcome: ApiCallOutcome
) -> SegmentResult:
    """Store a mobile screen view as an event named `Screen: <name>`."""
    call = data.model_copy(update={"type": "screen"})
    result = await usage.segment_call(session, actor, call)
    record(outcome, result.accepted, result.rejected, result.errors)
    return result


@router.post("/alias", response_model=SegmentResult, responses=_RESPONSES)
async def segment_alias(
    data: SegmentAlias, actor: ApiActor, session: Session, outcome: ApiCallOutcome
) -> SegmentResult:
    """The contact known as `previousId` is `userId` from now on: renamed, or merged into
    `userId` (events, accounts and traits; `userId`'s own values win) when both exist."""
    result = await usage.segment_call(session, actor, data)
    record(outcome, result.accepted, result.rejected, result.errors)
    return result


_BATCH_EXAMPLE: dict[str, Any] = {
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
}


@router.post(
    "/batch",
    response_model=SegmentResult,
    responses=_RESPONSES,
    openapi_extra=batch_body(SegmentBatch, _BATCH_EXAMPLE),
)
async def segment_batch(
    request: Request, actor: ApiActor, session: Session, outcome: ApiCallOutcome
) -> SegmentResult:
    """Up to 5,000 calls of any type, in order (an `alias` applies to the calls before it);
    each valid one is handled as its single route would, each invalid one reported by
    position. The batch's `context` and `sentAt` apply to calls that have none."""
    result = await usage.segment_batch(session, actor, await request.body())
    record(outcome, result.accepted, result.rejected, result.errors)
    return result


@router.post(
    "",
    response_model=SegmentResult,
    responses=_RESPONSES,
    openapi_extra=batch_body(SegmentBatch, _BATCH_EXAMPLE),
)
async def segment_any(
    request: Request, actor: ApiActor, session: Session, outcome: ApiCallOutcome
) -> SegmentResult:
    """One URL for everything, for destinations that post every call to the same address
    (Segment's and RudderStack's webhook destinations): a `batch` body, or a single call of
    any `type` (identify, group, track, page, screen, alias)."""
    result = await usage.segment_message(session, actor, await request.body())
    record(outcome, result.accepted, result.rejected, result.errors)
    return result


# Segment's own paths under a base URL, for SDKs and proxies whose host is pointed at
# `<Tenure>/api/v1/segment` (they post to `<host>/v1/batch`, `<host>/v1/track`, ...).
for _name, _endpoint in (
    ("identify", segment_identify),
    ("group", segment_group),
    ("track", segment_track),
    ("page", segment_page),
    ("screen", segment_screen),
    ("alias", segment_alias),
    ("batch", segment_batch),
):
    router.add_api_route(
        f"/v1/{_name}",
        _endpoint,
        methods=["POST"],
        response_model=SegmentResult,
        include_in_schema=False,
    )
