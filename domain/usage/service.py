"""Use cases of the usage area: ingest contacts, events and Segment calls (partial acceptance,
idempotent by message id), roll usage up by day, and read it back for the SPA."""

import hashlib
import json
import uuid
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any

import pydantic_core
from pydantic import TypeAdapter, ValidationError
from sqlalchemy import Select, select, union
from sqlalchemy.ext.asyncio import AsyncSession

from domain.common import clock
from domain.common.jobs import enqueue
from domain.common.pagination import Paged
from domain.integration import webhooks
from domain.integration.schemas import ApiCallError, CallOutcome, IngestReceipt
from domain.tenancy import accounts
from domain.tenancy.clock import org_today
from domain.usage import periods, sessions
from domain.usage.batches import describe, id_field, parse_batch
from domain.usage.errors import ContactNotFound, InvalidBatch, InvalidItem, InvalidRange
from domain.usage.models import Contact, ContactAccount, UsageEvent, UsagePendingDay
from domain.usage.repository import UsageRepository
from domain.usage.schemas import (
    MAX_BATCH,
    BatchResult,
    ContactAccountRead,
    ContactBatch,
    ContactDetail,
    ContactRead,
    ContactUpsert,
    EventBatch,
    EventCreate,
    EventRead,
    EventReceipt,
    FeaturePeriod,
    FeatureSeries,
    FeatureTrend,
    FeatureUsage,
    GroupTraitsRead,
    ItemError,
    SegmentAlias,
    SegmentBatch,
    SegmentCall,
    SegmentGroup,
    SegmentIdentify,
    SegmentPage,
    SegmentResult,
    SegmentTrack,
    UsageDay,
    UsageSeries,
)
from domain.users.actor import Actor, require
from domain.users.permissions import Permission

RECENT_EVENTS = 20
TOP_FEATURES = 10
# Features drawn over time: more lines than this make the chart unreadable.
TOP_FEATURES_OVER_TIME = 5
MAX_SERIES_DAYS = 366
DEFAULT_SERIES_DAYS = 30
# Events dated further ahead than this are refused: a wrong clock would otherwise create
# usage days (and sessions) in the future.
FUTURE_TOLERANCE = timedelta(days=1)
# Sessions are derived a day either side of the days recomputed, so a timeout must be shorter.
MAX_TIMEOUT_MINUTES = 24 * 60 - 1

_event_item = TypeAdapter(EventCreate)
_contact_item = TypeAdapter(ContactUpsert)
_segment_item: TypeAdapter[SegmentCall] = TypeAdapter(SegmentCall)


@dataclass
class _Tally:
    """What a batch did, item by item."""

    stored: int = 0
    duplicates: int = 0
    errors: list[ItemError] = field(default_factory=list)

    def reject(self, index: int, id: str | None, message: str) -> None:
        self.errors.append(ItemError(index=index, id=id, message=message))

    def result(self) -> BatchResult:
        self.errors.sort(key=lambda e: e.index)
        return BatchResult(
            accepted=self.stored + self.duplicates,
            stored=self.stored,
            duplicates=self.duplicates,
            rejected=len(self.errors),
            errors=self.errors,
        )


def _json_text(value: dict[str, Any] | None) -> str | None:
    return None if value is None else pydantic_core.to_json(value).decode()


async def _context(session: AsyncSession, actor: Actor) -> tuple[UsageRepository, str]:
    require(actor, Permission.INGEST_DATA)
    repo = UsageRepository(session, actor.org_id)
    org = await repo.organisation()
    return repo, org.time_zone


# Events


async def _store_events(
    repo: UsageRepository,
    items: Iterable[tuple[int, EventCreate]],
    tally: _Tally,
    *,
    tz: str,
    now: datetime,
) -> None:
    latest = now + FUTURE_TOLERANCE
    columns: dict[str, list[Any]] = {
        "message_ids": [],
        "names": [],
        "features": [],
        "modules": [],
        "contact_external_ids": [],
        "account_external_ids": [],
        "session_ids": [],
        "occurred_ats": [],
        "properties": [],
    }
    seen: set[str] = set()
    for index, event in items:
        if event.message_id in seen:
            tally.duplicates += 1
            continue
        properties = _json_text(event.properties)
        if event.occurred_at > latest:
            tally.reject(index, event.message_id, "occurred_at: more than a day in the future")
            continue
        seen.add(event.message_id)
        columns["message_ids"].append(event.message_id)
        columns["names"].append(event.name)
        columns["features"].append(event.feature)
        columns["modules"].append(event.module)
        columns["contact_external_ids"].append(event.contact_external_id)
        columns["account_external_ids"].append(event.account_external_id)
        columns["session_ids"].append(event.session_id)
        columns["occurred_ats"].append(event.occurred_at)
        columns["properties"].append(properties)
    if not seen:
        return
    stored = await repo.insert_events(columns, tz=tz)
    tally.stored += len(stored)
    tally.duplicates += len(seen) - len(stored)


