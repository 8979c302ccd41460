"""Notifications made by workers: alert tasks and alerts of an evaluation for their owners and
the rule's recipients, in one statement, once per alert under retries; due-tomorrow and
overdue reminders with a moved clock, in the organisation's time zone; the daily digest; and
the emails, through the outbox, received on a real SMTP server exactly once."""

import uuid
from datetime import UTC, date, datetime
from typing import Any

from redis.asyncio import Redis
from sqlalchemy import func, select, update
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from domain.alerts import service as alerts
from domain.alerts.models import AlertRule, EvaluationTrigger
from domain.alerts.schemas import AlertRuleCreate, PlaybookWrite
from domain.common.settings import Settings
from domain.emails.models import OutboundEmail
from domain.emails.service import SmtpConfig
from domain.notifications import service as notifications
from domain.notifications.models import EmailState, Notification
from domain.notifications.schemas import NotificationPreferencesWrite
from domain.orgs.models import Organisation
from domain.tasks import service as tasks
from domain.tasks.models import Task
from domain.tasks.schemas import TaskCreate
from domain.users.actor import Actor
from domain.users.models import User
from tests.factories import create_account, create_user
from tests.helpers import Inbox, run_burst_worker
from workers import queue
from workers.jobs import alerts as alert_jobs
from workers.jobs import notifications as notification_jobs

MAR_1 = datetime(2026, 3, 1, 9, tzinfo=UTC)
AT_RISK = {"kind": "compare", "field": "name", "op": "starts_with", "value": "Risky"}
LINKS = notifications.Links(public_url="http://tenure.test")


async def _rule(session: AsyncSession, org: Organisation, **overrides: Any) -> AlertRule:
    data = AlertRuleCreate.model_validate(
        {
            "name": f"Rule {uuid.uuid4().hex[:6]}",
            "type": "churn",
            "description": "Usage dropped",
            "condition": AT_RISK,
            **overrides,
        }
    )
    read = await alerts.create_rule(session, Actor.system(org.id), data)
    return await session.get_one(AlertRule, read.id)


async def _notifications(session: AsyncSession, **where: Any) -> list[Notification]:
    stmt = select(Notification).execution_options(populate_existing=True)
    for key, value in where.items():
        stmt = stmt.where(getattr(Notification, key) == value)
    return list(await session.scalars(stmt.order_by(Notification.created_at, Notification.title)))


async def _who(session: AsyncSession, **where: Any) -> dict[uuid.UUID, list[str]]:
    found: dict[uuid.UUID, list[str]] = {}
    for n in await _notifications(session, **where):
        found.setdefault(n.user_id, []).append(n.kind)
    return found


async def _remind(session: AsyncSession, *at: int) -> int:
    """Reminders at the UTC time `at` (year, month, day[, hour[, minute]])."""
    return await notifications.remind_due_tasks(session, now=datetime(*at, tzinfo=UTC))


async def _evaluate(session: AsyncSession, org: Organisation, at: datetime = MAR_1) -> int:
    return await alerts.evaluate(session, org.id, trigger=EvaluationTrigger.SCHEDULE, now=at)


