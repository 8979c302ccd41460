import uuid
from collections.abc import Awaitable, Callable
from typing import Annotated, Any

from fastapi import Path, Query, Request, status
from pydantic import BaseModel
from sqlalchemy.ext.asyncio import AsyncSession

from api.batches import batch_body, record
from api.deps import ApiActor, ApiCallOutcome, CurrentActor, Session
from api.errors import problem
from api.params import Limit, Offset
from api.routing import AreaRouter
from domain.common.pagination import Page
from domain.common.schemas import BatchResult
from domain.common.types import Instant
from domain.freshness import changes
from domain.integration.schemas import UpsertedRecord
from domain.interactions import ingest
from domain.interactions import service as interactions
from domain.interactions.ingest import (
    InteractionBatch,
    InteractionUpsert,
    TicketBatch,
    TicketUpsert,
)
from domain.interactions.models import InteractionType
from domain.interactions.schemas import (
    AccountInteractionRead,
    AccountNoteRead,
    AccountTicketRead,
    InteractionCreate,
    InteractionRead,
    InteractionUpdate,
    NoteCreate,
    NoteRead,
    NoteUpdate,
    SearchPage,
    TicketCreate,
    TicketRead,
    TicketUpdate,
    TimelineItem,
    TimelineKind,
)
from domain.users.actor import Actor

# Interactions, notes, tickets, their search and the account timeline: the account's history.
router = AreaRouter()

Rollup = Annotated[
    bool,
    Query(
        description="Also the items of every child account below this one (any depth) that "
        "the caller may see; each item names its account"
    ),
]


@router.post(
    "/interactions/batch",
    response_model=BatchResult,
    tags=["interactions"],
    responses=problem(401, 403, 413, 422),
    openapi_extra=batch_body(InteractionBatch),
)
async def upsert_interactions(
    request: Request, actor: ApiActor, session: Session, outcome: ApiCallOutcome
) -> BatchResult:
    """Create or update up to 5,000 interactions synced from a CRM, by (source, external id);
    the account may be named by its external, CRM, billing or support id. Each record
    succeeds or fails on its own: the stored ones are in `records` with their ids, the
    refused ones in `errors` with why."""
    body = await request.body()
    return await record(outcome, await ingest.upsert_interactions(session, actor, body), session)


@router.post(
    "/tickets/batch",
    response_model=BatchResult,
    tags=["tickets"],
    responses=problem(401, 403, 413, 422),
    openapi_extra=batch_body(TicketBatch),
)
async def upsert_tickets(
    request: Request, actor: ApiActor, session: Session, outcome: ApiCallOutcome
) -> BatchResult:
    """Create or update up to 5,000 help-desk tickets by (source, external id); each record
    succeeds or fails on its own: the stored ones are in `records` with their ids, the
    refused ones in `errors` with why."""
    return await record(
        outcome, await ingest.upsert_tickets(session, actor, await request.body()), session
    )


@router.post(
    "/interactions",
    response_model=UpsertedRecord,
    tags=["interactions"],
    responses=problem(401, 403, 409, 422),
)
async def upsert_interaction(
    data: InteractionUpsert, actor: ApiActor, session: Session, outcome: ApiCallOutcome
) -> UpsertedRecord:
    """Create or update one interaction by (source, external id), as one record of
    `/interactions/batch`; a refused record is a problem saying why (an account the
    organisation lacks: a 409 `account_not_found`)."""
    interaction_id = await ingest.upsert_interaction(session, actor, data)
    outcome.accepted = 1
    return UpsertedRecord(id=interaction_id, change=await changes.issued(session))


@router.post(
    "/tickets",
    response_model=UpsertedRecord,
    tags=["tickets"],
    responses=problem(401, 403, 409, 422),
)
async def upsert_ticket(
    data: TicketUpsert, actor: ApiActor, session: Session, outcome: ApiCallOutcome
) -> UpsertedRecord:
    """Create or update one ticket by (source, external id), as one record of
    `/tickets/batch`; a refused record is a problem saying why (an account the
    organisation lacks: a 409 `account_not_found`)."""
    ticket_id = await ingest.upsert_ticket(session, actor, data)
    outcome.accepted = 1
    return UpsertedRecord(id=ticket_id, change=await changes.issued(session))