async def ingest_event(session: AsyncSession, actor: Actor, data: EventCreate) -> EventReceipt:
    """One event; a message id received before is acknowledged and not stored again."""
    repo, tz = await _context(session, actor)
    tally = _Tally()
    await _store_events(repo, [(0, data)], tally, tz=tz, now=clock.now())
    if tally.errors:
        raise InvalidItem(tally.errors[0].message)
    return EventReceipt(message_id=data.message_id, duplicate=tally.duplicates > 0)


async def ingest_event_batch(session: AsyncSession, actor: Actor, body: bytes) -> BatchResult:
    """A JSON body `{"items": [...]}`: valid events are stored, invalid ones reported."""
    repo, tz = await _context(session, actor)
    parsed = parse_batch(
        body,
        envelope=EventBatch,
        key="items",
        item=_event_item,
        max_items=MAX_BATCH,
        id_of=id_field("message_id"),
    )
    tally = _Tally(errors=parsed.errors)
    await _store_events(repo, parsed.items, tally, tz=tz, now=clock.now())
    return tally.result()


# Contacts


@dataclass
class _Membership:
    contact_external_id: str
    account_external_id: str
    traits: dict[str, Any] | None = None


def merge_contacts(items: Sequence[ContactUpsert]) -> list[ContactUpsert]:
    """Items with the same external id folded into one, in first-seen order: later values
    win, traits merge, accounts add up (one upsert statement may touch a row only once)."""
    merged: dict[str, ContactUpsert] = {}
    for item in items:
        known = merged.get(item.external_id)
        if known is None:
            merged[item.external_id] = item.model_copy()
            continue
        sent = {k: v for k, v in item.model_dump(exclude_unset=True).items() if v is not None}
        traits = {**(known.traits or {}), **(item.traits or {})} if item.traits else known.traits
        accounts_ = list(dict.fromkeys([*known.account_external_ids, *item.account_external_ids]))
        merged[item.external_id] = known.model_copy(
            update={**sent, "traits": traits, "account_external_ids": accounts_}
        )
    return list(merged.values())


async def _store_contacts(
    repo: UsageRepository,
    items: Iterable[tuple[int, ContactUpsert]],
    tally: _Tally,
    *,
    tz: str,
    memberships: Sequence[_Membership] = (),
) -> dict[str, uuid.UUID]:
    # Texts PostgreSQL cannot store were refused where the request was read (api/middleware.py
    # for a whole request, domain/usage/batches.py for one record of a batch).
    valid = [contact for _, contact in items]
    merged = merge_contacts(valid)
    if not merged:
        return {}
    ids = await repo.upsert_contacts(
        {
            "external_ids": [c.external_id for c in merged],
            "emails": [c.email for c in merged],
            "names": [c.name for c in merged],
            "titles": [c.title for c in merged],
            "roles": [c.role for c in merged],
            "traits": [_json_text(c.traits) for c in merged],
        }
    )
    tally.stored += len(valid)
    links: dict[tuple[uuid.UUID, str], dict[str, Any] | None] = {}
    for c in merged:
        for account in c.account_external_ids:
            links.setdefault((ids[c.external_id], account), None)
    for m in memberships:
        key = (ids[m.contact_external_id], m.account_external_id)
        links[key] = {**(links.get(key) or {}), **(m.traits or {})}
    if links:
        await repo.add_links(
            [contact_id for contact_id, _ in links],
            [account for _, account in links],
            [_json_text(traits) for traits in links.values()],
        )
    # Events that arrived before their contact are linked now.
    await repo.link_event_contacts(tz=tz, only=list(ids))
    return ids