class TestAlertNotifications:
    async def test_an_alert_task_notifies_its_owner_and_playbook_tasks_theirs(
        self, session: AsyncSession, org: Organisation
    ) -> None:
        manager = await create_user(session, org)
        csm = await create_user(session, org, manager_id=manager.id)
        risky = await create_account(session, org, name="Risky Co", csms=[csm])
        playbook = await alerts.create_playbook(
            session,
            Actor.system(org.id),
            PlaybookWrite.model_validate(
                {
                    "name": "Save",
                    "steps": [
                        {"title": "Call", "due_in_days": 2},
                        {"title": "Escalate", "due_in_days": 5, "assignee": "manager"},
                    ],
                }
            ),
        )
        await _rule(session, org, name="At risk", creates_task=True, playbook_id=str(playbook.id))

        await _evaluate(session, org)

        alert_task = await session.scalar(
            select(Task).where(Task.account_id == risky.id, Task.type == "alert")
        )
        assert alert_task is not None
        [told] = await _notifications(session, user_id=csm.id, kind="alert_task")
        assert (told.title, told.body) == ("Alert: At risk", "Usage dropped (Risky Co)")
        assert (told.task_id, told.account_id) == (alert_task.id, risky.id)
        assert told.email_state == EmailState.PENDING
        assert await _who(session, account_id=risky.id) == {
            csm.id: ["alert_task", "task_assigned"],
            manager.id: ["task_assigned"],
        }

    async def test_a_plain_alert_notifies_the_rules_recipients(
        self, session: AsyncSession, org: Organisation
    ) -> None:
        boss = await create_user(session, org)
        first = await create_user(session, org, manager_id=boss.id)
        second = await create_user(session, org)
        watcher = await create_user(session, org)
        owners = await create_account(session, org, name="Risky One", csms=[first, second])
        await _rule(session, org)
        await _rule(
            session, org, notify=[{"role": "owners_managers"}, {"user_id": str(watcher.id)}]
        )
        await _rule(session, org, notify=[])

        await _evaluate(session, org)

        # Three alerts; the last notifies nobody.
        assert await _who(session, account_id=owners.id) == {
            first.id: ["alert_task"],
            second.id: ["alert_task"],
            boss.id: ["alert_task"],
            watcher.id: ["alert_task"],
        }
        assert all(n.task_id is None for n in await _notifications(session))

    async def test_several_csms_share_the_alert_tasks_one_owner_per_alert(
        self, session: AsyncSession, org: Organisation
    ) -> None:
        first = await create_user(session, org)
        second = await create_user(session, org)
        accounts = [
            await create_account(session, org, name=f"Risky {i}", csms=[first, second])
            for i in range(24)
        ]
        await _rule(session, org, creates_task=True, notify=[])

        await _evaluate(session, org)

        owners = dict(
            (
                await session.execute(
                    select(Task.account_id, Task.owner_id).where(Task.type == "alert")
                )
            ).all()
        )
        assert set(owners) == {a.id for a in accounts}
        # Neither CSM gets them all (the lowest id used to); each is told of their own only.
        assert set(owners.values()) == {first.id, second.id}
        told = {n.account_id: n.user_id for n in await _notifications(session)}
        assert told == owners

    async def test_a_retried_evaluation_job_notifies_and_emails_once(
        self,
        session: AsyncSession,
        org: Organisation,
        job_ctx: dict[str, Any],
    ) -> None:
        csm = await create_user(session, org)
        await create_account(session, org, name="Risky Co", csms=[csm])
        await _rule(session, org, creates_task=True)
        await session.commit()

        await alert_jobs.evaluate_org(job_ctx, str(org.id))
        await alert_jobs.evaluate_org(job_ctx, str(org.id))
        assert [n.kind for n in await _notifications(session, user_id=csm.id)] == ["alert_task"]

        assert await notification_jobs.send_emails(job_ctx, str(org.id)) == 1
        assert await notification_jobs.send_emails(job_ctx, str(org.id)) == 0
        [email] = await session.scalars(
            select(OutboundEmail).where(OutboundEmail.to_address == csm.email)
        )
        assert email.subject.startswith("Alert: ")
        [told] = await _notifications(session, user_id=csm.id)
        assert "Open it in Tenure: http://tenure.test/accounts/" in email.text_body
        assert f"?task={told.task_id}" in email.text_body
        assert told.email_state == EmailState.EMAILED


class TestReminders:
    async def _task(
        self, session: AsyncSession, org: Organisation, owner: User, due_on: date
    ) -> uuid.UUID:
        account = await create_account(session, org, name="Acme", csms=[owner])
        made = await tasks.create_task(
            session,
            Actor.system(org.id),
            TaskCreate(
                account_id=account.id, title="Renewal call", owner_id=owner.id, due_on=due_on
            ),
        )
        return made.id

    async def test_due_tomorrow_then_overdue_in_the_organisations_time_zone(
        self, session: AsyncSession, org: Organisation
    ) -> None:
        await session.execute(
            update(Organisation)
            .where(Organisation.id == org.id)
            .values(time_zone="Pacific/Auckland")
        )
        csm = await create_user(session, org)
        task_id = await self._task(session, org, csm, date(2026, 3, 3))
        # 12:00 UTC on Mar 1 is 01:00 on Mar 2 in Auckland: the task is due tomorrow there.
        assert await _remind(session, 2026, 3, 1, 10) == 0
        assert await _remind(session, 2026, 3, 1, 12) == 1
        assert await _remind(session, 2026, 3, 1, 13) == 0
        [soon] = await _notifications(session, task_id=task_id, kind="task_due_soon")
        assert (soon.title, soon.body) == ("Due tomorrow: Renewal call", "On Acme, due Mar 3, 2026")
        # Its default: no email for due-soon.
        assert soon.email_state == EmailState.NONE

        # Mar 3 is still the due day in Auckland until 11:00 UTC.
        assert await _remind(session, 2026, 3, 3, 10) == 0
        assert await _remind(session, 2026, 3, 3, 11, 30) == 1
        assert await _remind(session, 2026, 3, 9) == 0
        [late] = await _notifications(session, task_id=task_id, kind="task_overdue")
        assert late.title == "Overdue: Renewal call" and late.email_state == EmailState.PENDING

        # A new due date is a new deadline: reminded again once it passes.
        await session.execute(
            update(Task).where(Task.id == task_id).values(due_on=date(2026, 3, 5))
        )
        assert await _remind(session, 2026, 3, 9) == 1

    async def test_closed_and_ownerless_tasks_are_not_reminded_and_the_job_runs(
        self, session: AsyncSession, org: Organisation, job_ctx: dict[str, Any]
    ) -> None:
        csm = await create_user(session, org)
        closed = await self._task(session, org, csm, date(2020, 1, 1))
        await session.execute(update(Task).where(Task.id == closed).values(status="closed"))
        ownerless = await self._task(session, org, csm, date(2020, 1, 1))
        await session.execute(update(Task).where(Task.id == ownerless).values(owner_id=None))
        overdue = await self._task(session, org, csm, date(2020, 1, 1))
        await session.commit()

        assert await notification_jobs.remind_due_tasks(job_ctx) == 1
        assert await notification_jobs.remind_due_tasks(job_ctx) == 0
        assert [n.task_id for n in await _notifications(session, kind="task_overdue")] == [overdue]


