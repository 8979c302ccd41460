"""Use cases of the usage area: ingest contacts, events and Segment calls (partial acceptance,
idempotent by message id), roll usage up by day, and read it back for the SPA."""

import hashlib
import uuid
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field, replace
from datetime import date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pydantic_core
from pydantic import TypeAdapter, ValidationError
from sqlalchemy import Select
from sqlalchemy.ext.asyncio import AsyncSession

from domain.common import clock
from domain.common.batches import BatchOutcome, describe, read_batch, webhook_body
from domain.common.errors import InvalidBatch
from domain.common.jobs import enqueue
from domain.common.pagination import Paged
from domain.common.schemas import BatchResult
from domain.common.types import email_problem
from domain.freshness import changes
from domain.integration import webhooks
from domain.integration.schemas import IngestReceipt
from domain.tenancy import accounts
from domain.tenancy.clock import org_today, organisations_with_time_zones
from domain.usage import periods, sessions
from domain.usage.errors import ContactNotFound, InvalidItem, InvalidRange
from domain.usage.models import Contact
from domain.usage.repository import UsageRepository, all_organisations_to_roll_up
from domain.usage.schemas import (
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
    outcome: BatchOutcome,
    *,
    tz: str,
    now: datetime,
) -> set[str]:
    """Store the events new to Tenure; their message ids (a repeat is accepted, not stored)."""
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
            outcome.accepted += 1
            continue
        properties = _json_text(event.properties)
        if event.occurred_at > latest:
            outcome.reject(index, event.message_id, "occurred_at: more than a day in the future")
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
        return set()
    outcome.accepted += len(seen)
    return await repo.insert_events(columns, tz=tz, live_from=live_from(tz, now))


async def ingest_event(session: AsyncSession, actor: Actor, data: EventCreate) -> EventReceipt:
    """One event; a message id received before is acknowledged and not stored again."""
    repo, tz = await _context(session, actor)
    outcome = BatchOutcome()
    stored = await _store_events(repo, [(0, data)], outcome, tz=tz, now=clock.now())
    if outcome.errors:
        raise InvalidItem(outcome.errors[0].message)
    return EventReceipt(
        message_id=data.message_id,
        duplicate=data.message_id not in stored,
        change=await changes.issued(session),
    )


async def ingest_event_batch(session: AsyncSession, actor: Actor, body: bytes) -> BatchResult:
    """A JSON body `{"items": [...]}`: valid events are stored, invalid ones reported."""
    repo, tz = await _context(session, actor)
    batch = read_batch(body, EventBatch, _event_item, what="event", id_keys=("message_id",))
    outcome = batch.outcome()
    await _store_events(repo, batch.items, outcome, tz=tz, now=clock.now())
    return outcome.result()


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
    items: Sequence[tuple[int, ContactUpsert]],
    outcome: BatchOutcome,
    *,
    tz: str,
    memberships: Sequence[_Membership] = (),
) -> dict[str, uuid.UUID]:
    # Texts PostgreSQL cannot store were refused where the request was read (api/middleware.py
    # for a whole request, domain/common/batches.py for one record of a batch).
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
    outcome.accepted += len(valid)
    for index, contact in items:
        outcome.stored(index, contact.external_id, ids[contact.external_id])
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
    ids = await _store_contacts(repo, [(0, data)], BatchOutcome(), tz=tz)
    return IngestReceipt(
        change=await changes.issued(session),
        id=ids[data.external_id],
        external_id=data.external_id,
        status="updated" if existed else "created",
    )


async def upsert_contact_batch(session: AsyncSession, actor: Actor, body: bytes) -> BatchResult:
    """A JSON body `{"items": [...]}`: valid contacts are upserted, invalid ones reported."""
    repo, tz = await _context(session, actor)
    batch = read_batch(body, ContactBatch, _contact_item, what="contact", id_keys=("external_id",))
    outcome = batch.outcome()
    await _store_contacts(repo, batch.items, outcome, tz=tz)
    return outcome.result()


# Segment


def _text(value: Any) -> str | None:
    return value.strip()[:200] or None if isinstance(value, str) else None


