import html
import uuid
from collections.abc import Callable, Collection
from datetime import datetime
from typing import Any, TypeVar

from sqlalchemy.ext.asyncio import AsyncSession

from domain.audit import service as audit
from domain.common import clock
from domain.common.pagination import Paged
from domain.freshness.changes import note as note_change
from domain.interactions.errors import (
    EmptyNote,
    InteractionExternalIdTaken,
    InteractionNotFound,
    NotATeamUser,
    NoteNotFound,
    OpenTicketHasNoCloseTime,
    TicketClosedBeforeOpened,
    TicketExternalIdTaken,
    TicketNotClosed,
    TicketNotFound,
    TicketTimesConflict,
)
from domain.interactions.models import (
    CLOSED_TICKET_STATUSES,
    Interaction,
    InteractionType,
    Note,
    Ticket,
    TicketStatus,
)
from domain.interactions.repository import (
    HIT_END,
    HIT_START,
    SEARCH_CANDIDATES,
    InteractionRepository,
    TimelineRepository,
)
from domain.interactions.richtext import sanitise_html
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
    SearchKind,
    SearchPage,
    SearchResult,
    TicketCreate,
    TicketRead,
    TicketUpdate,
    TimelineItem,
    TimelineKind,
)
from domain.tenancy import accounts
from domain.tenancy.errors import AccountNotFound
from domain.users.actor import Actor, require
from domain.users.permissions import Permission


def _repo(session: AsyncSession, actor: Actor) -> InteractionRepository:
    return InteractionRepository(
        session, actor.org_id, accounts.visible_account_ids(session, actor)
    )


_Record = TypeVar("_Record", Interaction, Note, Ticket)


async def _add(
    repo: InteractionRepository,
    actor: Actor,
    record: _Record,
    entity_type: str,
    snapshot: Callable[[_Record], dict[str, Any]],
) -> None:
    """Write a new record with its `<type>.created` audit entry if its account is live and
    visible (else 404, nothing written); the record gets the timestamps the database gave it."""
    # The snapshot leaves the timestamps out: the database sets them in the same statement.
    record.created_at = record.updated_at = clock.now()
    entry = audit.written_for(actor, f"{entity_type}.created", entity_type, after=snapshot(record))
    stamps = await repo.add_on_visible_account(record, actor, entry)
    if stamps is None:
        raise AccountNotFound()
    record.created_at, record.updated_at = stamps


# Interactions


def _interaction_snapshot(interaction: Interaction) -> dict[str, Any]:
    return InteractionRead.model_validate(interaction).model_dump(
        mode="json", exclude={"created_at", "updated_at"}
    )


async def _validate_participants(
    repo: InteractionRepository, user_ids: list[uuid.UUID]
) -> list[uuid.UUID]:
    wanted = list(dict.fromkeys(user_ids))
    if not wanted:
        return []
    found = await repo.team_user_ids_among(wanted)
    if missing := [str(i) for i in wanted if i not in found]:
        raise NotATeamUser(f"Not a user of this organisation: {', '.join(missing)}")
    return wanted


async def get_interaction(
    session: AsyncSession, actor: Actor, interaction_id: uuid.UUID
) -> Interaction:
    interaction = await _repo(session, actor).get_interaction(interaction_id)
    if interaction is None:
        raise InteractionNotFound()
    return interaction


async def list_account_interactions(
    session: AsyncSession,
    actor: Actor,
    account_id: uuid.UUID,
    *,
    type: InteractionType | None = None,
    rollup: bool = False,
    limit: int = 50,
    offset: int = 0,
) -> Paged[AccountInteractionRead]:
    account_ids = await accounts.listed_account_ids(session, actor, account_id, rollup=rollup)
    rows, total = await _repo(session, actor).page_interactions(
        account_ids, type=type, limit=limit, offset=offset
    )
    items = [
        AccountInteractionRead(
            **InteractionRead.model_validate(row).model_dump(), account_name=name
        )
        for row, name in rows
    ]
    return Paged(items=items, total=total, limit=limit, offset=offset)