async def upsert_contact(session: AsyncSession, actor: Actor, data: ContactUpsert) -> IngestReceipt:
    """Store one contact; the receipt says what happened without echoing the contact (an
    ingest-only key may not read contacts)."""
    repo, tz = await _context(session, actor)
    existed = await repo.contact_exists(data.external_id)
    tally = _Tally()
    ids = await _store_contacts(repo, [(0, data)], tally, tz=tz)
    if tally.errors:
        raise InvalidItem(tally.errors[0].message)
    return IngestReceipt(
        id=ids[data.external_id],
        external_id=data.external_id,
        status="updated" if existed else "created",
    )


async def upsert_contact_batch(session: AsyncSession, actor: Actor, body: bytes) -> BatchResult:
    """A JSON body `{"items": [...]}`: valid contacts are upserted, invalid ones reported."""
    repo, tz = await _context(session, actor)
    parsed = parse_batch(
        body,
        envelope=ContactBatch,
        key="items",
        item=_contact_item,
        max_items=MAX_BATCH,
        id_of=id_field("external_id"),
    )
    tally = _Tally(errors=parsed.errors)
    await _store_contacts(repo, parsed.items, tally, tz=tz)
    return tally.result()


# Segment


def _text(value: Any) -> str | None:
    return value.strip()[:200] or None if isinstance(value, str) else None


def _derived_message_id(call: SegmentCall) -> str:
    # Segment's libraries always send a messageId; without one a retry of the same payload
    # must still collapse, so the key is the payload's hash (without `sentAt`, which a retry
    # may send anew).
    dump = call.model_dump_json(by_alias=True, exclude={"sent_at"})
    digest = hashlib.sha256(dump.encode()).hexdigest()
    return f"derived-{digest[:40]}"


def _account_of(call: SegmentIdentify | SegmentTrack | SegmentPage) -> str | None:
    group = call.context.get("groupId")
    if group is None and not isinstance(call, SegmentIdentify):
        group = call.properties.get("groupId")
    return _text(group) if not isinstance(group, int | float) else str(group)


_IDENTIFY_FIELDS = ("email", "name", "firstName", "lastName", "title", "role")


def _contact_of(call: SegmentIdentify) -> ContactUpsert:
    # RudderStack's SDKs send identify traits in `context.traits` only; Segment's spec allows
    # them there too. The top-level ones win.
    in_context = call.context.get("traits")
    traits = {**in_context, **call.traits} if isinstance(in_context, dict) else call.traits
    name = _text(traits.get("name")) or " ".join(
        p for p in (_text(traits.get("firstName")), _text(traits.get("lastName"))) if p
    )
    account = _account_of(call)
    return ContactUpsert.model_validate(
        {
            "external_id": call.contact_external_id,
            "email": _text(traits.get("email")),
            "name": name or None,
            "title": _text(traits.get("title")),
            "role": _text(traits.get("role")),
            "account_external_ids": [account] if account else [],
            "traits": {k: v for k, v in traits.items() if k not in _IDENTIFY_FIELDS} or None,
        }
    )


def occurred_at(
    call: SegmentTrack | SegmentPage, *, sent_at: datetime | None, received_at: datetime
) -> datetime:
    """When a call happened, by Segment's rule: its `timestamp`; else its `originalTimestamp`
    moved by the device clock's skew (`receivedAt - (sentAt - originalTimestamp)`, `sentAt`
    being the call's own or its batch's); else when it was received."""
    if call.timestamp is not None:
        return call.timestamp
    original = call.original_timestamp
    if original is None:
        return received_at
    sent = call.sent_at or sent_at
    if sent is None:
        return original
    try:
        return received_at - (sent - original)
    except OverflowError:  # a skew past datetime's range: the device's own time, as sent
        return original


def _event_of(
    call: SegmentTrack | SegmentPage, *, sent_at: datetime | None, now: datetime
) -> EventCreate:
    if isinstance(call, SegmentTrack):
        name = call.event
    else:
        label = "Screen" if call.type == "screen" else "Page"
        name = f"{label}: {call.name}" if call.name else label
    props = call.properties
    session_id = props.get("session_id", call.context.get("sessionId"))
    return EventCreate.model_validate(
        {
            "message_id": call.message_id or _derived_message_id(call),
            "name": name[:200],
            "feature": _text(props.get("feature")),
            "module": _text(props.get("module")),
            "contact_external_id": call.contact_external_id,
            "account_external_id": _account_of(call),
            "occurred_at": occurred_at(call, sent_at=sent_at, received_at=now),
            "session_id": str(session_id)[:200] if session_id is not None else None,
            "properties": props,
        }
    )


