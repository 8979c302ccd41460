"""Notification jobs: emails written for notifications (one by one, or the daily digest) and
the hourly due-soon and overdue reminders. Each is idempotent: a notification's email state
moves in the transaction that writes its email, and reminders are deduplicated by due date."""

import uuid
from typing import Any

from domain.common import clock, jobs
from domain.common.settings import Settings
from domain.notifications import service as notifications
from workers import queue
from workers.context import transaction


def _links(ctx: dict[str, Any]) -> notifications.Links:
    settings: Settings = ctx["settings"]
    return notifications.Links(public_url=settings.public_url.rstrip("/"))


@queue.job(notifications.SEND_EMAILS_JOB, max_tries=5)
async def send_emails(ctx: dict[str, Any], org_id: str) -> int:
    """The organisation's notifications still to email one by one, through the email outbox;
    returns how many emails were written (none on a retry after a commit)."""
    async with transaction(ctx) as session:
        return await notifications.send_emails(session, uuid.UUID(org_id), links=_links(ctx))


@queue.job(notifications.SEND_DIGESTS_JOB, max_tries=5)
async def send_digests(ctx: dict[str, Any], org_id: str) -> int:
    """The organisation's daily digests: one email per user; returns how many."""
    async with transaction(ctx) as session:
        return await notifications.send_digests(session, uuid.UUID(org_id), links=_links(ctx))


@queue.job("notifications.remind_due_tasks", max_tries=3)
async def remind_due_tasks(ctx: dict[str, Any]) -> int:
    """Hourly: due-tomorrow and overdue reminders over every organisation's open tasks."""
    async with transaction(ctx) as session:
        return await notifications.remind_due_tasks(session)


@queue.job("notifications.schedule_digests", max_tries=1)
async def schedule_digests(ctx: dict[str, Any]) -> int:
    """Hourly: a digest run for each organisation where it is now 07:xx (its time zone) and
    digests wait; the job id (organisation and day) makes it one run a day."""
    day = clock.now().strftime("%Y%m%d")
    async with transaction(ctx) as session:
        orgs = await notifications.organisations_with_digests_due(session)
        for org_id in orgs:
            jobs.enqueue(
                session,
                notifications.SEND_DIGESTS_JOB,
                job_id=f"digest:{org_id}:{day}",
                org_id=str(org_id),
            )
    return len(orgs)


@queue.job("notifications.sweep_emails", max_tries=1)
async def sweep_emails(ctx: dict[str, Any]) -> int:
    """Every quarter hour: an email run for any organisation with notifications still to
    email (its run's job was lost, or it stopped at EMAILS_PER_RUN)."""
    async with transaction(ctx) as session:
        orgs = await notifications.organisations_with_emails_pending(session)
        for org_id in orgs:
            jobs.enqueue(session, notifications.SEND_EMAILS_JOB, org_id=str(org_id))
    return len(orgs)
