import functools
import uuid
from collections.abc import Callable, Collection
from datetime import datetime
from typing import Any

from sqlalchemy import (
    ARRAY,
    TIMESTAMP,
    Executable,
    Integer,
    Row,
    Select,
    Table,
    Text,
    Uuid,
    all_,
    and_,
    any_,
    bindparam,
    case,
    cast,
    func,
    literal,
    null,
    or_,
    select,
    text,
    tuple_,
    union_all,
)
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession

from domain.accounts.models import (
    Account,
    ChurnEvent,
    CsmAssignmentPeriod,
    CsmScoreEntry,
    NpsResponse,
    StagePeriod,
    StatusUpdate,
)
from domain.alerts.models import Alert, AlertRule
from domain.audit.repository import entry_of_written
from domain.common import clock
from domain.common.bulk_sql import among, table_of
from domain.common.db import CompiledByShape
from domain.interactions.models import Interaction, InteractionType, Note, Ticket
from domain.interactions.schemas import TimelineKind
from domain.orgs.models import Organisation
from domain.tasks.models import Task
from domain.tenancy.accounts import scope_values, visible_account_bound
from domain.tenancy.actor import Actor
from domain.users.models import User

# How many of the newest interactions and of the newest notes a listing without words shows
# and counts; a search with words ranks and counts every match.
SEARCH_CANDIDATES = 1000
# Marks around matches in ts_headline output; the service escapes the text, then turns them
# into <mark> tags, so a stored "<script>" can never reach a consumer as markup.
HIT_START = "\x01"
HIT_END = "\x02"
_HEADLINE_OPTIONS = (
    f"StartSel={HIT_START}, StopSel={HIT_END}, MaxWords=35, MinWords=15, MaxFragments=2"
)
# The tags that end a block of a note's text (paragraphs, list items, line breaks...).
_BLOCK_TAGS = r"</?(p|div|li|ul|ol|br|hr|h[1-6]|blockquote|pre|table|tr|td|th)(\s[^>]*)?/?>"


def _note_text(body: Any) -> Any:
    """A note's HTML as text: a block's tags become a space, the others (bold, a link) vanish,
    so "in <b>October</b>;" reads "in October;" and two list items do not run together."""
    return func.regexp_replace(
        func.regexp_replace(body, _BLOCK_TAGS, " ", "gi"), "<[^>]+>", "", "g"
    )