@dataclass
class _SegmentRun:
    """Consecutive calls without an alias among them, ready to store."""

    contacts: list[tuple[int, ContactUpsert]] = field(default_factory=list)
    memberships: list[_Membership] = field(default_factory=list)
    events: list[tuple[int, EventCreate]] = field(default_factory=list)


async def _store_run(
    repo: UsageRepository, run: _SegmentRun, tally: _Tally, *, tz: str, now: datetime
) -> None:
    # Contacts and memberships first, so the run's events link to them (and to the contact's
    # only account) as they are stored.
    await _store_contacts(repo, run.contacts, tally, tz=tz, memberships=run.memberships)
    await _store_events(repo, run.events, tally, tz=tz, now=now)


async def _segment(
    session: AsyncSession,
    actor: Actor,
    calls: Sequence[tuple[int, SegmentCall]],
    tally: _Tally,
    *,
    sent_at: datetime | None = None,
) -> SegmentResult:
    """Calls in the order sent: each alias applies after the calls before it and before the
    calls after it, so events sent under `previousId` ahead of an alias follow the contact."""
    repo, tz = await _context(session, actor)
    now = clock.now()
    run = _SegmentRun()
    for index, call in calls:
        if isinstance(call, SegmentAlias):
            await _store_run(repo, run, tally, tz=tz, now=now)
            run = _SegmentRun()
            if call.previous_id != call.contact_external_id:
                await repo.alias_contact(call.previous_id, call.contact_external_id, tz=tz)
            tally.stored += 1
            continue
        try:
            if isinstance(call, SegmentIdentify):
                run.contacts.append((index, _contact_of(call)))
            elif isinstance(call, SegmentGroup):
                # Kept for linking: Tenure never creates an account from a group call.
                run.contacts.append((index, ContactUpsert(external_id=call.contact_external_id)))
                run.memberships.append(
                    _Membership(call.contact_external_id, call.group_id, call.traits or None)
                )
            else:
                run.events.append((index, _event_of(call, sent_at=sent_at, now=now)))
        except ValidationError as exc:
            tally.reject(index, call.message_id, describe(exc))
    await _store_run(repo, run, tally, tz=tz, now=now)
    result = tally.result()
    return SegmentResult(accepted=result.accepted, rejected=result.rejected, errors=result.errors)


async def segment_call(session: AsyncSession, actor: Actor, call: SegmentCall) -> SegmentResult:
    """One Segment call (identify, group, track, page, screen or alias)."""
    return await _segment(session, actor, [(0, call)], _Tally())


async def segment_batch(session: AsyncSession, actor: Actor, body: bytes) -> SegmentResult:
    """A Segment `batch` body: each call handled as its single endpoint would."""
    require(actor, Permission.INGEST_DATA)
    parsed = parse_batch(
        body,
        envelope=SegmentBatch,
        key="batch",
        item=_segment_item,
        max_items=MAX_BATCH,
        id_of=id_field("messageId"),
    )
    # The batch's own context applies to each call that has none.
    shared = parsed.envelope.get("context") or {}
    calls = [
        (i, c.model_copy(update={"context": {**shared, **c.context}}) if shared else c)
        for i, c in parsed.items
    ]
    sent_at = parsed.envelope.get("sent_at")
    return await _segment(session, actor, calls, _Tally(errors=parsed.errors), sent_at=sent_at)


async def segment_message(session: AsyncSession, actor: Actor, body: bytes) -> SegmentResult:
    """Whatever one Segment URL receives: a `batch` body, or one call of any type."""
    require(actor, Permission.INGEST_DATA)
    try:
        data = pydantic_core.from_json(body)
    except ValueError as exc:
        # pydantic-core says where: "EOF while parsing a value at line 2 column 10".
        raise InvalidBatch(f"The body is not valid JSON: {exc}") from None
    if isinstance(data, dict) and "batch" in data:
        return await segment_batch(session, actor, body)
    try:
        call = _segment_item.validate_python(data)
    except ValidationError as exc:
        raise InvalidBatch(describe(exc)) from None
    return await segment_call(session, actor, call)


