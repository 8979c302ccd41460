"""Notifications: made in the transaction of the event (a task given, changed, closed or
reopened; an alert task opened by an evaluation; a due date near or past), shown under the
bell, and emailed by a job through the email outbox, one by one or in a daily digest.

Emails are written by a job (`notifications.send_emails`) asked for in the event's own
transaction, not by the event itself: an evaluation deep in the live chain has no business
knowing the SPA's public address, and one job writes every email of an evaluation that
alerted thousands of accounts. A notification's `email_state` moves from pending to emailed in
the transaction that writes its outbox email, with the row locked: a retried or concurrent run
finds nothing left to send.
"""

import uuid
from collections import defaultdict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from domain.common import clock, jobs
from domain.common.pagination import Paged
from domain.emails import service as emails
from domain.notifications.errors import NotificationNotFound
from domain.notifications.events import NewNotification
from domain.notifications.models import EmailDigest, EmailState, NotificationKind
from domain.notifications.preferences import DEFAULT_EMAIL, DEFAULT_IN_APP
from domain.notifications.repository import (
    Inserted,
    NotificationRepository,
    Recipient,
    all_organisations_task_reminders,
    all_organisations_with_emails,
)
from domain.notifications.schemas import (
    KindChoice,
    MarkedRead,
    NotificationPreferencesChange,
    NotificationPreferencesRead,
    NotificationPreferencesWrite,
    NotificationRead,
    UnreadCount,
)
from domain.tenancy.actor import Actor
from domain.tenancy.errors import PermissionDenied

SEND_EMAILS_JOB = "notifications.send_emails"
SEND_DIGESTS_JOB = "notifications.send_digests"
# Emails one run writes; a run that reaches it asks for another.
EMAILS_PER_RUN = 500
# The daily digest goes out in the hour from 07:00 in each organisation's time zone.
DIGEST_HOUR = 7


@dataclass(frozen=True)
class Links:
    """Where the SPA is, for the links in emails."""

    public_url: str

    def to(self, account_id: uuid.UUID, task_id: uuid.UUID | None) -> str:
        """The account's page, which lists its tasks (the task's row marked)."""
        task = f"?task={task_id}" if task_id is not None else ""
        return f"{self.public_url}/accounts/{account_id}{task}"


# --- making them ----------------------------------------------------------------------------


def _ask_for_emails(session: AsyncSession, inserted: Inserted) -> None:
    for org_id in inserted.emails_for:
        jobs.enqueue(session, SEND_EMAILS_JOB, org_id=str(org_id))


async def notify(
    session: AsyncSession,
    org_id: uuid.UUID,
    events: Sequence[NewNotification],
    *,
    now: datetime | None = None,
) -> int:
    """The events' notifications, in the caller's transaction; returns how many were new."""
    inserted = await NotificationRepository(session, org_id).add(events, now=now or clock.now())
    _ask_for_emails(session, inserted)
    return inserted.count


def _recipients(rule_id: uuid.UUID, notify_: Sequence[Mapping[str, Any]]) -> list[Recipient]:
    return [
        Recipient(
            rule_id=rule_id,
            role=entry.get("role"),
            user_id=uuid.UUID(str(entry["user_id"])) if entry.get("user_id") else None,
        )
        for entry in notify_
    ]


async def notify_alerts(
    session: AsyncSession,
    org_id: uuid.UUID,
    rules: Mapping[uuid.UUID, Sequence[Mapping[str, Any]]],
    *,
    fired_at: datetime,
    opened: int,
) -> int:
    """alert_task notifications for the `opened` alerts these rules (id: its `notify` list)
    opened at `fired_at`, in one statement; returns how many were new (none when replayed)."""
    recipients = [r for rule_id, n in rules.items() for r in _recipients(rule_id, n)]
    inserted = await NotificationRepository(session, org_id).for_alerts(
        list(rules), recipients, fired_at=fired_at, opened=opened, now=clock.now()
    )
    _ask_for_emails(session, inserted)
    return inserted.count


async def remind_due_tasks(session: AsyncSession, *, now: datetime | None = None) -> int:
    """Due-tomorrow and overdue reminders for every organisation's open tasks; returns how
    many were new."""
    inserted = await all_organisations_task_reminders(session, now=now or clock.now())
    _ask_for_emails(session, inserted)
    return inserted.count


# --- the bell -------------------------------------------------------------------------------


def _me(actor: Actor) -> uuid.UUID:
    if actor.user_id is None:
        # An API key has no inbox.
        raise PermissionDenied("Notifications belong to a signed-in user")
    return actor.user_id


def _read(row: Any) -> NotificationRead:
    n = row.Notification
    return NotificationRead.model_validate(
        {
            **{k: getattr(n, k) for k in NotificationRead.model_fields if hasattr(n, k)},
            "account_name": row.account_name,
        }
    )


async def list_mine(
    session: AsyncSession, actor: Actor, *, unread_only: bool, limit: int, offset: int
) -> Paged[NotificationRead]:
    """Unread first, newest first within each."""
    rows, total = await NotificationRepository(session, actor.org_id).page(
        _me(actor), unread_only=unread_only, limit=limit, offset=offset
    )
    return Paged(items=[_read(r) for r in rows], total=total, limit=limit, offset=offset)


async def unread_count(session: AsyncSession, actor: Actor) -> UnreadCount:
    repo = NotificationRepository(session, actor.org_id)
    return UnreadCount(unread=await repo.unread_count(_me(actor)))