class InteractionRepository:
    """Interactions, notes and tickets of one organisation, and only on the accounts in
    `visible` (the caller's live, visible accounts)."""

    def __init__(
        self, session: AsyncSession, org_id: uuid.UUID, visible: Select[uuid.UUID]
    ) -> None:
        self.session = session
        self.org_id = org_id
        self.visible = visible

    async def add_on_visible_account(
        self, record: Interaction | Note | Ticket, actor: Actor, audit_entry: dict[str, Any]
    ) -> tuple[datetime, datetime] | None:
        """A new record, written with its audit entry (`entry_of_written_values`) in one
        statement only if its account is live and visible to `actor`: the timestamps the
        database gave it, or None when nothing was written. Checked apart, the account was a
        round trip of its own, and each waits its turn for the cores again under load."""
        table = table_of(type(record))
        # Every column the database does not fill itself (timestamps, search vectors).
        keys = tuple(c.key for c in table.c if c.server_default is None)
        row = (
            await self.session.execute(
                _added_on_visible_account(table, keys, actor.sees_all_accounts),
                {
                    **{f"record_{key}": getattr(record, key) for key in keys},
                    **scope_values(actor),
                    **audit_entry,
                },
            )
        ).one_or_none()
        return None if row is None else (row.created_at, row.updated_at)

    async def get_interaction(self, interaction_id: uuid.UUID) -> Interaction | None:
        return await self.session.scalar(
            select(Interaction).where(
                Interaction.org_id == self.org_id,
                Interaction.id == interaction_id,
                Interaction.account_id.in_(self.visible),
            )
        )

    async def page_interactions(
        self,
        account_ids: list[uuid.UUID],
        *,
        type: InteractionType | None,
        limit: int,
        offset: int,
    ) -> tuple[list[Row[Interaction, str]], int]:
        """The interactions of these accounts, each with its account's name."""
        stmt = select(Interaction).where(
            Interaction.org_id == self.org_id, among(Interaction.account_id, account_ids)
        )
        if type:
            stmt = stmt.where(Interaction.type == type)
        total = await self.session.scalar(select(func.count()).select_from(stmt.subquery()))
        rows = await self.session.execute(
            stmt.add_columns(Account.name)
            .join(Account, Account.id == Interaction.account_id)
            .order_by(Interaction.occurred_at.desc(), Interaction.id.desc())
            .limit(limit)
            .offset(offset)
        )
        return list(rows.all()), total or 0

    async def get_note(self, note_id: uuid.UUID) -> Note | None:
        return await self.session.scalar(
            select(Note).where(
                Note.org_id == self.org_id, Note.id == note_id, Note.account_id.in_(self.visible)
            )
        )

    async def page_notes(
        self, account_ids: list[uuid.UUID], *, limit: int, offset: int
    ) -> tuple[list[Row[Note, str]], int]:
        """The notes of these accounts, each with its account's name."""
        stmt = select(Note).where(Note.org_id == self.org_id, among(Note.account_id, account_ids))
        total = await self.session.scalar(select(func.count()).select_from(stmt.subquery()))
        rows = await self.session.execute(
            stmt.add_columns(Account.name)
            .join(Account, Account.id == Note.account_id)
            .order_by(Note.is_pinned.desc(), Note.created_at.desc(), Note.id.desc())
            .limit(limit)
            .offset(offset)
        )
        return list(rows.all()), total or 0

    async def get_ticket(self, ticket_id: uuid.UUID) -> Ticket | None:
        return await self.session.scalar(
            select(Ticket).where(
                Ticket.org_id == self.org_id,
                Ticket.id == ticket_id,
                Ticket.account_id.in_(self.visible),
            )
        )

    async def page_tickets(
        self, account_ids: list[uuid.UUID], *, limit: int, offset: int
    ) -> tuple[list[Row[Ticket, str]], int]:
        """The tickets of these accounts, each with its account's name."""
        stmt = select(Ticket).where(
            Ticket.org_id == self.org_id, among(Ticket.account_id, account_ids)
        )
        total = await self.session.scalar(select(func.count()).select_from(stmt.subquery()))
        rows = await self.session.execute(
            stmt.add_columns(Account.name)
            .join(Account, Account.id == Ticket.account_id)
            .order_by(Ticket.opened_at.desc(), Ticket.id.desc())
            .limit(limit)
            .offset(offset)
        )
        return list(rows.all()), total or 0

    async def interaction_external_id_taken(self, source: str, external_id: str) -> bool:
        # The whole organisation, not just what the caller may see: the unique index is.
        stmt = select(Interaction.id).where(
            Interaction.org_id == self.org_id,
            Interaction.source == source,
            Interaction.external_id == external_id,
        )
        return (await self.session.scalar(stmt)) is not None

    async def ticket_external_id_taken(
        self, source: str, external_id: str, *, except_id: uuid.UUID | None
    ) -> bool:
        # The whole organisation, not just what the caller may see: the unique index is.
        stmt = select(Ticket.id).where(
            Ticket.org_id == self.org_id,
            Ticket.source == source,
            Ticket.external_id == external_id,
        )
        if except_id:
            stmt = stmt.where(Ticket.id != except_id)
        return (await self.session.scalar(stmt)) is not None

    async def team_user_ids_among(self, user_ids: list[uuid.UUID]) -> set[uuid.UUID]:
        """Which of these ids are users of this organisation (any status: history keeps
        deactivated colleagues)."""
        rows = await self.session.scalars(
            select(User.id).where(User.org_id == self.org_id, User.id.in_(user_ids))
        )
        return set(rows)

    _searches = CompiledByShape()

    async def search(
        self,
        *,
        q: str | None,
        type: InteractionType | None,
        account_id: uuid.UUID | None,
        author_id: uuid.UUID | None,
        since: datetime | None,
        until: datetime | None,
        limit: int,
        offset: int,
        visible_ids: list[uuid.UUID] | None = None,
        deleted_ids: list[uuid.UUID] | None = None,
    ) -> tuple[list[dict[str, Any]], int]:
        """Interactions and notes in one ranked list; notes count as type `note`.
        `visible_ids`, when given, are the visible accounts as a list (see
        `VisibleAccounts.visible_id_list`); `deleted_ids`, the organisation's deleted accounts
        for a caller who sees all the others (`VisibleAccounts.deleted_id_list`): the same
        scope either way, a faster plan. With either, the statement is compiled once per
        shape (building it was a third of the search's CPU in the API)."""
        scope = (
            "visible" if visible_ids is not None else "deleted" if deleted_ids is not None else None
        )
        shape = (
            scope, q is not None, type is None, type == InteractionType.NOTE,
            *(v is not None for v in (account_id, author_id, since, until)),
        )  # fmt: skip
        values = {
            "org_id": self.org_id,
            "q": q,
            "type": type.value if type else None,
            "visible_ids": visible_ids,
            "deleted_ids": deleted_ids,
            "account_id": account_id,
            "author_id": author_id,
            "since": since,
            "until": until,
            "limit": limit,
            "offset": offset,
            "candidates": SEARCH_CANDIDATES,
        }

        def build(counted: bool) -> Callable[[], Select[Any]]:
            return lambda: self._search_statement(
                scope, q is not None, type, counted=counted,
                **{k: values[k] is not None for k in ("account_id", "author_id", "since", "until")},
            )  # fmt: skip

        found = await self._run_search(shape, build(False), values)
        if found or offset == 0:
            return found, found[0]["total"] if found else 0
        # A page past the end has no row to carry the total.
        counted = await self._run_search((*shape, "count"), build(True), values)
        return found, counted[0]["total"]

    async def _run_search(
        self, shape: tuple[Any, ...], build: Callable[[], Select[Any]], values: dict[str, Any]
    ) -> list[dict[str, Any]]:
        if shape[0] is not None:
            await self.session.flush()
            return await self._searches.run(self.session, shape, build, values)
        # Scoped by a subquery that carries the actor's ids: not compiled for later runs.
        rows = await self.session.execute(build(), values)
        return [dict(row._mapping) for row in rows]

    def _search_statement(
        self,
        scope: str | None,
        has_words: bool,
        type: InteractionType | None,
        *,
        counted: bool,
        account_id: bool,
        author_id: bool,
        since: bool,
        until: bool,
    ) -> Select[Any]:
        """The search's statement for one shape, every value a named parameter: `scope`
        `visible` (`visible_ids`), `deleted` (`deleted_ids`) or None (the repository's
        visible subquery); `counted`, the count of all matches instead of a page."""
        query = func.websearch_to_tsquery("english", bindparam("q", type_=Text))
        # One parameter for both branches: an id list is sent to the server once.
        if scope == "visible":
            visible = bindparam("visible_ids", type_=ARRAY(Uuid))
        elif scope == "deleted":
            deleted = bindparam("deleted_ids", type_=ARRAY(Uuid))
        org_id = bindparam("org_id", type_=Uuid)

        def scoped(account_id: Any) -> Any:
            if scope == "visible":
                return account_id == any_(visible)
            if scope == "deleted":
                # Not a join with every live account: hashing 100k of them cost more than
                # ranking a rare word's matches.
                return account_id != all_(deleted)
            return account_id.in_(self.visible)

        def branch(kind: str, model: Any, type_: Any, occurred_at: Any) -> Select[Any]:
            # `model` is Interaction or Note. Only what ranking and counting need: every
            # match goes through the count and the sort; texts are read for the page alone.
            stmt = select(
                literal(kind, Text).label("kind"),
                model.id.label("id"),
                model.account_id.label("account_id"),
                type_.label("type"),
                occurred_at.label("occurred_at"),
                model.author_id.label("author_id"),
                (func.ts_rank(model.search, query) if has_words else literal(0.0)).label("rank"),
            ).where(model.org_id == org_id, scoped(model.account_id))
            if account_id:
                stmt = stmt.where(model.account_id == bindparam("account_id", type_=Uuid))
            if author_id:
                stmt = stmt.where(model.author_id == bindparam("author_id", type_=Uuid))
            if since:
                stmt = stmt.where(occurred_at >= bindparam("since", type_=TIMESTAMP(timezone=True)))
            if until:
                stmt = stmt.where(occurred_at < bindparam("until", type_=TIMESTAMP(timezone=True)))
            if has_words:
                # Every match is ranked and counted, so the best can be years old: the text
                # index and a CSM's visible accounts intersect as bitmaps first.
                return stmt.where(model.search.bool_op("@@")(query))
            # Without words the list is newest first: it reads the newest rows of the date
            # index, and the count stops at the cap instead of reading all of history.
            return stmt.order_by(occurred_at.desc()).limit(bindparam("candidates", type_=Integer))

        interactions = branch("interaction", Interaction, Interaction.type, Interaction.occurred_at)
        if type:
            interactions = interactions.where(Interaction.type == bindparam("type", type_=Text))
        branches = [interactions]
        if type in (None, InteractionType.NOTE):
            note_type = literal(InteractionType.NOTE.value, Text)
            branches.append(branch("note", Note, note_type, Note.created_at))
        results = union_all(*branches).subquery("results")
        if counted:
            return select(func.count().label("total")).select_from(results)

        def ordered(rows: Any) -> list[Any]:
            order = [rows.c.occurred_at.desc(), rows.c.id]
            return [rows.c.rank.desc(), *order] if has_words else order

        page = (
            # Counted in the same pass: a second query would search all over again.
            select(results, func.count().over().label("total"))
            .order_by(*ordered(results))
            .limit(bindparam("limit", type_=Integer))
            .offset(bindparam("offset", type_=Integer))
            .subquery("page")
        )
        text = case(
            # Tags are not words: headlines are made from the note's text.
            (page.c.kind == "note", _note_text(Note.body)),
            else_=func.concat_ws(" ", Interaction.subject, Interaction.body, Interaction.outcome),
        )
        snippet = (
            func.ts_headline("english", text, query, _HEADLINE_OPTIONS)
            if has_words
            else func.left(text, 300)
        )
        return (
            select(
                page.c.kind,
                page.c.id,
                page.c.account_id,
                Account.name.label("account_name"),
                page.c.type,
                page.c.occurred_at,
                page.c.author_id,
                User.full_name.label("author_name"),
                Interaction.subject,
                snippet.label("headline"),
                page.c.rank,
                page.c.total,
            )
            .select_from(page)
            .join(Account, Account.id == page.c.account_id)
            .outerjoin(Interaction, and_(page.c.kind == "interaction", Interaction.id == page.c.id))
            .outerjoin(Note, and_(page.c.kind == "note", Note.id == page.c.id))
            .outerjoin(User, and_(User.id == page.c.author_id, User.org_id == org_id))
            .order_by(*ordered(page))
        )