async def create_interaction(
    session: AsyncSession, actor: Actor, account_id: uuid.UUID, data: InteractionCreate
) -> Interaction:
    require(actor, Permission.UPDATE_ACCOUNTS)
    repo = _repo(session, actor)
    if data.external_id is not None or data.participant_user_ids:
        # Their answers (409, 422) must not come before an invisible account's 404.
        await accounts.check_visible(session, actor, account_id)
    if data.external_id is not None and await repo.interaction_external_id_taken(
        data.source, data.external_id
    ):
        raise InteractionExternalIdTaken()
    participants = await _validate_participants(repo, data.participant_user_ids)
    interaction = Interaction(
        id=uuid.uuid4(),
        org_id=actor.org_id,
        account_id=account_id,
        author_id=actor.user_id,
        **data.model_dump(exclude={"participant_user_ids"}),
        participant_user_ids=participants,
    )
    await _add(repo, actor, interaction, "interaction", _interaction_snapshot)
    await note_change(session, actor.org_id, [interaction.account_id])
    return interaction


async def update_interaction(
    session: AsyncSession, actor: Actor, interaction_id: uuid.UUID, data: InteractionUpdate
) -> Interaction:
    require(actor, Permission.UPDATE_ACCOUNTS)
    repo = _repo(session, actor)
    interaction = await get_interaction(session, actor, interaction_id)
    before = _interaction_snapshot(interaction)
    changes = data.model_dump(exclude_unset=True)
    # These always have a value: an explicit null leaves them as they are.
    for field in ("type", "occurred_at", "participant_user_ids", "participant_contacts"):
        if field in changes and changes[field] is None:
            del changes[field]
    if "participant_user_ids" in changes:
        changes["participant_user_ids"] = await _validate_participants(
            repo, changes["participant_user_ids"]
        )
    for field, value in changes.items():
        setattr(interaction, field, value)
    interaction.updated_at = clock.now()
    await session.flush()
    await note_change(session, actor.org_id, [interaction.account_id])
    audit.record_for(
        session,
        actor,
        "interaction.updated",
        "interaction",
        interaction.id,
        before=before,
        after=_interaction_snapshot(interaction),
    )
    return interaction


async def delete_interaction(
    session: AsyncSession, actor: Actor, interaction_id: uuid.UUID
) -> None:
    require(actor, Permission.UPDATE_ACCOUNTS)
    interaction = await get_interaction(session, actor, interaction_id)
    before = _interaction_snapshot(interaction)
    await session.delete(interaction)
    await note_change(session, actor.org_id, [interaction.account_id])
    audit.record_for(
        session, actor, "interaction.deleted", "interaction", interaction.id, before=before
    )


# Notes


def _note_snapshot(note: Note) -> dict[str, Any]:
    return NoteRead.model_validate(note).model_dump(
        mode="json", exclude={"created_at", "updated_at"}
    )


def _clean_body(body: str) -> str:
    clean = sanitise_html(body)
    if not clean:
        raise EmptyNote()
    return clean


async def get_note(session: AsyncSession, actor: Actor, note_id: uuid.UUID) -> Note:
    note = await _repo(session, actor).get_note(note_id)
    if note is None:
        raise NoteNotFound()
    return note


async def list_account_notes(
    session: AsyncSession,
    actor: Actor,
    account_id: uuid.UUID,
    *,
    rollup: bool = False,
    limit: int = 50,
    offset: int = 0,
) -> Paged[AccountNoteRead]:
    account_ids = await accounts.listed_account_ids(session, actor, account_id, rollup=rollup)
    rows, total = await _repo(session, actor).page_notes(account_ids, limit=limit, offset=offset)
    items = [
        AccountNoteRead(**NoteRead.model_validate(row).model_dump(), account_name=name)
        for row, name in rows
    ]
    return Paged(items=items, total=total, limit=limit, offset=offset)


async def create_note(
    session: AsyncSession, actor: Actor, account_id: uuid.UUID, data: NoteCreate
) -> Note:
    require(actor, Permission.UPDATE_ACCOUNTS)
    note = Note(
        id=uuid.uuid4(),
        org_id=actor.org_id,
        account_id=account_id,
        author_id=actor.user_id,
        body=_clean_body(data.body),
        is_pinned=data.is_pinned,
    )
    await _add(_repo(session, actor), actor, note, "note", _note_snapshot)
    return note


