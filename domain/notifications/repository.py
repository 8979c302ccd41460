"""Notifications' SQL. Every insert goes through one statement shape (`_insert`): candidate
rows (a recipient, a kind, what it is about, a dedupe key) filtered by each recipient's
preferences, inserted with ON CONFLICT DO NOTHING on (user, dedupe key), so an event replayed
by a retry makes nothing the second time, and only a newly inserted row has an email to send."""

import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import (
    Boolean,
    ColumnElement,
    Date,
    DateTime,
    Select,
    String,
    Text,
    Uuid,
    and_,
    case,
    cast,
    column,
    func,
    literal,
    select,
    text,
    tuple_,
    union_all,
    update,
    values,
)
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import aliased

from domain.accounts.models import Account, AccountCsm
from domain.alerts.models import Alert, AlertRule
from domain.notifications.events import NewNotification
from domain.notifications.models import (
    EmailDigest,
    EmailState,
    Notification,
    NotificationKind,
    NotificationPreferences,
)
from domain.notifications.preferences import DEFAULT_EMAIL, DEFAULT_IN_APP
from domain.orgs.models import Organisation
from domain.tasks.models import Task, TaskStatus
from domain.users.models import User, UserStatus

_COLUMNS = (
    "org_id",
    "user_id",
    "kind",
    "account_id",
    "task_id",
    "alert_id",
    "title",
    "body",
    "dedupe_key",
)


# Alerts just opened are not in the planner's statistics yet, so it expects a handful and
# probes the accounts, CSMs and rules once per alert (and rescans the candidates once per user).
# For a pass that opened many (a first pass of 100 rules over 100,000 accounts: 370,000),
# hash joins and a sort in memory take half the time.
_MANY_ALERTS = 5_000
_MANY_ALERTS_SETTINGS = [
    text("SET LOCAL enable_nestloop = off"),
    text("SET LOCAL work_mem = '64MB'"),
]
_DEFAULT_SETTINGS = [
    text("SET LOCAL enable_nestloop TO DEFAULT"),
    text("SET LOCAL work_mem TO DEFAULT"),
]


@dataclass(frozen=True)
class Recipient:
    """One entry of an alert rule's `notify` list: a role ("account_owners",
    "owners_managers") or a named user."""

    rule_id: uuid.UUID
    role: str | None
    user_id: uuid.UUID | None


@dataclass(frozen=True)
class Inserted:
    count: int
    # Organisations with an immediate email to write.
    emails_for: list[uuid.UUID]


def _defaults() -> Any:
    return (
        values(
            column("kind", String),
            column("in_app", Boolean),
            column("email", Boolean),
            name="kind_defaults",
        )
        .data([(str(k), DEFAULT_IN_APP[k], DEFAULT_EMAIL[k]) for k in NotificationKind])
        .alias("kind_defaults")
    )


def _choice(kind: Any, key: str, default: ColumnElement[bool]) -> ColumnElement[bool]:
    chosen = NotificationPreferences.kinds.op("->")(kind).op("->>")(literal(key, String))
    return func.coalesce(chosen.cast(Boolean), default)


async def _insert(session: AsyncSession, candidates: Any, *, now: datetime) -> Inserted:
    """Insert `candidates` (a selectable with `_COLUMNS`) for the active users among them who
    take that kind in the app or by email."""
    # Materialised first: an evaluation's alerts were inserted by this transaction, so the
    # planner (going by stale statistics) would expect a handful and loop over them once per
    # user; computed once, they are joined to users and preferences by hash or index.
    candidates = select(*candidates.c).cte("candidate_rows").prefix_with("MATERIALIZED")
    defaults = _defaults()
    in_app = _choice(candidates.c.kind, "in_app", defaults.c.in_app)
    email = _choice(candidates.c.kind, "email", defaults.c.email)
    daily = func.coalesce(NotificationPreferences.email_digest, str(EmailDigest.IMMEDIATE)) == str(
        EmailDigest.DAILY
    )
    email_state = case(
        (~email, str(EmailState.NONE)),
        (daily, str(EmailState.DIGEST)),
        else_=str(EmailState.PENDING),
    )
    # A NULL in VALUES is text until cast.
    typed = {
        name: cast(candidates.c[name], Uuid) if name.endswith("_id") else candidates.c[name]
        for name in _COLUMNS
    }
    active = select(User.id, User.org_id).where(User.status == str(UserStatus.ACTIVE))
    source = (
        select(
            func.time_ordered_uuid(),
            *typed.values(),
            in_app,
            email_state,
            literal(now, DateTime(timezone=True)),
        )
        .select_from(candidates)
        .join(defaults, defaults.c.kind == candidates.c.kind)
        .outerjoin(NotificationPreferences, NotificationPreferences.user_id == candidates.c.user_id)
        # A semi-join: joined first, the planner (expecting a handful of candidates) rescanned
        # them once per user of the organisation.
        .where(
            tuple_(typed["user_id"], typed["org_id"]).in_(active),
            in_app | email,
        )
        # In the order of the alert (ids ordered by time, alerts inserted in account order):
        # the indexes on the id, the alert, the account and (user, dedupe key) then fill a few
        # pages at a time rather than one at random per row.
        .order_by(typed["alert_id"])
    )
    inserted = (
        pg_insert(Notification)
        .from_select(["id", *_COLUMNS, "in_app", "email_state", "created_at"], source)
        .on_conflict_do_nothing(index_elements=[Notification.user_id, Notification.dedupe_key])
        .returning(Notification.org_id, Notification.email_state)
        .cte("inserted")
    )
    row = (
        await session.execute(
            select(
                func.count(),
                func.array_agg(inserted.c.org_id.distinct()).filter(
                    inserted.c.email_state == str(EmailState.PENDING)
                ),
            ).select_from(inserted)
        )
    ).one()
    return Inserted(count=int(row[0]), emails_for=list(row[1] or []))