# Rollup


async def organisations_to_roll_up(session: AsyncSession) -> list[uuid.UUID]:
    """Organisations with pending days or with events and memberships still waiting for
    their account or contact (every organisation, not one actor's)."""
    stmt = union(
        select(UsagePendingDay.org_id),
        select(UsageEvent.org_id).where(UsageEvent.account_id.is_(None)),
        select(UsageEvent.org_id).where(UsageEvent.contact_id.is_(None)),
        select(ContactAccount.org_id).where(ContactAccount.account_id.is_(None)),
    )
    return list(await session.scalars(stmt))


# Days rolled up by one statement: the sort of their events stays within the rollup's work_mem.
SLICE_DAYS = 3


@dataclass(frozen=True)
class RollupPlan:
    """What one rollup recomputes: its days, cut into slices that can run one by one or side
    by side (each recomputes its own days, so slices are independent and idempotent)."""

    org_id: uuid.UUID
    tz: str
    timeout_minutes: int
    # The pending days taken and the days asked for; `days` adds the day after each.
    requested: list[date]
    days: list[date]
    slices: list[tuple[date, date]]


async def plan_roll_up(
    session: AsyncSession, org_id: uuid.UUID, *, days: Iterable[date] = ()
) -> RollupPlan:
    """Link late arrivals and take the pending days (with the day after each, whose first
    session may continue one from the evening before) plus `days`. Commit this before the
    slices run: events arriving meanwhile mark their days pending again for the next run."""
    repo = UsageRepository(session, org_id)
    org = await repo.organisation()
    await repo.link_late_arrivals(tz=org.time_zone)
    pending = await repo.take_pending_days()
    wanted = sorted(set(sessions.affected_days(pending)) | set(days))
    return RollupPlan(
        org_id=org_id,
        tz=org.time_zone,
        timeout_minutes=min(max(org.session_timeout_minutes, 1), MAX_TIMEOUT_MINUTES),
        requested=sorted(set(pending) | set(days)),
        days=wanted,
        slices=[
            part
            for first, last in sessions.day_runs(wanted)
            for part in sessions.slices(first, last, SLICE_DAYS)
        ],
    )


async def roll_up_slice(session: AsyncSession, plan: RollupPlan, first: date, last: date) -> None:
    """Recompute the sessions and daily rollups of the days first..last of the plan."""
    await UsageRepository(session, plan.org_id).roll_up_days(
        first, last, tz=plan.tz, timeout_minutes=plan.timeout_minutes
    )


async def finish_roll_up(session: AsyncSession, plan: RollupPlan) -> None:
    """After every slice: contacts' first and last seen times. Once, not per slice: slices
    side by side would update the same contacts in different orders."""
    repo = UsageRepository(session, plan.org_id)
    for first, last in sessions.day_runs(plan.days):
        await repo.mark_contacts_seen(first, last)


async def put_back(session: AsyncSession, plan: RollupPlan) -> None:
    """A rollup that failed: its days are pending again, for the next run."""
    await UsageRepository(session, plan.org_id).put_back_pending_days(plan.requested)


async def roll_up(
    session: AsyncSession, org_id: uuid.UUID, *, days: Iterable[date] = ()
) -> list[date]:
    """The whole rollup in one transaction, slice after slice (the job runs slices side by
    side instead); returns the days recomputed. Running it again changes nothing."""
    plan = await plan_roll_up(session, org_id, days=days)
    for first, last in plan.slices:
        await roll_up_slice(session, plan, first, last)
    await finish_roll_up(session, plan)
    return plan.days


# How far back changing the session timeout re-derives sessions: the longest range the Usage
# tab offers (the metrics read only the last 30 days). Older days keep the sessions of the
# timeout they were rolled up with, so the change costs a bounded rollup, not the history.
TIMEOUT_RECOMPUTE_DAYS = 90
ROLL_UP_JOB = "usage.roll_up"


def roll_up_job_id(org_id: uuid.UUID, now: datetime) -> str:
    """One rollup per organisation and quarter hour: requests within it collapse into one job
    (never two rollups of the same days at once)."""
    return f"usage-rollup:{org_id}:{now:%Y%m%d%H}{now.minute // 15}"