# --- the timeline: every kind of an account's history in one UNION ALL, sorted and paged by
# the database, so a page costs the same however long the history is.

_TIMELINE_DETAIL_CHARS = 2000


def _timeline_item(
    kind: TimelineKind, model: Any, occurred_at: Any, title: Any, detail: Any, author_id: Any
) -> Select[Any]:
    return select(
        literal(kind.value, Text).label("kind"),
        model.id.label("id"),
        occurred_at.label("occurred_at"),
        cast(title, Text).label("title"),
        cast(detail, Text).label("detail"),
        cast(author_id, Uuid).label("author_id"),
        model.account_id.label("account_id"),
    )


def _user_name(user_id: Any) -> Any:
    return select(User.full_name).where(User.id == user_id).correlate_except(User).scalar_subquery()


def _task_owner_and_due() -> Any:
    return func.concat_ws(
        " · ",
        func.coalesce("Owner: " + _user_name(Task.owner_id), "No owner"),
        # As the SPA writes a day ("Dec 20, 2026"): the detail is shown as it is.
        "Due " + func.to_char(Task.due_on, "Mon FMDD, YYYY"),
    )


# The timeline's values, bound by name: its SQL is compiled once for each choice of kinds.
_TIMELINE_ORG = bindparam("org_id", type_=Uuid())
_TIMELINE_ACCOUNTS = bindparam("account_ids", type_=ARRAY(Uuid()))