class NotificationRepository:
    def __init__(self, session: AsyncSession, org_id: uuid.UUID) -> None:
        self.session = session
        self.org_id = org_id

    # --- making them -------------------------------------------------------------------------

    async def add(self, events: Sequence[NewNotification], *, now: datetime) -> Inserted:
        if not events:
            return Inserted(0, [])
        candidates = (
            values(
                column("org_id", Uuid),
                column("user_id", Uuid),
                column("kind", String),
                column("account_id", Uuid),
                column("task_id", Uuid),
                column("alert_id", Uuid),
                column("title", String),
                column("body", Text),
                column("dedupe_key", String),
                name="events",
            )
            .data(
                [
                    (
                        self.org_id,
                        e.user_id,
                        str(e.kind),
                        e.account_id,
                        e.task_id,
                        e.alert_id,
                        e.title[:300],
                        e.body,
                        e.dedupe_key,
                    )
                    for e in events
                ]
            )
            .alias("events")
        )
        return await _insert(self.session, candidates, now=now)

    async def for_alerts(
        self,
        rule_ids: Sequence[uuid.UUID],
        recipients: Sequence[Recipient],
        *,
        fired_at: datetime,
        opened: int,
        now: datetime,
    ) -> Inserted:
        """alert_task for the `opened` alerts of `rule_ids` fired at `fired_at` (those an
        evaluation just opened: it stamps them all with its `now`): to each alert task's owner
        and to the rules' recipients; and task_assigned to the owners of their playbook tasks.
        One statement whatever the number of alerts: each part a plain join from the alerts (an
        index range on organisation and time)."""
        if not rule_ids:
            return Inserted(0, [])
        alert_task = aliased(Task, name="alert_task")
        fired = and_(
            Alert.org_id == self.org_id,
            Alert.fired_at == literal(fired_at, DateTime(timezone=True)),
            Alert.rule_id.in_(rule_ids),
        )

        def told(user_id: Any) -> Select[Any]:
            return (
                select(
                    literal(self.org_id, Uuid).label("org_id"),
                    user_id.label("user_id"),
                    literal(str(NotificationKind.ALERT_TASK), String).label("kind"),
                    Alert.account_id,
                    alert_task.id.label("task_id"),
                    Alert.id.label("alert_id"),
                    func.left(literal("Alert: ") + AlertRule.name, 300).label("title"),
                    (Alert.reason + literal(" (") + Account.name + literal(")")).label("body"),
                    (literal("alert_task:") + cast(Alert.id, String)).label("dedupe_key"),
                )
                .select_from(Alert)
                .join(AlertRule, AlertRule.id == Alert.rule_id)
                .join(Account, Account.id == Alert.account_id)
                .outerjoin(
                    alert_task,
                    and_(alert_task.alert_id == Alert.id, alert_task.playbook_step_id.is_(None)),
                )
                .where(fired, user_id.is_not(None))
            )

        parts = [told(alert_task.owner_id)]
        if recipients:
            wanted = (
                values(
                    column("rule_id", Uuid),
                    column("role", String),
                    column("user_id", Uuid),
                    name="recipients",
                )
                .data([(r.rule_id, r.role, r.user_id) for r in recipients])
                .alias("recipients")
            )
            csm = aliased(User, name="csm")
            by_role = case(
                (wanted.c.role == "owners_managers", csm.manager_id), else_=AccountCsm.user_id
            )
            parts.append(
                told(by_role)
                .join(wanted, and_(wanted.c.rule_id == Alert.rule_id, wanted.c.role.is_not(None)))
                .join(AccountCsm, AccountCsm.account_id == Alert.account_id)
                .join(csm, csm.id == AccountCsm.user_id)
            )
            parts.append(
                told(cast(wanted.c.user_id, Uuid)).join(
                    wanted, and_(wanted.c.rule_id == Alert.rule_id, wanted.c.role.is_(None))
                )
            )
        parts.append(
            select(
                literal(self.org_id, Uuid).label("org_id"),
                Task.owner_id.label("user_id"),
                literal(str(NotificationKind.TASK_ASSIGNED), String).label("kind"),
                Task.account_id,
                Task.id.label("task_id"),
                Task.alert_id,
                func.left(literal("New task: ") + Task.title, 300).label("title"),
                _task_body(Account.name, Task.due_on).label("body"),
                (literal("task_assigned:") + cast(Task.id, String)).label("dedupe_key"),
            )
            .select_from(Alert)
            .join(
                Task,
                and_(
                    Task.alert_id == Alert.id,
                    Task.playbook_step_id.is_not(None),
                    Task.owner_id.is_not(None),
                ),
            )
            .join(Account, Account.id == Alert.account_id)
            .where(fired)
        )
        candidates = union_all(*parts).subquery("candidates")
        if opened < _MANY_ALERTS:
            return await _insert(self.session, candidates, now=now)
        for setting in _MANY_ALERTS_SETTINGS:
            await self.session.execute(setting)
        inserted = await _insert(self.session, candidates, now=now)
        for setting in _DEFAULT_SETTINGS:
            await self.session.execute(setting)
        return inserted

    # --- reading and marking ----------------------------------------------------------------

    def _mine(self, user_id: uuid.UUID) -> Select[Notification, str]:
        return (
            select(Notification, Account.name.label("account_name"))
            .join(
                Account,
                and_(Account.id == Notification.account_id, Account.deleted_at.is_(None)),
            )
            .where(
                Notification.org_id == self.org_id,
                Notification.user_id == user_id,
                Notification.in_app,
            )
        )

    async def page(
        self, user_id: uuid.UUID, *, unread_only: bool, limit: int, offset: int
    ) -> tuple[list[Any], int]:
        stmt = self._mine(user_id)
        if unread_only:
            stmt = stmt.where(Notification.read_at.is_(None))
        total = await self.session.scalar(select(func.count()).select_from(stmt.subquery()))
        rows = await self.session.execute(
            stmt.order_by(
                Notification.read_at.is_not(None),
                Notification.created_at.desc(),
                Notification.id,
            )
            .limit(limit)
            .offset(offset)
        )
        return list(rows), int(total or 0)

    async def row(self, user_id: uuid.UUID, notification_id: uuid.UUID) -> Any:
        return (
            await self.session.execute(
                self._mine(user_id).where(Notification.id == notification_id)
            )
        ).one_or_none()

    async def unread_count(self, user_id: uuid.UUID) -> int:
        stmt = self._mine(user_id).where(Notification.read_at.is_(None))
        return int(
            await self.session.scalar(select(func.count()).select_from(stmt.subquery())) or 0
        )

    async def mark_read(
        self, user_id: uuid.UUID, *, now: datetime, notification_id: uuid.UUID | None = None
    ) -> int:
        """One of the user's notifications (or all) read; those already read keep their time."""
        stmt = update(Notification).where(
            Notification.org_id == self.org_id,
            Notification.user_id == user_id,
            Notification.read_at.is_(None),
        )
        if notification_id is not None:
            stmt = stmt.where(Notification.id == notification_id)
        result = await self.session.execute(
            stmt.values(read_at=now).execution_options(synchronize_session=False)
        )
        return int(result.rowcount)  # type: ignore[attr-defined]  # CursorResult of a DML

    # --- preferences ------------------------------------------------------------------------

    async def preferences(self, user_id: uuid.UUID) -> NotificationPreferences | None:
        return await self.session.scalar(
            select(NotificationPreferences).where(
                NotificationPreferences.org_id == self.org_id,
                NotificationPreferences.user_id == user_id,
            )
        )

    async def save_preferences(
        self,
        user_id: uuid.UUID,
        *,
        kinds: dict[str, Any],
        email_digest: str | None,
        merge: bool = False,
    ) -> None:
        """Replace the user's choices, or with `merge` change only the kinds in `kinds` (and
        the digest unless None), in the one statement: two changes at once each keep the
        other's."""
        stored = NotificationPreferences
        # From the organisation's users: never a row for someone else's.
        stmt = pg_insert(stored).from_select(
            ["user_id", "org_id", "kinds", "email_digest"],
            select(
                User.id,
                User.org_id,
                literal(kinds, stored.kinds.type),
                literal(email_digest or EmailDigest.IMMEDIATE.value, String),
            ).where(User.org_id == self.org_id, User.id == user_id),
        )
        new = stmt.excluded
        await self.session.execute(
            stmt.on_conflict_do_update(
                index_elements=[stored.user_id],
                set_={
                    "kinds": stored.kinds.op("||")(new.kinds) if merge else new.kinds,
                    "email_digest": stored.email_digest
                    if merge and email_digest is None
                    else new.email_digest,
                    "updated_at": func.now(),
                },
                where=stored.org_id == self.org_id,
            )
        )

    # --- emails -----------------------------------------------------------------------------

    async def claim_emails(self, state: EmailState, *, limit: int | None) -> list[Any]:
        """Up to `limit` notifications in `state` with their recipient's address, locked until
        the transaction ends (a concurrent run skips them: it cannot send them twice)."""
        rows = await self.session.execute(
            select(
                Notification,
                User.email.label("to"),
                User.full_name.label("user_name"),
                Account.name.label("account_name"),
            )
            .join(User, User.id == Notification.user_id)
            .join(Account, Account.id == Notification.account_id)
            .where(
                Notification.org_id == self.org_id,
                Notification.email_state == str(state),
                User.status == str(UserStatus.ACTIVE),
            )
            .order_by(Notification.user_id, Notification.created_at, Notification.id)
            .limit(limit)
            .with_for_update(of=Notification, skip_locked=True)
        )
        return list(rows)

    async def set_email_state(
        self, ids: Sequence[uuid.UUID], state: EmailState, *, now: datetime | None
    ) -> None:
        if ids:
            await self.session.execute(
                update(Notification)
                .where(Notification.org_id == self.org_id, Notification.id.in_(ids))
                .values(email_state=str(state), emailed_at=now)
                .execution_options(synchronize_session=False)
            )