async def session_timeout_changed(
    session: AsyncSession, org_id: uuid.UUID, *, today: date, now: datetime
) -> int:
    """The organisation's session timeout changed: mark its rolled-up days of the last
    TIMEOUT_RECOMPUTE_DAYS (today included) pending, so the rollup re-derives their sessions
    with the new timeout, and ask for that rollup once this transaction commits. Returns the
    days marked."""
    repo = UsageRepository(session, org_id)
    first = today - timedelta(days=TIMEOUT_RECOMPUTE_DAYS - 1)
    marked = await repo.mark_rolled_up_days_pending(first, today)
    if marked:
        # If this quarter hour's rollup already ran, the next scheduled one takes the days.
        enqueue(session, ROLL_UP_JOB, job_id=roll_up_job_id(org_id, now), org_id=str(org_id))
    return marked


# Reads


def _visible(session: AsyncSession, actor: Actor) -> Select[uuid.UUID] | None:
    return None if actor.sees_all_accounts else accounts.visible_account_ids(session, actor)


async def get_visible_contact(
    session: AsyncSession, actor: Actor, contact_id: uuid.UUID
) -> Contact:
    """A contact of the organisation that the actor may see (through one of its accounts,
    unless they see every account); ContactNotFound otherwise."""
    contact = await UsageRepository(session, actor.org_id).get_contact(
        contact_id, visible=_visible(session, actor)
    )
    if contact is None:
        raise ContactNotFound()
    return contact


async def get_contact(session: AsyncSession, actor: Actor, contact_id: uuid.UUID) -> ContactDetail:
    """A contact the actor may see (through one of its accounts, unless they see all), its
    accounts and its newest events."""
    repo = UsageRepository(session, actor.org_id)
    visible = _visible(session, actor)
    contact = await repo.get_contact(contact_id, visible=visible)
    if contact is None:
        raise ContactNotFound()
    links = await repo.contact_accounts(contact.id, visible=visible)
    events = await repo.contact_events(contact.id, visible=visible, limit=RECENT_EVENTS)
    return ContactDetail(
        **ContactRead.model_validate(contact).model_dump(),
        accounts=[
            ContactAccountRead(account_external_id=ext, account_id=acc, account_name=name)
            for ext, acc, name in links
        ],
        recent_events=[EventRead.model_validate(e) for e in events],
    )


async def list_account_contacts(
    session: AsyncSession, actor: Actor, account_id: uuid.UUID, *, limit: int, offset: int
) -> Paged[Contact]:
    account = await accounts.get_account(session, actor, account_id)
    items, total = await UsageRepository(session, actor.org_id).page_account_contacts(
        account.id, limit=limit, offset=offset
    )
    return Paged(items=items, total=total, limit=limit, offset=offset)


async def list_account_group_traits(
    session: AsyncSession, actor: Actor, account_id: uuid.UUID, *, limit: int, offset: int
) -> Paged[GroupTraitsRead]:
    """The account traits that Segment `group` calls sent for a visible account, per contact
    that sent any."""
    account = await accounts.get_account(session, actor, account_id)
    rows, total = await UsageRepository(session, actor.org_id).page_account_group_traits(
        account.id, limit=limit, offset=offset
    )
    items = [
        GroupTraitsRead(contact_id=contact_id, contact_external_id=external_id, traits=traits)
        for contact_id, external_id, traits in rows
    ]
    return Paged(items=items, total=total, limit=limit, offset=offset)


async def _account_ids(
    session: AsyncSession, actor: Actor, account_id: uuid.UUID, *, rollup: bool
) -> list[uuid.UUID]:
    """The visible account; with `rollup`, it and every live descendant the actor may see
    (usage rolls up to ancestors)."""
    account = await accounts.get_account(session, actor, account_id)
    if not rollup:
        return [account.id]
    return await accounts.rollup_account_ids(session, actor, account.id)


async def list_account_events(
    session: AsyncSession,
    actor: Actor,
    account_id: uuid.UUID,
    *,
    rollup: bool = False,
    limit: int,
    offset: int,
) -> Paged[UsageEvent]:
    account_ids = await _account_ids(session, actor, account_id, rollup=rollup)
    items, total = await UsageRepository(session, actor.org_id).page_account_events(
        account_ids, limit=limit, offset=offset
    )
    return Paged(items=items, total=total, limit=limit, offset=offset)