def _timeline_branches() -> dict[TimelineKind, Callable[[], Any]]:
    def of(model: Any) -> Any:
        return (model.org_id == _TIMELINE_ORG) & (model.account_id == any_(_TIMELINE_ACCOUNTS))

    # Churn dates are days in the organisation's time zone: midnight there.
    org_tz = (
        select(Organisation.time_zone).where(Organisation.id == _TIMELINE_ORG).scalar_subquery()
    )

    def day_start(day: Any) -> Any:
        return func.timezone(org_tz, cast(day, TIMESTAMP(timezone=False)))

    return {
        TimelineKind.INTERACTION: lambda: _timeline_item(
            TimelineKind.INTERACTION,
            Interaction,
            Interaction.occurred_at,
            func.coalesce(Interaction.subject, func.initcap(Interaction.type)),
            func.left(func.coalesce(Interaction.outcome, Interaction.body), _TIMELINE_DETAIL_CHARS),
            Interaction.author_id,
        ).where(of(Interaction)),
        TimelineKind.NOTE: lambda: _timeline_item(
            TimelineKind.NOTE,
            Note,
            Note.created_at,
            literal("Note"),
            Note.body,
            Note.author_id,
        ).where(of(Note)),
        TimelineKind.TICKET: lambda: _timeline_item(
            TimelineKind.TICKET,
            Ticket,
            Ticket.opened_at,
            "Ticket opened: " + Ticket.subject,
            Ticket.priority + " priority, " + Ticket.status,
            null(),
        ).where(of(Ticket)),
        # Only the ticket's current close: a reopened ticket has no closed_at (tickets keep
        # no status history), and help desks do not say who closed it.
        TimelineKind.TICKET_CLOSED: lambda: _timeline_item(
            TimelineKind.TICKET_CLOSED,
            Ticket,
            Ticket.closed_at,
            "Ticket " + Ticket.status + ": " + Ticket.subject,
            Ticket.priority + " priority",
            null(),
        ).where(of(Ticket), Ticket.closed_at.is_not(None)),
        TimelineKind.STATUS_UPDATE: lambda: _timeline_item(
            TimelineKind.STATUS_UPDATE,
            StatusUpdate,
            StatusUpdate.posted_at,
            StatusUpdate.title,
            StatusUpdate.details,
            StatusUpdate.changed_by_id,
        ).where(of(StatusUpdate)),
        TimelineKind.STAGE_CHANGE: lambda: _timeline_item(
            TimelineKind.STAGE_CHANGE,
            StagePeriod,
            StagePeriod.entered_at,
            "Stage: " + StagePeriod.stage_name,
            null(),
            StagePeriod.changed_by_id,
        ).where(of(StagePeriod)),
        TimelineKind.CSM_ASSIGNED: lambda: _timeline_item(
            TimelineKind.CSM_ASSIGNED,
            CsmAssignmentPeriod,
            CsmAssignmentPeriod.assigned_at,
            "CSM assigned: " + func.coalesce(_user_name(CsmAssignmentPeriod.user_id), "a user"),
            null(),
            CsmAssignmentPeriod.changed_by_id,
        ).where(of(CsmAssignmentPeriod)),
        TimelineKind.CSM_UNASSIGNED: lambda: _timeline_item(
            TimelineKind.CSM_UNASSIGNED,
            CsmAssignmentPeriod,
            CsmAssignmentPeriod.unassigned_at,
            "CSM unassigned: " + func.coalesce(_user_name(CsmAssignmentPeriod.user_id), "a user"),
            null(),
            CsmAssignmentPeriod.changed_by_id,
        ).where(of(CsmAssignmentPeriod), CsmAssignmentPeriod.unassigned_at.is_not(None)),
        TimelineKind.CSM_SCORE: lambda: _timeline_item(
            TimelineKind.CSM_SCORE,
            CsmScoreEntry,
            CsmScoreEntry.recorded_at,
            "CSM score: " + cast(CsmScoreEntry.score, Text),
            null(),
            CsmScoreEntry.changed_by_id,
        ).where(of(CsmScoreEntry)),
        TimelineKind.NPS_RESPONSE: lambda: _timeline_item(
            TimelineKind.NPS_RESPONSE,
            NpsResponse,
            NpsResponse.responded_at,
            "NPS: " + cast(NpsResponse.score, Text),
            NpsResponse.contact,
            NpsResponse.changed_by_id,
        ).where(of(NpsResponse)),
        TimelineKind.CHURN: lambda: _timeline_item(
            TimelineKind.CHURN,
            ChurnEvent,
            day_start(ChurnEvent.churned_on),
            literal("Churned"),
            ChurnEvent.reason,
            ChurnEvent.changed_by_id,
        ).where(of(ChurnEvent)),
        TimelineKind.REACTIVATION: lambda: _timeline_item(
            TimelineKind.REACTIVATION,
            ChurnEvent,
            day_start(ChurnEvent.reactivated_on),
            literal("Reactivated"),
            null(),
            ChurnEvent.reactivated_by_id,
        ).where(of(ChurnEvent), ChurnEvent.reactivated_on.is_not(None)),
        # An alert as long as it exists: a deleted one leaves the timeline as it leaves the rest.
        TimelineKind.ALERT: lambda: (
            _timeline_item(
                TimelineKind.ALERT,
                Alert,
                Alert.fired_at,
                "Alert: " + AlertRule.name,
                Alert.reason,
                null(),
            )
            .join(AlertRule, AlertRule.id == Alert.rule_id)
            .where(of(Alert))
        ),
        TimelineKind.ALERT_DISMISSED: lambda: (
            _timeline_item(
                TimelineKind.ALERT_DISMISSED,
                Alert,
                Alert.dismissed_at,
                "Alert dismissed: " + AlertRule.name,
                null(),
                Alert.dismissed_by,
            )
            .join(AlertRule, AlertRule.id == Alert.rule_id)
            .where(of(Alert), Alert.dismissed_at.is_not(None))
        ),
        # A task as long as it exists: a deleted one leaves the timeline with its sub-tasks.
        TimelineKind.TASK: lambda: _timeline_item(
            TimelineKind.TASK,
            Task,
            Task.created_at,
            "Task: " + Task.title,
            _task_owner_and_due(),
            Task.created_by,
        ).where(of(Task)),
        TimelineKind.TASK_CLOSED: lambda: _timeline_item(
            TimelineKind.TASK_CLOSED,
            Task,
            Task.closed_at,
            "Task closed: " + Task.title,
            func.concat_ws(
                " · ",
                "Outcome: " + func.replace(Task.outcome, "_", " "),
                _task_owner_and_due(),
            ),
            Task.closed_by,
        ).where(of(Task), Task.closed_at.is_not(None)),
    }