def _task_body(account_name: Any, due_on: Any) -> Any:
    # "Mar 4, 2026", as `domain.tasks.service` writes it (month names are English whatever
    # the server's locale: `TM` is not used).
    due = func.coalesce(literal(", due ") + func.to_char(due_on, "Mon FMDD, YYYY"), literal(""))
    return literal("On ") + account_name + due


async def all_organisations_task_reminders(session: AsyncSession, *, now: datetime) -> Inserted:
    """task_due_soon (due tomorrow) and task_overdue for every open task with an owner, in
    every organisation, each day computed in its organisation's time zone. The due date is in
    the dedupe key: one reminder per task and due date, however often this runs; a task whose
    due date moves is reminded again."""
    today = func.cast(
        func.timezone(Organisation.time_zone, literal(now, DateTime(timezone=True))), Date
    )
    due_soon = Task.due_on == today + 1
    kind = case(
        (due_soon, str(NotificationKind.TASK_DUE_SOON)), else_=str(NotificationKind.TASK_OVERDUE)
    )
    title = case(
        (due_soon, literal("Due tomorrow: ") + Task.title), else_=literal("Overdue: ") + Task.title
    )
    candidates = (
        select(
            Task.org_id,
            Task.owner_id.label("user_id"),
            kind.label("kind"),
            Task.account_id,
            Task.id.label("task_id"),
            Task.alert_id,
            func.left(title, 300).label("title"),
            _task_body(Account.name, Task.due_on).label("body"),
            (
                kind
                + literal(":")
                + func.cast(Task.id, String)
                + literal(":")
                + func.cast(Task.due_on, String)
            ).label("dedupe_key"),
        )
        .join(Organisation, Organisation.id == Task.org_id)
        .join(Account, and_(Account.id == Task.account_id, Account.deleted_at.is_(None)))
        .where(
            Task.status == str(TaskStatus.OPEN),
            Task.owner_id.is_not(None),
            Task.due_on.is_not(None),
            (Task.due_on < today) | due_soon,
        )
        .subquery("candidates")
    )
    return await _insert(session, candidates, now=now)


async def all_organisations_with_emails(
    session: AsyncSession, state: EmailState, *, org_local_hour: int | None = None, now: datetime
) -> list[uuid.UUID]:
    """Organisations with notifications in `state` (and, given `org_local_hour`, where it is
    that hour now)."""
    stmt = (
        select(Notification.org_id)
        .where(Notification.email_state == str(state))
        .distinct()
        .order_by(Notification.org_id)
    )
    if org_local_hour is not None:
        local = func.timezone(Organisation.time_zone, literal(now, DateTime(timezone=True)))
        stmt = stmt.join(Organisation, Organisation.id == Notification.org_id).where(
            func.extract("hour", local) == org_local_hour
        )
    return list(await session.scalars(stmt))