async def _range(
    session: AsyncSession, org_id: uuid.UUID, since: date | None, until: date | None
) -> tuple[date, date]:
    until = until or await org_today(session, org_id)
    since = since or until - timedelta(days=DEFAULT_SERIES_DAYS - 1)
    if since > until:
        raise InvalidRange("`since` must not be after `until`")
    if (until - since).days >= MAX_SERIES_DAYS:
        raise InvalidRange(f"At most {MAX_SERIES_DAYS} days at a time")
    return since, until


async def account_usage(
    session: AsyncSession,
    actor: Actor,
    account_id: uuid.UUID,
    *,
    since: date | None = None,
    until: date | None = None,
    rollup: bool = False,
) -> UsageSeries:
    """Daily usage of an account from the rollups (the last 30 days by default); with
    `rollup`, of it and its visible descendants together (contacts counted once)."""
    account_ids = await _account_ids(session, actor, account_id, rollup=rollup)
    since, until = await _range(session, actor.org_id, since, until)
    repo = UsageRepository(session, actor.org_id)
    rows = await repo.usage_days(account_ids, since, until)
    days = [
        UsageDay(
            day=day,
            events=events,
            active_contacts=contacts,
            sessions=started,
            session_seconds=seconds,
        )
        for day in sessions.every_day(since, until)
        for events, contacts, started, seconds in [rows.get(day, (0, 0, 0, 0))]
    ]
    features = await repo.top_features(account_ids, since, until, limit=TOP_FEATURES)
    return UsageSeries(
        account_id=account_id,
        since=since,
        until=until,
        rollup=rollup,
        accounts=len(account_ids),
        days=days,
        events=sum(d.events for d in days),
        active_contacts=await repo.active_contacts(account_ids, since, until),
        sessions=sum(d.sessions for d in days),
        session_seconds=sum(d.session_seconds for d in days),
        top_features=[
            FeatureUsage(feature=feature, module=module or None, events=events)
            for feature, module, events in features
        ],
    )


async def account_feature_usage(
    session: AsyncSession,
    actor: Actor,
    account_id: uuid.UUID,
    *,
    since: date | None = None,
    until: date | None = None,
    rollup: bool = False,
) -> FeatureSeries:
    """The most used features of an account over a range (the last 30 days by default) and
    their events per day, or per week for ranges longer than 31 days; with `rollup`, of it
    and its visible descendants together."""
    account_ids = await _account_ids(session, actor, account_id, rollup=rollup)
    since, until = await _range(session, actor.org_id, since, until)
    interval = periods.interval_for(since, until)
    spans = periods.periods(since, until, interval)
    rows = await UsageRepository(session, actor.org_id).top_feature_days(
        account_ids, since, until, limit=TOP_FEATURES_OVER_TIME
    )
    by_feature: dict[tuple[str, str], tuple[int, dict[date, int]]] = {}
    for feature, module, total, day, events in rows:
        by_feature.setdefault((feature, module), (total, {}))[1][day] = events
    return FeatureSeries(
        account_id=account_id,
        since=since,
        until=until,
        rollup=rollup,
        interval=interval,
        features=[
            FeatureTrend(
                feature=feature,
                module=module or None,
                events=total,
                periods=[
                    FeaturePeriod(start=first, end=last, events=events)
                    for (first, last), events in zip(
                        spans, periods.per_period(daily, spans), strict=True
                    )
                ],
            )
            for (feature, module), (total, daily) in by_feature.items()
        ],
    )


# Webhooks carry the same batches as the API.


def _outcome(result: BatchResult) -> CallOutcome:
    return CallOutcome(
        accepted=result.accepted,
        rejected=result.rejected,
        errors=[ApiCallError.model_validate(e.model_dump()) for e in result.errors],
    )


@webhooks.handles("events.batch", EventBatch)
async def _events_webhook(session: AsyncSession, actor: Actor, data: Any) -> CallOutcome:
    return _outcome(await ingest_event_batch(session, actor, json.dumps(data).encode()))


@webhooks.handles("contacts.batch", ContactBatch)
async def _contacts_webhook(session: AsyncSession, actor: Actor, data: Any) -> CallOutcome:
    return _outcome(await upsert_contact_batch(session, actor, json.dumps(data).encode()))