def _email(value: Any) -> str | None:
    # A trait that is not an email address is left out, as one that is not a text is: the
    # call's other traits are stored, and the contact keeps the email it had.
    text = value.strip() if isinstance(value, str) else ""
    return text if text and email_problem(text) is None else None


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
    if isinstance(group, bool):  # an int to Python, never an account's id
        return None
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
            "email": _email(traits.get("email")),
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
    repo: UsageRepository, run: _SegmentRun, outcome: BatchOutcome, *, tz: str, now: datetime
) -> None:
    # An identify or group call under an id an earlier alias retired is its contact's, as an
    # event under it is: a retried batch that identifies `previousId` before aliasing it must
    # not bring back the contact the alias merged away.
    former = await repo.aliased(
        {c.external_id for _, c in run.contacts} | {m.contact_external_id for m in run.memberships}
    )
    contacts = [
        (i, c.model_copy(update={"external_id": former[c.external_id]}))
        if c.external_id in former
        else (i, c)
        for i, c in run.contacts
    ]
    memberships = [
        replace(m, contact_external_id=former.get(m.contact_external_id, m.contact_external_id))
        for m in run.memberships
    ]
    # Contacts and memberships first, so the run's events link to them (and to the contact's
    # only account) as they are stored.
    await _store_contacts(repo, contacts, outcome, tz=tz, memberships=memberships)
    await _store_events(repo, run.events, outcome, tz=tz, now=now)