async def update_note(
    session: AsyncSession, actor: Actor, note_id: uuid.UUID, data: NoteUpdate
) -> Note:
    require(actor, Permission.UPDATE_ACCOUNTS)
    note = await get_note(session, actor, note_id)
    before = _note_snapshot(note)
    if data.body is not None:
        note.body = _clean_body(data.body)
    if data.is_pinned is not None:
        note.is_pinned = data.is_pinned
    note.updated_at = clock.now()
    await session.flush()
    audit.record_for(
        session, actor, "note.updated", "note", note.id, before=before, after=_note_snapshot(note)
    )
    return note


async def delete_note(session: AsyncSession, actor: Actor, note_id: uuid.UUID) -> None:
    require(actor, Permission.UPDATE_ACCOUNTS)
    note = await get_note(session, actor, note_id)
    before = _note_snapshot(note)
    await session.delete(note)
    audit.record_for(session, actor, "note.deleted", "note", note.id, before=before)


# Tickets


def _ticket_snapshot(ticket: Ticket) -> dict[str, Any]:
    return TicketRead.model_validate(ticket).model_dump(
        mode="json", exclude={"created_at", "updated_at"}
    )


def _settle_closed_at(
    status: TicketStatus,
    opened_at: datetime,
    closed_at: datetime | None,
    *,
    closed_at_given: bool,
    now: datetime,
    stored: Collection[str] = (),
) -> datetime | None:
    """Solving or closing a ticket stamps closed_at (now, unless given); reopening clears it.
    `stored` names the arguments that are the ticket's own rather than the request's: a request
    at odds with itself is refused as invalid, one at odds with the stored ticket as a conflict."""
    if status not in CLOSED_TICKET_STATUSES:
        if closed_at_given and closed_at is not None:
            raise TicketNotClosed() if "status" in stored else OpenTicketHasNoCloseTime()
        return None
    closed_at = closed_at or now
    if closed_at < opened_at:
        if "opened_at" in stored or "closed_at" in stored:
            raise TicketTimesConflict(
                f"The ticket would be closed at {closed_at.isoformat()}, before it was opened "
                f"at {opened_at.isoformat()}"
            )
        raise TicketClosedBeforeOpened()
    return closed_at


async def get_ticket(session: AsyncSession, actor: Actor, ticket_id: uuid.UUID) -> Ticket:
    ticket = await _repo(session, actor).get_ticket(ticket_id)
    if ticket is None:
        raise TicketNotFound()
    return ticket


async def list_account_tickets(
    session: AsyncSession,
    actor: Actor,
    account_id: uuid.UUID,
    *,
    rollup: bool = False,
    limit: int = 50,
    offset: int = 0,
) -> Paged[AccountTicketRead]:
    account_ids = await accounts.listed_account_ids(session, actor, account_id, rollup=rollup)
    rows, total = await _repo(session, actor).page_tickets(account_ids, limit=limit, offset=offset)
    items = [
        AccountTicketRead(**TicketRead.model_validate(row).model_dump(), account_name=name)
        for row, name in rows
    ]
    return Paged(items=items, total=total, limit=limit, offset=offset)


async def create_ticket(
    session: AsyncSession, actor: Actor, account_id: uuid.UUID, data: TicketCreate
) -> Ticket:
    require(actor, Permission.UPDATE_ACCOUNTS)
    repo = _repo(session, actor)
    if data.external_id is not None:
        # A taken id's 409 must not come before an invisible account's 404.
        await accounts.check_visible(session, actor, account_id)
        if await repo.ticket_external_id_taken(data.source, data.external_id, except_id=None):
            raise TicketExternalIdTaken()
    closed_at = _settle_closed_at(
        data.status,
        data.opened_at,
        data.closed_at,
        closed_at_given=data.closed_at is not None,
        now=clock.now(),
    )
    ticket = Ticket(
        id=uuid.uuid4(),
        org_id=actor.org_id,
        account_id=account_id,
        **data.model_dump(exclude={"closed_at"}),
        closed_at=closed_at,
    )
    await _add(repo, actor, ticket, "ticket", _ticket_snapshot)
    await note_change(session, actor.org_id, [ticket.account_id])
    return ticket