# Search first: "/interactions/search" must not be read as an interaction id.
@router.get(
    "/interactions/search",
    tags=["interactions"],
    response_model=SearchPage,
    responses=problem(401, 422),
)
async def search_interactions(
    actor: ApiActor,
    session: Session,
    q: Annotated[
        str | None,
        Query(
            max_length=500,
            description='Words to find (web-search syntax: "exact phrase", -excluded, or)',
        ),
    ] = None,
    type: Annotated[
        InteractionType | None, Query(description="Only this type (`note` includes notes)")
    ] = None,
    account_id: uuid.UUID | None = None,
    author_id: uuid.UUID | None = None,
    since: Annotated[Instant | None, Query(description="From this time (inclusive)")] = None,
    until: Annotated[Instant | None, Query(description="Before this time")] = None,
    limit: Limit = 50,
    offset: Offset = 0,
) -> SearchPage:
    """Search the interactions and notes of every account the caller may see. With `q`, every
    match is ranked, best first; without it, the newest 1,000 interactions and the newest 1,000
    notes are listed, newest first. Each result carries a highlighted snippet."""
    paged = await interactions.search_interactions(
        session,
        actor,
        q=q,
        type=type,
        account_id=account_id,
        author_id=author_id,
        since=since,
        until=until,
        limit=limit,
        offset=offset,
    )
    return paged


@router.get(
    "/accounts/{account_id:id}/interactions",
    tags=["interactions"],
    response_model=Page[AccountInteractionRead],
    responses=problem(401, 404, 422),
)
async def list_account_interactions(
    account_id: uuid.UUID,
    actor: ApiActor,
    session: Session,
    type: InteractionType | None = None,
    rollup: Rollup = False,
    limit: Limit = 50,
    offset: Offset = 0,
) -> Page[AccountInteractionRead]:
    """An account's interactions, newest first; with `rollup`, its child accounts' too."""
    paged = await interactions.list_account_interactions(
        session, actor, account_id, type=type, rollup=rollup, limit=limit, offset=offset
    )
    return Page[AccountInteractionRead].model_validate(paged)


@router.post(
    "/accounts/{account_id:id}/interactions",
    tags=["interactions"],
    response_model=InteractionRead,
    status_code=status.HTTP_201_CREATED,
    responses=problem(401, 403, 404, 409, 422),
)
async def create_interaction(
    account_id: uuid.UUID, data: InteractionCreate, actor: CurrentActor, session: Session
) -> InteractionRead:
    """Log a call, meeting, email, QBR or other interaction on an account; the caller is its
    author."""
    return InteractionRead.model_validate(
        await interactions.create_interaction(session, actor, account_id, data)
    )


@router.patch(
    "/interactions/{interaction_id:id}",
    tags=["interactions"],
    response_model=InteractionRead,
    responses=problem(401, 403, 404, 409, 422),
)
async def update_interaction(
    interaction_id: uuid.UUID, data: InteractionUpdate, actor: CurrentActor, session: Session
) -> InteractionRead:
    """Change an interaction's fields or participants."""
    return InteractionRead.model_validate(
        await interactions.update_interaction(session, actor, interaction_id, data)
    )


@router.delete(
    "/interactions/{interaction_id:id}",
    tags=["interactions"],
    status_code=status.HTTP_204_NO_CONTENT,
    responses=problem(401, 403, 404, 422),
)
async def delete_interaction(
    interaction_id: uuid.UUID, actor: CurrentActor, session: Session
) -> None:
    """Delete an interaction."""
    await interactions.delete_interaction(session, actor, interaction_id)


@router.post(
    "/accounts/{account_id:id}/notes",
    tags=["notes"],
    response_model=NoteRead,
    status_code=status.HTTP_201_CREATED,
    responses=problem(401, 403, 404, 422),
)
async def create_note(
    account_id: uuid.UUID, data: NoteCreate, actor: CurrentActor, session: Session
) -> NoteRead:
    """Write a note on an account. The body is HTML; scripts and other unsafe markup are
    removed before it is stored."""
    return NoteRead.model_validate(await interactions.create_note(session, actor, account_id, data))


@router.patch(
    "/notes/{note_id:id}",
    tags=["notes"],
    response_model=NoteRead,
    responses=problem(401, 403, 404, 422),
)
async def update_note(
    note_id: uuid.UUID, data: NoteUpdate, actor: CurrentActor, session: Session
) -> NoteRead:
    """Edit a note's body, or pin or unpin it."""
    return NoteRead.model_validate(await interactions.update_note(session, actor, note_id, data))


@router.delete(
    "/notes/{note_id:id}",
    tags=["notes"],
    status_code=status.HTTP_204_NO_CONTENT,
    responses=problem(401, 403, 404, 422),
)
async def delete_note(note_id: uuid.UUID, actor: CurrentActor, session: Session) -> None:
    """Delete a note."""
    await interactions.delete_note(session, actor, note_id)


@router.post(
    "/accounts/{account_id:id}/tickets",
    tags=["tickets"],
    response_model=TicketRead,
    status_code=status.HTTP_201_CREATED,
    responses=problem(401, 403, 404, 409, 422),
)
async def create_ticket(
    account_id: uuid.UUID, data: TicketCreate, actor: CurrentActor, session: Session
) -> TicketRead:
    """Record a support ticket on an account. `external_id` is unique per source."""
    return TicketRead.model_validate(
        await interactions.create_ticket(session, actor, account_id, data)
    )