async def _segment(
    session: AsyncSession,
    actor: Actor,
    calls: Sequence[tuple[int, SegmentCall]],
    outcome: BatchOutcome,
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
            await _store_run(repo, run, outcome, tz=tz, now=now)
            run = _SegmentRun()
            if call.previous_id != call.contact_external_id:
                await repo.alias_contact(call.previous_id, call.contact_external_id, tz=tz)
            outcome.accepted += 1
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
            outcome.reject(index, call.message_id, describe(exc, call.type))
    await _store_run(repo, run, outcome, tz=tz, now=now)
    return SegmentResult(**outcome.result().model_dump())


async def segment_call(session: AsyncSession, actor: Actor, call: SegmentCall) -> SegmentResult:
    """One Segment call (identify, group, track, page, screen or alias)."""
    return await _segment(session, actor, [(0, call)], BatchOutcome())


async def segment_batch(session: AsyncSession, actor: Actor, body: bytes) -> SegmentResult:
    """A Segment `batch` body: each call handled as its single endpoint would."""
    require(actor, Permission.INGEST_DATA)
    batch = read_batch(
        body,
        SegmentBatch,
        _segment_item,
        what="call",
        id_keys=("messageId",),
        key="batch",
        may_be_empty=True,
    )
    # The batch's own context applies to each call that has none.
    shared = batch.envelope.get("context") or {}
    calls = [
        (i, c.model_copy(update={"context": {**shared, **c.context}}) if shared else c)
        for i, c in batch.items
    ]
    sent_at = batch.envelope.get("sent_at")
    return await _segment(session, actor, calls, batch.outcome(), sent_at=sent_at)


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
        raise InvalidBatch(describe(exc, "call")) from None
    return await segment_call(session, actor, call)


# Rollup


# Each organisation's whole day is rolled up again in the first quarter of this local hour,
# before the day's snapshot (the metrics refresh at :40): the live chain keeps the day's
# rollups current, this recomputes them from every event, the source of truth.
FULL_ROLLUP_LOCAL_HOUR = 23


async def rollups_due(session: AsyncSession, now: datetime) -> dict[uuid.UUID, list[date]]:
    """Every quarter hour, across organisations: those with pending days or with events and
    memberships still waiting for their account or contact, and those whose day ends, with
    that day to recompute whole."""
    due: dict[uuid.UUID, list[date]] = {
        org_id: [] for org_id in await all_organisations_to_roll_up(session)
    }
    for org_id, time_zone in await organisations_with_time_zones(session):
        local = now.astimezone(ZoneInfo(time_zone))
        if local.hour == FULL_ROLLUP_LOCAL_HOUR and local.minute < 15:
            due.setdefault(org_id, []).append(local.date())
    return due


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
    """Recompute the sessions and daily rollups of the days first..last of the plan (days
    the live chain rolls up too: while its batches wait)."""
    repo = UsageRepository(session, plan.org_id)
    if last >= clock.today_in(plan.tz, clock.now()) - timedelta(days=LIVE_ROLLUP_DAYS):
        await repo.lock_live_days(alone=True)
    await repo.roll_up_days(first, last, tz=plan.tz, timeout_minutes=plan.timeout_minutes)


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


# The oldest day the live chain rolls up for a changed account: the metrics read 30 days.
# An older day's change waits for the organisation's quarter-hourly rollup (its day is pending).
LIVE_ROLLUP_DAYS = 31


def live_from(tz: str, now: datetime) -> date:
    """The first day of the live chain's window a new event can count on: a day later than
    the chain's oldest, in case midnight passes before the chain takes the account."""
    return clock.today_in(tz, now) - timedelta(days=LIVE_ROLLUP_DAYS - 2)


def live_days(usage_from: dict[uuid.UUID, date], today: date) -> list[tuple[date, list[uuid.UUID]]]:
    """The live chain's days for each account: from its earliest changed one (at most
    LIVE_ROLLUP_DAYS back) through today. Two groups at most, each rolled up together: the
    accounts whose changes are all of today (the usual case: one day each), and the others
    from the earliest of their days. (first day, accounts), in that order."""
    oldest = today - timedelta(days=LIVE_ROLLUP_DAYS - 1)
    earlier = [first for first in usage_from.values() if first < today]
    backfill_from = max(min(earlier), oldest) if earlier else today
    by_first: dict[date, list[uuid.UUID]] = {}
    for account_id, first in usage_from.items():
        by_first.setdefault(today if first >= today else backfill_from, []).append(account_id)
    return [(first, sorted(account_ids)) for first, account_ids in sorted(by_first.items())]


async def roll_up_accounts(
    session: AsyncSession,
    org_id: uuid.UUID,
    usage_from: dict[uuid.UUID, date],
    today: date,
    *,
    rebuild: frozenset[uuid.UUID] = frozenset(),
) -> int:
    """The live chain's rollup of the `live_days` of these accounts: those changed today
    only from the events added since their day's last (`rebuild`: recomputed whole).
    Returns how many."""
    repo = UsageRepository(session, org_id)
    org = await repo.organisation()
    timeout = min(max(org.session_timeout_minutes, 1), MAX_TIMEOUT_MINUTES)
    await repo.lock_live_days(alone=False)
    for first, account_ids in live_days(usage_from, today):
        if first == today:
            await repo.roll_up_accounts_today(
                account_ids, today, rebuild=rebuild, tz=org.time_zone, timeout_minutes=timeout
            )
        else:
            await repo.roll_up_accounts(
                account_ids, first, today, tz=org.time_zone, timeout_minutes=timeout
            )
    return len(usage_from)


async def mark_accounts_contacts_seen(
    session: AsyncSession, org_id: uuid.UUID, usage_from: dict[uuid.UUID, date], today: date
) -> None:
    """After `roll_up_accounts`: their contacts' first and last seen times from those days.
    It locks the contacts (as ingestion's contact upserts do), so the chain runs it last,
    right before its commit."""
    repo = UsageRepository(session, org_id)
    for first, account_ids in live_days(usage_from, today):
        await repo.mark_accounts_contacts_seen(account_ids, first, today)


# How far back changing the session timeout re-derives sessions: the longest range the Usage
# tab offers (the metrics read only the last 30 days). Older days keep the sessions of the
# timeout they were rolled up with, so the change costs a bounded rollup, not the history.
TIMEOUT_RECOMPUTE_DAYS = 90
ROLL_UP_JOB = "usage.roll_up"


def roll_up_job_id(org_id: uuid.UUID, now: datetime) -> str:
    """One rollup per organisation and quarter hour: requests within it collapse into one job
    (never two rollups of the same days at once)."""
    return f"usage-rollup:{org_id}:{now:%Y%m%d%H}{now.minute // 15}"


async def _re_derive(
    session: AsyncSession, org_id: uuid.UUID, first: date, last: date, *, now: datetime, near: int
) -> int:
    """Mark the rolled-up days of first..last (or within `near` days of one) pending and ask
    for their rollup once this transaction commits; how many days were marked."""
    marked = await UsageRepository(session, org_id).mark_rolled_up_days_pending(
        first, last, near=near
    )
    if marked:
        # If this quarter hour's rollup already ran, the next scheduled one takes the days.
        enqueue(session, ROLL_UP_JOB, job_id=roll_up_job_id(org_id, now), org_id=str(org_id))
    return marked


async def session_timeout_changed(
    session: AsyncSession, org_id: uuid.UUID, *, today: date, now: datetime
) -> int:
    """The organisation's session timeout changed: mark its rolled-up days of the last
    TIMEOUT_RECOMPUTE_DAYS (today included) pending, so the rollup re-derives their sessions
    with the new timeout, and ask for that rollup once this transaction commits. Returns the
    days marked."""
    first = today - timedelta(days=TIMEOUT_RECOMPUTE_DAYS - 1)
    return await _re_derive(session, org_id, first, today, now=now, near=0)


# A day of one zone overlaps days of another at most this far apart (offsets span UTC-12 to
# UTC+14), and events may be dated up to a day ahead.
_ZONE_SHIFT_DAYS = 2


async def time_zone_changed(
    session: AsyncSession, org_id: uuid.UUID, *, before: str, after: str, now: datetime
) -> date:
    """The organisation's time zone changed: its days of the last TIMEOUT_RECOMPUTE_DAYS are
    re-derived in the new zone, as for a timeout change. The rolled-up and pending days are
    in the old zone's terms, so every day near one is marked: the rollup then rewrites each
    whole day in the new zone's terms (and drops what no longer falls on it). Older days keep
    the old zone's days. Returns the first day re-derived."""
    today = max(clock.today_in(before, now), clock.today_in(after, now))
    first = min(clock.today_in(before, now), clock.today_in(after, now)) - timedelta(
        days=TIMEOUT_RECOMPUTE_DAYS - 1
    )
    last = today + timedelta(days=_ZONE_SHIFT_DAYS)
    await _re_derive(session, org_id, first, last, now=now, near=_ZONE_SHIFT_DAYS)
    return first


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
        recent_events=[EventRead.named(e.event, e.contact_name, e.account_name) for e in events],
    )