async def update_ticket(
    session: AsyncSession, actor: Actor, ticket_id: uuid.UUID, data: TicketUpdate
) -> Ticket:
    require(actor, Permission.UPDATE_ACCOUNTS)
    ticket = await get_ticket(session, actor, ticket_id)
    before = _ticket_snapshot(ticket)
    changes = data.model_dump(exclude_unset=True, exclude={"closed_at"})
    for field, value in changes.items():
        if value is not None:
            setattr(ticket, field, value)
    closed_at_given = "closed_at" in data.model_fields_set
    reopened = ticket.status not in CLOSED_TICKET_STATUSES
    closed_at = data.closed_at if closed_at_given else (None if reopened else ticket.closed_at)
    stored = {name for name in ("status", "opened_at") if changes.get(name) is None}
    if not closed_at_given and closed_at is not None:
        stored.add("closed_at")
    ticket.closed_at = _settle_closed_at(
        ticket.status,
        ticket.opened_at,
        closed_at,
        closed_at_given=closed_at_given,
        now=clock.now(),
        stored=stored,
    )
    ticket.updated_at = clock.now()
    await session.flush()
    await note_change(session, actor.org_id, [ticket.account_id])
    audit.record_for(
        session,
        actor,
        "ticket.updated",
        "ticket",
        ticket.id,
        before=before,
        after=_ticket_snapshot(ticket),
    )
    return ticket


async def delete_ticket(session: AsyncSession, actor: Actor, ticket_id: uuid.UUID) -> None:
    require(actor, Permission.UPDATE_ACCOUNTS)
    ticket = await get_ticket(session, actor, ticket_id)
    before = _ticket_snapshot(ticket)
    await session.delete(ticket)
    await note_change(session, actor.org_id, [ticket.account_id])
    audit.record_for(session, actor, "ticket.deleted", "ticket", ticket.id, before=before)


# Search and timeline


def _headline(text: str | None, *, kind: str) -> str:
    text = text or ""
    if kind == SearchKind.NOTE:
        # Notes are stored as HTML: their entities become characters before escaping again.
        text = html.unescape(text)
    escaped = html.escape(" ".join(text.split()))
    return escaped.replace(HIT_START, "<mark>").replace(HIT_END, "</mark>")


async def search_interactions(
    session: AsyncSession,
    actor: Actor,
    *,
    q: str | None = None,
    type: InteractionType | None = None,
    account_id: uuid.UUID | None = None,
    author_id: uuid.UUID | None = None,
    since: datetime | None = None,
    until: datetime | None = None,
    limit: int = 50,
    offset: int = 0,
) -> SearchPage:
    """Full-text search over the interactions and notes of every account the actor may see,
    best match first; without `q`, newest first."""
    q = q.strip() if q else None
    rows, total = await _repo(session, actor).search(
        visible_ids=await accounts.visible_account_id_list(session, actor),
        deleted_ids=await accounts.deleted_account_id_list(session, actor),
        q=q or None,
        type=type,
        account_id=account_id,
        author_id=author_id,
        since=since,
        until=until,
        limit=limit,
        offset=offset,
    )
    items = [
        SearchResult.model_validate(
            {**row, "headline": _headline(row["headline"], kind=row["kind"])}
        )
        for row in rows
    ]
    return SearchPage(
        items=items,
        total=total,
        # Only a listing without words stops counting at the cap; a search counts every match.
        total_capped=not q and total >= SEARCH_CANDIDATES,
        limit=limit,
        offset=offset,
    )


async def get_account_timeline(
    session: AsyncSession,
    actor: Actor,
    account_id: uuid.UUID,
    *,
    kinds: Collection[TimelineKind] | None = None,
    rollup: bool = False,
    limit: int = 50,
    offset: int = 0,
) -> Paged[TimelineItem]:
    account_ids = await accounts.listed_account_ids(session, actor, account_id, rollup=rollup)
    rows, total = await TimelineRepository(session, actor.org_id).page(
        account_ids, kinds=kinds, limit=limit, offset=offset
    )
    items = [TimelineItem.model_validate(row) for row in rows]
    return Paged(items=items, total=total, limit=limit, offset=offset)