@router.patch(
    "/tickets/{ticket_id:id}",
    tags=["tickets"],
    response_model=TicketRead,
    responses=problem(401, 403, 404, 409, 422),
)
async def update_ticket(
    ticket_id: uuid.UUID, data: TicketUpdate, actor: CurrentActor, session: Session
) -> TicketRead:
    """Change a ticket. Solving or closing it sets `closed_at`; reopening clears it."""
    return TicketRead.model_validate(
        await interactions.update_ticket(session, actor, ticket_id, data)
    )


@router.delete(
    "/tickets/{ticket_id:id}",
    tags=["tickets"],
    status_code=status.HTTP_204_NO_CONTENT,
    responses=problem(401, 403, 404, 422),
)
async def delete_ticket(ticket_id: uuid.UUID, actor: CurrentActor, session: Session) -> None:
    """Delete a support ticket."""
    await interactions.delete_ticket(session, actor, ticket_id)


@router.get(
    "/accounts/{account_id:id}/timeline",
    tags=["accounts"],
    response_model=Page[TimelineItem],
    responses=problem(401, 404, 422),
)
async def get_account_timeline(
    account_id: uuid.UUID,
    actor: ApiActor,
    session: Session,
    kinds: Annotated[
        list[TimelineKind] | None, Query(max_length=20, description="Only these kinds of item")
    ] = None,
    rollup: Rollup = False,
    limit: Limit = 50,
    offset: Offset = 0,
) -> Page[TimelineItem]:
    """Everything that happened to an account, newest first: interactions, notes, tickets
    opened and closed, status updates, stage and CSM changes, CSM scores, NPS responses,
    churn and reactivation. With
    `rollup`, its child accounts' history too (the hierarchy rollup of a parent's view)."""
    paged = await interactions.get_account_timeline(
        session, actor, account_id, kinds=kinds, rollup=rollup, limit=limit, offset=offset
    )
    return Page[TimelineItem].model_validate(paged)


def _account_items(
    page: type[BaseModel], list_items: Callable[..., Awaitable[Any]], description: str
) -> Callable[..., Awaitable[Any]]:
    """The route listing one kind of an account's items (notes, tickets)."""

    async def endpoint(
        account_id: uuid.UUID,
        actor: ApiActor,
        session: Session,
        rollup: Rollup = False,
        limit: Limit = 50,
        offset: Offset = 0,
    ) -> Any:
        paged = await list_items(
            session, actor, account_id, rollup=rollup, limit=limit, offset=offset
        )
        return page.model_validate(paged)

    endpoint.__doc__ = description
    return endpoint


def _one_item(
    id_name: str,
    read: type[BaseModel],
    get: Callable[[AsyncSession, Actor, uuid.UUID], Awaitable[Any]],
    description: str,
) -> Callable[..., Awaitable[Any]]:
    """The route reading one item by its id (an interaction, a ticket)."""

    async def endpoint(
        item_id: Annotated[uuid.UUID, Path(alias=id_name)], actor: ApiActor, session: Session
    ) -> Any:
        return read.model_validate(await get(session, actor, item_id))

    endpoint.__doc__ = description
    return endpoint


# Notes and tickets are listed alike, per account; interactions and tickets are read alike,
# by id. Registered after the routes above, so "/interactions/search" is not read as an id.
for _kind, _page, _list, _description in (
    (
        "notes",
        Page[AccountNoteRead],
        interactions.list_account_notes,
        """An account's notes: pinned first, then newest first; with `rollup`, its child
    accounts' too.""",
    ),
    (
        "tickets",
        Page[AccountTicketRead],
        interactions.list_account_tickets,
        """An account's support tickets, most recently opened first; with `rollup`, its child
    accounts' too.""",
    ),
):
    router.add_api_route(
        f"/accounts/{{account_id:id}}/{_kind}",
        _account_items(_page, _list, _description),
        methods=["GET"],
        name=f"list_account_{_kind}",
        tags=[_kind],
        response_model=_page,
        responses=problem(401, 404, 422),
    )

for _kind, _read, _get, _description in (
    ("interaction", InteractionRead, interactions.get_interaction, "One interaction."),
    ("ticket", TicketRead, interactions.get_ticket, "One support ticket."),
):
    router.add_api_route(
        f"/{_kind}s/{{{_kind}_id:id}}",
        _one_item(f"{_kind}_id", _read, _get, _description),
        methods=["GET"],
        name=f"get_{_kind}",
        tags=[f"{_kind}s"],
        response_model=_read,
        responses=problem(401, 404, 422),
    )