async def list_account_contacts(
    session: AsyncSession, actor: Actor, account_id: uuid.UUID, *, limit: int, offset: int
) -> Paged[Contact]:
    await accounts.check_visible(session, actor, account_id)
    items, total = await UsageRepository(session, actor.org_id).page_account_contacts(
        account_id, limit=limit, offset=offset
    )
    return Paged(items=items, total=total, limit=limit, offset=offset)


async def list_account_group_traits(
    session: AsyncSession, actor: Actor, account_id: uuid.UUID, *, limit: int, offset: int
) -> Paged[GroupTraitsRead]:
    """The account traits that Segment `group` calls sent for a visible account, per contact
    that sent any."""
    await accounts.check_visible(session, actor, account_id)
    rows, total = await UsageRepository(session, actor.org_id).page_account_group_traits(
        account_id, limit=limit, offset=offset
    )
    items = [
        GroupTraitsRead(contact_id=contact_id, contact_external_id=external_id, traits=traits)
        for contact_id, external_id, traits in rows
    ]
    return Paged(items=items, total=total, limit=limit, offset=offset)


async def list_account_events(
    session: AsyncSession,
    actor: Actor,
    account_id: uuid.UUID,
    *,
    rollup: bool = False,
    limit: int,
    offset: int,
) -> Paged[EventRead]:
    account_ids = await accounts.listed_account_ids(session, actor, account_id, rollup=rollup)
    events, total = await UsageRepository(session, actor.org_id).page_account_events(
        account_ids, limit=limit, offset=offset
    )
    items = [EventRead.named(e.event, e.contact_name, e.account_name) for e in events]
    return Paged(items=items, total=total, limit=limit, offset=offset)


async def _range(
    session: AsyncSession, org_id: uuid.UUID, since: date | None, until: date | None
) -> tuple[date, date]:
    asked_until = until
    until = until or await org_today(session, org_id)
    since = since or until - timedelta(days=DEFAULT_SERIES_DAYS - 1)
    if since > until:
        raise InvalidRange(
            "`since` must not be after `until`"
            if asked_until is not None
            else "`since` must not be after today (the organisation's), where `until` defaults to"
        )
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
    account_ids = await accounts.listed_account_ids(session, actor, account_id, rollup=rollup)
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
    account_ids = await accounts.listed_account_ids(session, actor, account_id, rollup=rollup)
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


@webhooks.handles("events.batch", EventBatch)
async def _events_webhook(session: AsyncSession, actor: Actor, data: Any) -> BatchResult:
    return await ingest_event_batch(session, actor, webhook_body(data))


@webhooks.handles("contacts.batch", ContactBatch)
async def _contacts_webhook(session: AsyncSession, actor: Actor, data: Any) -> BatchResult:
    return await upsert_contact_batch(session, actor, webhook_body(data))
