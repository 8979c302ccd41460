from typing import Any

from fastapi import Request
from pydantic import BaseModel, Field

from api.batches import batch_body, record
from api.deps import ApiCallOutcome, SegmentActor, Session
from api.errors import ProblemDetail, problem
from api.routing import AreaRouter
from domain.usage import service as usage
from domain.usage.schemas import (
    SegmentAlias,
    SegmentBatch,
    SegmentCall,
    SegmentGroup,
    SegmentIdentify,
    SegmentPage,
    SegmentResult,
    SegmentTrack,
)

# Segment's HTTP Tracking API, so Segment (or RudderStack) can send here unchanged: the write
# key is the API key, sent as the Basic user name or as `writeKey` in the body
# (api.deps.SegmentActor); bodies may be gzip (api/middleware.py).
router = AreaRouter(prefix="/segment", tags=["segment"])


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


# The single-call routes, one per type: (type, its body, what it does). Each is handled as the
# same call in a batch would be.
_CALLS: tuple[tuple[str, type[BaseModel], str], ...] = (
    (
        "identify",
        SegmentIdentify,
        """Upsert the contact `userId` (or `anonymousId`) with its traits (`email`, `name` or
    `firstName`/`lastName`, `title`, `role`; the rest are kept as custom traits), sent in
    `traits` or, as RudderStack does, in `context.traits`. An `email` that is not an email
    address is left out: the contact keeps the one it had.""",
    ),
    (
        "group",
        SegmentGroup,
        """Make the contact a member of the account whose external id is `groupId`, keeping the
    call's `traits` (read them with `/accounts/{account_id}/group-traits`). Accounts are never
    created from group calls: the membership links once the account exists.""",
    ),
    (
        "track",
        SegmentTrack,
        """Store an event; `properties.feature` and `properties.module` name its feature and
    module, `context.groupId` its account (else the contact's only account). It happened at
    `timestamp`, else at `originalTimestamp` corrected by the device clock's skew (`sentAt`
    against the time received), else when received.""",
    ),
    ("page", SegmentPage, """Store a page view as an event named `Page: <name>`."""),
    ("screen", SegmentPage, """Store a mobile screen view as an event named `Screen: <name>`."""),
    (
        "alias",
        SegmentAlias,
        """The contact known as `previousId` is `userId` from now on: renamed, or merged into
    `userId` (events, accounts and traits; `userId`'s own values win) when both exist. Later
    calls under `previousId` (events, identify, group) are `userId`'s.""",
    ),
)


def _single_call(kind: str, body: type[BaseModel], description: str) -> Any:
    """The route of one call type: its body is that type's schema."""

    async def endpoint(
        data: SegmentCall, actor: SegmentActor, session: Session, outcome: ApiCallOutcome
    ) -> SegmentResult:
        # A screen call shares the page call's body; the route says which it is.
        call = data.model_copy(update={"type": "screen"}) if kind == "screen" else data
        return await record(outcome, await usage.segment_call(session, actor, call), session)

    endpoint.__annotations__["data"] = body
    endpoint.__doc__ = description
    return endpoint


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
    request: Request, actor: SegmentActor, session: Session, outcome: ApiCallOutcome
) -> SegmentResult:
    """Up to 5,000 calls of any type, in order (an `alias` applies to the calls before it);
    each valid one is handled as its single route would, each invalid one reported by
    position. The batch's `context` and `sentAt` apply to calls that have none."""
    return await record(
        outcome, await usage.segment_batch(session, actor, await request.body()), session
    )


@router.post(
    "",
    response_model=SegmentResult,
    responses=_RESPONSES,
    openapi_extra=batch_body(SegmentBatch, _BATCH_EXAMPLE),
)
async def segment_any(
    request: Request, actor: SegmentActor, session: Session, outcome: ApiCallOutcome
) -> SegmentResult:
    """One URL for everything, for destinations that post every call to the same address
    (Segment's and RudderStack's webhook destinations): a `batch` body, or a single call of
    any `type` (identify, group, track, page, screen, alias)."""
    return await record(
        outcome, await usage.segment_message(session, actor, await request.body()), session
    )


# Segment's own paths under a base URL too, for SDKs and proxies whose host is pointed at
# `<Tenure>/api/v1/segment` (they post to `<host>/v1/batch`, `<host>/v1/track`, ...).
for _kind, _body, _description in _CALLS:
    _endpoint = _single_call(_kind, _body, _description)
    for _path, _documented in ((f"/{_kind}", True), (f"/v1/{_kind}", False)):
        router.add_api_route(
            _path,
            _endpoint,
            methods=["POST"],
            name=f"segment_{_kind}",
            response_model=SegmentResult,
            responses=_RESPONSES,
            include_in_schema=_documented,
        )
router.add_api_route(
    "/v1/batch",
    segment_batch,
    methods=["POST"],
    response_model=SegmentResult,
    include_in_schema=False,
)