async def mark_read(
    session: AsyncSession, actor: Actor, notification_id: uuid.UUID
) -> NotificationRead:
    repo = NotificationRepository(session, actor.org_id)
    user_id = _me(actor)
    if await repo.row(user_id, notification_id) is None:
        raise NotificationNotFound()
    await repo.mark_read(user_id, now=clock.now(), notification_id=notification_id)
    return _read(await repo.row(user_id, notification_id))


async def mark_all_read(session: AsyncSession, actor: Actor) -> MarkedRead:
    repo = NotificationRepository(session, actor.org_id)
    return MarkedRead(marked=await repo.mark_read(_me(actor), now=clock.now()))


# --- preferences ----------------------------------------------------------------------------


async def get_preferences(session: AsyncSession, actor: Actor) -> NotificationPreferencesRead:
    stored = await NotificationRepository(session, actor.org_id).preferences(_me(actor))
    chosen: dict[str, Any] = stored.kinds if stored is not None else {}
    return NotificationPreferencesRead(
        kinds={
            kind: KindChoice(
                in_app=chosen.get(kind, {}).get("in_app", DEFAULT_IN_APP[kind]),
                email=chosen.get(kind, {}).get("email", DEFAULT_EMAIL[kind]),
            )
            for kind in NotificationKind
        },
        email_digest=EmailDigest(stored.email_digest) if stored else EmailDigest.IMMEDIATE,
    )


async def set_preferences(
    session: AsyncSession, actor: Actor, data: NotificationPreferencesWrite
) -> NotificationPreferencesRead:
    """Applies to notifications made from now on."""
    await NotificationRepository(session, actor.org_id).save_preferences(
        _me(actor),
        kinds={str(k): v.model_dump() for k, v in data.kinds.items()},
        email_digest=str(data.email_digest),
    )
    return await get_preferences(session, actor)


async def change_preferences(
    session: AsyncSession, actor: Actor, data: NotificationPreferencesChange
) -> NotificationPreferencesRead:
    """The kinds (and digest) sent, the rest kept; applies to notifications made from now on."""
    await NotificationRepository(session, actor.org_id).save_preferences(
        _me(actor),
        kinds={str(k): v.model_dump() for k, v in data.kinds.items()},
        email_digest=None if data.email_digest is None else str(data.email_digest),
        merge=True,
    )
    return await get_preferences(session, actor)


# --- emails ---------------------------------------------------------------------------------


def _email_text(row: Any, links: Links) -> str:
    n = row.Notification
    return f"{n.title}\n{n.body}\nOpen it in Tenure: {links.to(n.account_id, n.task_id)}\n"


async def send_emails(
    session: AsyncSession, org_id: uuid.UUID, *, links: Links, now: datetime | None = None
) -> int:
    """An outbox email for each of the organisation's notifications still to email one by
    one; returns how many were written."""
    now = now or clock.now()
    repo = NotificationRepository(session, org_id)
    rows = await repo.claim_emails(EmailState.PENDING, limit=EMAILS_PER_RUN)
    for row in rows:
        await emails.queue_email(
            session,
            org_id=org_id,
            to=row.to,
            subject=row.Notification.title,
            text=f"Hello {row.user_name},\n\n{_email_text(row, links)}",
        )
    await repo.set_email_state([r.Notification.id for r in rows], EmailState.EMAILED, now=now)
    if len(rows) == EMAILS_PER_RUN:
        jobs.enqueue(session, SEND_EMAILS_JOB, org_id=str(org_id))
    return len(rows)


async def send_digests(
    session: AsyncSession, org_id: uuid.UUID, *, links: Links, now: datetime | None = None
) -> int:
    """One digest email per user of the notifications waiting for it that are still unread;
    those read meanwhile are skipped. Returns how many digests were written."""
    now = now or clock.now()
    repo = NotificationRepository(session, org_id)
    rows = await repo.claim_emails(EmailState.DIGEST, limit=None)
    by_user: dict[uuid.UUID, list[Any]] = defaultdict(list)
    for row in rows:
        if row.Notification.read_at is None:
            by_user[row.Notification.user_id].append(row)
    for items in by_user.values():
        count = len(items)
        noun = "notification" if count == 1 else "notifications"
        await emails.queue_email(
            session,
            org_id=org_id,
            to=items[0].to,
            subject=f"Tenure: {count} unread {noun}",
            text=f"Hello {items[0].user_name},\n\nYou have {count} unread {noun}:\n\n"
            + "\n".join(_email_text(r, links) for r in items),
        )
    digested = [r.Notification.id for items in by_user.values() for r in items]
    await repo.set_email_state(digested, EmailState.DIGESTED, now=now)
    skipped = [r.Notification.id for r in rows if r.Notification.read_at is not None]
    await repo.set_email_state(skipped, EmailState.SKIPPED, now=None)
    return len(by_user)


async def organisations_with_digests_due(
    session: AsyncSession, *, now: datetime | None = None
) -> list[uuid.UUID]:
    """Organisations where it is DIGEST_HOUR now with digest notifications waiting."""
    return await all_organisations_with_emails(
        session, EmailState.DIGEST, org_local_hour=DIGEST_HOUR, now=now or clock.now()
    )


async def organisations_with_emails_pending(
    session: AsyncSession, *, now: datetime | None = None
) -> list[uuid.UUID]:
    return await all_organisations_with_emails(session, EmailState.PENDING, now=now or clock.now())