def _timeline_feed(kinds: frozenset[TimelineKind] | None) -> Any:
    """The items of these kinds (all when None), unsorted."""
    branches = _timeline_branches()
    return union_all(
        *(build() for kind, build in branches.items() if not kinds or kind in kinds)
    ).subquery("timeline")


def _timeline_page(kinds: frozenset[TimelineKind] | None) -> Select[Any]:
    """A page of the feed, newest first, each item with its account's name and the feed's
    size (counted before the page is cut)."""
    feed = _timeline_feed(kinds)
    return (
        select(feed, Account.name.label("account_name"), func.count().over().label("total"))
        .join(Account, Account.id == feed.c.account_id)
        .order_by(feed.c.occurred_at.desc(), feed.c.kind, feed.c.id)
        .limit(bindparam("limit"))
        .offset(bindparam("offset"))
    )


def _timeline_count(kinds: frozenset[TimelineKind] | None) -> Select[Any]:
    return select(func.count().label("total")).select_from(_timeline_feed(kinds))


class TimelineRepository:
    # Eighteen branches: building and compiling them was most of the request's CPU.
    _pages = CompiledByShape()
    _counts = CompiledByShape()

    def __init__(self, session: AsyncSession, org_id: uuid.UUID) -> None:
        self.session = session
        self.org_id = org_id

    async def page(
        self,
        account_ids: list[uuid.UUID],
        *,
        kinds: Collection[TimelineKind] | None,
        limit: int,
        offset: int,
    ) -> tuple[list[dict[str, Any]], int]:
        """One page of the timeline of these accounts, newest first, and how many items it
        has. Each item names its account. The caller has checked that the accounts are
        visible."""
        shape = frozenset(kinds) if kinds else None
        values = {"org_id": self.org_id, "account_ids": account_ids}
        rows = await self._pages.run(
            self.session,
            shape,
            lambda: _timeline_page(shape),
            {**values, "limit": limit, "offset": offset},
        )
        if rows:
            return rows, rows[0]["total"]
        # A page past the end has no row to carry the count.
        counted = await self._counts.run(
            self.session, shape, lambda: _timeline_count(shape), values
        )
        return rows, counted[0]["total"]