class TestDigest:
    async def test_one_digest_a_day_of_what_is_still_unread(
        self, session: AsyncSession, org: Organisation, job_ctx: dict[str, Any]
    ) -> None:
        csm = await create_user(session, org)
        actor = Actor(org_id=org.id, user_id=csm.id, permissions=frozenset())
        await notifications.set_preferences(
            session, actor, NotificationPreferencesWrite(email_digest="daily")
        )
        admin = Actor.system(org.id)
        account = await create_account(session, org, name="Acme", csms=[csm])
        for title in ("First", "Second", "Third"):
            await tasks.create_task(
                session, admin, TaskCreate(account_id=account.id, title=title, owner_id=csm.id)
            )
        first, second, third = await _notifications(session, user_id=csm.id)
        assert {n.email_state for n in (first, second, third)} == {EmailState.DIGEST}
        await notifications.mark_read(session, actor, second.id)
        # Nothing is emailed one by one.
        assert await notifications.send_emails(session, org.id, links=LINKS) == 0

        seven = datetime(2026, 3, 2, 7, 5, tzinfo=UTC)
        assert await notifications.organisations_with_digests_due(session, now=seven) == [org.id]
        eight = datetime(2026, 3, 2, 8, 5, tzinfo=UTC)
        assert await notifications.organisations_with_digests_due(session, now=eight) == []
        await session.commit()
        assert await notification_jobs.send_digests(job_ctx, str(org.id)) == 1
        assert await notification_jobs.send_digests(job_ctx, str(org.id)) == 0

        [digest] = await session.scalars(
            select(OutboundEmail).where(OutboundEmail.to_address == csm.email)
        )
        assert digest.subject == "Tenure: 2 unread notifications"
        assert "New task: First" in digest.text_body and "New task: Third" in digest.text_body
        assert "Second" not in digest.text_body
        states = {n.title: n.email_state for n in await _notifications(session, user_id=csm.id)}
        assert states == {
            "New task: First": EmailState.DIGESTED,
            "New task: Second": EmailState.SKIPPED,
            "New task: Third": EmailState.DIGESTED,
        }
        assert await notifications.organisations_with_digests_due(session, now=seven) == []


class TestEmailsOnARealSmtpServer:
    async def test_a_task_given_by_the_api_arrives_once(
        self,
        session: AsyncSession,
        sessionmaker: async_sessionmaker[AsyncSession],
        redis: Redis,
        settings: Settings,
        org: Organisation,
        smtp_server: tuple[Inbox, SmtpConfig],
    ) -> None:
        inbox, smtp = smtp_server
        csm = await create_user(session, org, full_name="Bea Csm")
        account = await create_account(session, org, name="Acme", csms=[csm])
        task = await tasks.create_task(
            session,
            Actor.system(org.id),
            TaskCreate(account_id=account.id, title="Call the sponsor", owner_id=csm.id),
        )
        await session.commit()
        await queue.relay_committed(redis, session)
        ctx = {"settings": settings, "smtp": smtp}

        worker = await run_burst_worker(settings, sessionmaker, extra_ctx=ctx)
        # Again, as a retry would: the notification's email is written already.
        await redis.enqueue_job(notifications.SEND_EMAILS_JOB, org_id=str(org.id), _job_id="again")
        await run_burst_worker(settings, sessionmaker, extra_ctx=ctx)

        assert worker.jobs_failed == 0
        [message] = inbox.messages
        assert inbox.recipients == [[csm.email]]
        assert message["Subject"] == "New task: Call the sponsor"
        body = message.get_body(preferencelist=("plain",))
        assert body is not None
        text = body.get_content()
        assert text.startswith("Hello Bea Csm,")
        assert f"http://tenure.test/accounts/{account.id}?task={task.id}" in text
        sent = await session.scalar(
            select(func.count())
            .select_from(OutboundEmail)
            .where(OutboundEmail.to_address == csm.email)
        )
        assert sent == 1
