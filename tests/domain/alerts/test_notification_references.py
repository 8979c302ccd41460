"""A notification's organisation, user, account, alert and task, kept by statement triggers
rather than per-row foreign keys (migration 0044): deleting any of them deletes its
notifications (an organisation's go with its accounts and users); a notification cannot name
one that is missing, nor change what it names; and a pass that opens many alerts tells each
account's CSM of each."""

import uuid
from datetime import UTC, datetime
from typing import Any

import pytest
from sqlalchemy import func, select, text
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from domain.accounts.models import Account
from domain.alerts import service as alerts
from domain.alerts.models import Alert, EvaluationTrigger
from domain.alerts.schemas import AlertRuleCreate
from domain.notifications import repository as notification_sql
from domain.notifications.models import Notification
from domain.orgs.models import Organisation
from domain.tasks.models import Task
from domain.users.actor import Actor
from domain.users.models import User
from tests.factories import create_account, create_user

AT = datetime(2026, 3, 1, 9, tzinfo=UTC)
AT_RISK = {"kind": "compare", "field": "name", "op": "starts_with", "value": "Risky"}


async def _count(session: AsyncSession, *where: Any) -> int:
    return int(
        await session.scalar(select(func.count()).select_from(Notification).where(*where)) or 0
    )


async def _alert_tasks(session: AsyncSession, org: Organisation, accounts: int) -> User:
    """`accounts` risky accounts of one CSM and a rule whose alerts are tasks: its pass tells
    the CSM of each alert task (a notification naming the account, the alert and the task)."""
    csm = await create_user(session, org, role_name="CSM")
    for n in range(accounts):
        await create_account(session, org, name=f"Risky {n}", csms=[csm])
    rule = AlertRuleCreate.model_validate(
        {"name": "At risk", "type": "churn", "condition": AT_RISK, "creates_task": True}
    )
    await alerts.create_rule(session, Actor.system(org.id), rule)
    assert (
        await alerts.evaluate(session, org.id, trigger=EvaluationTrigger.SCHEDULE, now=AT)
        == accounts
    )
    await session.flush()
    assert await _count(session, Notification.user_id == csm.id) == accounts
    return csm


async def _one(session: AsyncSession, model: Any, org: Organisation) -> uuid.UUID:
    found = await session.scalar(select(model.id).where(model.org_id == org.id).limit(1))
    assert found is not None
    return uuid.UUID(str(found))


class TestDeletes:
    @pytest.mark.parametrize("model", [Account, Alert, Task])
    async def test_deleting_what_a_notification_names_deletes_it_only(
        self, session: AsyncSession, org: Organisation, model: Any
    ) -> None:
        csm = await _alert_tasks(session, org, 2)
        gone = await _one(session, model, org)
        column = {Account: "account_id", Alert: "alert_id", Task: "task_id"}[model]

        await session.execute(
            text(f"DELETE FROM {model.__tablename__} WHERE id = :id"), {"id": gone}
        )

        assert await _count(session, getattr(Notification, column) == gone) == 0
        assert await _count(session, Notification.user_id == csm.id) == 1

    async def test_deleting_a_user_deletes_their_notifications(
        self, session: AsyncSession, org: Organisation
    ) -> None:
        csm = await _alert_tasks(session, org, 2)

        await session.execute(text("DELETE FROM users WHERE id = :id"), {"id": csm.id})

        assert await _count(session, Notification.org_id == org.id) == 0

    async def test_deleting_an_organisation_deletes_its_notifications_only(
        self, session: AsyncSession, org: Organisation, other_org: Organisation
    ) -> None:
        for tenant in (org, other_org):
            await _alert_tasks(session, tenant, 1)

        await session.execute(text("DELETE FROM organisations WHERE id = :id"), {"id": org.id})

        assert await _count(session, Notification.org_id == org.id) == 0
        assert await _count(session, Notification.org_id == other_org.id) == 1


class TestChecks:
    @pytest.mark.parametrize("wrong", ["org_id", "user_id", "account_id", "alert_id", "task_id"])
    async def test_a_notification_names_what_exists(
        self, session: AsyncSession, org: Organisation, wrong: str
    ) -> None:
        csm = await _alert_tasks(session, org, 1)
        copy = (
            "INSERT INTO notifications (id, org_id, user_id, kind, account_id, task_id, "
            "alert_id, title, body, dedupe_key, in_app, email_state) "
            "SELECT gen_random_uuid(), {org_id}, {user_id}, kind, {account_id}, {task_id}, "
            "{alert_id}, title, body, dedupe_key || :n, in_app, email_state FROM notifications "
            "WHERE user_id = :csm"
        )
        columns = ("org_id", "user_id", "account_id", "task_id", "alert_id")
        same = {c: c for c in columns}
        await session.execute(text(copy.format(**same)), {"n": "-copy", "csm": csm.id})
        with pytest.raises(IntegrityError, match="ForeignKeyViolation"):
            async with session.begin_nested():
                await session.execute(
                    text(copy.format(**{**same, wrong: ":missing"})),
                    {"n": "-wrong", "csm": csm.id, "missing": uuid.uuid4()},
                )

        assert await _count(session, Notification.user_id == csm.id) == 2

    async def test_what_a_notification_names_is_fixed_but_it_can_be_read(
        self, session: AsyncSession, org: Organisation
    ) -> None:
        csm = await _alert_tasks(session, org, 2)
        other = await create_account(session, org, name="Other Co")

        with pytest.raises(IntegrityError, match="ForeignKeyViolation"):
            async with session.begin_nested():
                await session.execute(
                    text("UPDATE notifications SET account_id = :a WHERE user_id = :u"),
                    {"a": other.id, "u": csm.id},
                )
        await session.execute(
            text("UPDATE notifications SET read_at = now() WHERE user_id = :u"), {"u": csm.id}
        )

        assert await _count(session, Notification.read_at.is_not(None)) == 2


class TestManyAlerts:
    async def test_a_pass_that_opens_many_notifies_each_and_plans_as_before_afterwards(
        self, session: AsyncSession, org: Organisation, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        # Three alerts count as many: the statement runs with hash joins, then the
        # transaction's settings are the defaults again.
        monkeypatch.setattr(notification_sql, "_MANY_ALERTS", 3)
        before = await session.scalar(text("SHOW work_mem"))

        await _alert_tasks(session, org, 3)

        assert await session.scalar(text("SHOW enable_nestloop")) == "on"
        assert await session.scalar(text("SHOW work_mem")) == before