class InteractionBatchRepository:
    """Upserts of batches of tickets and interactions of one organisation, by their source's
    keys (source, external_id); the accounts are resolved and checked by the caller."""

    def __init__(self, session: AsyncSession, org_id: uuid.UUID) -> None:
        self.session = session
        self.org_id = org_id

    async def ids_by_key(
        self, model: type[Ticket] | type[Interaction], keys: list[tuple[str, str]]
    ) -> dict[tuple[str, str | None], uuid.UUID]:
        found = await self.session.execute(
            select(model.source, model.external_id, model.id).where(
                model.org_id == self.org_id, tuple_(model.source, model.external_id).in_(keys)
            )
        )
        return {(source, external_id): id_ for source, external_id, id_ in found}

    async def upsert(
        self,
        model: type[Ticket] | type[Interaction],
        rows: list[dict[str, Any]],
        columns: tuple[str, ...],
    ) -> set[uuid.UUID]:
        """Insert or update the records; the accounts whose records changed, including those a
        moved record left."""
        table = model.__table__
        # In key order, so concurrent batches sharing records lock them in one order (no
        # deadlock).
        rows = sorted(
            ({**row, "org_id": self.org_id} for row in rows),
            key=lambda row: (row["source"], row["external_id"]),
        )
        keys = [(row["source"], row["external_id"]) for row in rows]
        stored = await self.session.execute(
            select(model.source, model.external_id, model.account_id).where(
                model.org_id == self.org_id, tuple_(model.source, model.external_id).in_(keys)
            )
        )
        new_account = {(row["source"], row["external_id"]): row["account_id"] for row in rows}
        left = {a for source, ext, a in stored if new_account[(source, ext)] != a}
        stmt = insert(model).values(rows)
        changed = [table.c[c].is_distinct_from(stmt.excluded[c]) for c in columns]
        written = await self.session.execute(
            stmt.on_conflict_do_update(
                index_elements=["org_id", "source", "external_id"],
                # Manual interactions have no external id: their unique index is partial.
                index_where=text("external_id IS NOT NULL") if model is Interaction else None,
                set_={**{c: stmt.excluded[c] for c in columns}, "updated_at": clock.now()},
                # Unchanged records are left alone: a re-sent batch writes nothing.
                where=or_(*changed),
            ).returning(table.c.account_id)
        )
        return {*written.scalars(), *left}


@functools.lru_cache(maxsize=32)
def _added_on_visible_account(table: Table, keys: tuple[str, ...], sees_all: bool) -> Executable:
    """`add_on_visible_account`'s statement, built once per table and scope: its values are
    the parameters `record_<column>`, the scope's and the audit entry's."""
    record = select(*(bindparam(f"record_{key}", type_=table.c[key].type) for key in keys))
    written = (
        insert(table)
        .from_select(
            list(keys),
            record.where(
                visible_account_bound(bindparam("record_account_id", type_=Uuid), sees_all=sees_all)
            ),
        )
        .returning(table.c.id, table.c.created_at, table.c.updated_at)
        .cte("written")
    )
    audited = entry_of_written(written).cte("audited")
    return select(written.c.created_at, written.c.updated_at).add_cte(audited)
