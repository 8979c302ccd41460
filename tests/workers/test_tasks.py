"""Alert tasks and playbook tasks made by workers: in the statement that opens the alert, once
per alert under retried jobs and concurrent evaluations and conversions, with each playbook
step's assignee resolved and the steps copied (editing the playbook changes no task made)."""

import asyncio
import uuid
from collections.abc import AsyncIterator
from datetime import UTC, date, datetime
from typing import Any

import pytest
from sqlalchemy import func, select, text
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession

from domain.alerts import service as alerts
from domain.alerts.models import Alert, AlertRule, EvaluationTrigger
from domain.alerts.repository import AlertRepository, TaskPlan
from domain.alerts.schemas import AlertRuleCreate, PlaybookRead, PlaybookWrite
from domain.common.db import create_sessionmaker
from domain.orgs.models import Organisation
from domain.tasks.models import Task
from domain.users.actor import Actor
from domain.users.models import User
from tests.factories import create_account, create_org, create_user
from workers.jobs import alerts as alert_jobs

MAR_1 = datetime(2026, 3, 1, 9, tzinfo=UTC)
AT_RISK = {"kind": "compare", "field": "name", "op": "starts_with", "value": "Risky"}


async def _playbook(session: AsyncSession, org: Organisation, named: User) -> PlaybookRead:
    data = PlaybookWrite.model_validate(
        {
            "name": f"Save {uuid.uuid4().hex[:6]}",
            "steps": [
                {"title": "Call the sponsor", "due_in_days": 2},
                {"title": "Escalate", "due_in_days": 5, "assignee": "manager"},
                {"title": "Offer training", "assignee": "user", "assignee_user_id": str(named.id)},
            ],
        }
    )
    return await alerts.create_playbook(session, Actor.system(org.id), data)


async def _rule(session: AsyncSession, org: Organisation, **overrides: Any) -> AlertRule:
    data = AlertRuleCreate.model_validate(
        {
            "name": f"Rule {uuid.uuid4().hex[:6]}",
            "type": "churn",
            "description": "At risk",
            "condition": AT_RISK,
            **overrides,
        }
    )
    read = await alerts.create_rule(session, Actor.system(org.id), data)
    return await session.get_one(AlertRule, read.id)


async def _tasks(session: AsyncSession, account_id: uuid.UUID) -> list[Task]:
    rows = await session.scalars(
        select(Task)
        .where(Task.account_id == account_id)
        .order_by(Task.parent_id.nulls_first(), Task.title)
        .execution_options(populate_existing=True)
    )
    return list(rows)


class TestAlertTasks:
    async def test_a_rule_that_creates_tasks_makes_its_alert_a_task_with_its_playbook(
        self, session: AsyncSession, org: Organisation
    ) -> None:
        manager = await create_user(session, org, role_name="CSM Manager")
        csm = await create_user(session, org, manager_id=manager.id)
        trainer = await create_user(session, org)
        risky = await create_account(session, org, name="Risky Co", csms=[csm])
        playbook = await _playbook(session, org, trainer)
        await _rule(session, org, creates_task=True, playbook_id=str(playbook.id))

        await alerts.evaluate(session, org.id, trigger=EvaluationTrigger.SCHEDULE, now=MAR_1)

        alert_task, *steps = await _tasks(session, risky.id)
        (alert,) = await session.scalars(select(Alert).where(Alert.account_id == risky.id))
        assert (alert_task.type, alert_task.alert_id, alert_task.owner_id) == (
            "alert",
            alert.id,
            csm.id,
        )
        assert (alert_task.details, alert_task.created_at) == ("At risk", MAR_1)
        assert [(s.title, s.type, s.parent_id, s.owner_id, s.due_on) for s in steps] == [
            ("Call the sponsor", "playbook", alert_task.id, csm.id, date(2026, 3, 3)),
            ("Escalate", "playbook", alert_task.id, manager.id, date(2026, 3, 6)),
            ("Offer training", "playbook", alert_task.id, trainer.id, date(2026, 3, 1)),
        ]

    async def test_a_playbook_without_an_alert_task_makes_tasks_linked_to_the_alert(
        self, session: AsyncSession, org: Organisation
    ) -> None:
        risky = await create_account(session, org, name="Risky Co")
        playbook = await _playbook(session, org, await create_user(session, org))
        await _rule(session, org, playbook_id=str(playbook.id))

        await alerts.evaluate(session, org.id, trigger=EvaluationTrigger.SCHEDULE, now=MAR_1)

        made = await _tasks(session, risky.id)
        assert {t.type for t in made} == {"playbook"}
        assert len(made) == 3 and all(t.alert_id and t.parent_id is None for t in made)

    async def test_editing_the_playbook_changes_no_task_already_made(
        self, session: AsyncSession, org: Organisation
    ) -> None:
        risky = await create_account(session, org, name="Risky Co")
        playbook = await _playbook(session, org, await create_user(session, org))
        await _rule(session, org, creates_task=True, playbook_id=str(playbook.id))
        await alerts.evaluate(session, org.id, trigger=EvaluationTrigger.SCHEDULE, now=MAR_1)
        before = [(t.title, t.due_on) for t in await _tasks(session, risky.id)]

        await alerts.update_playbook(
            session,
            Actor.system(org.id),
            playbook.id,
            PlaybookWrite.model_validate(
                {"name": playbook.name, "steps": [{"title": "Something else", "due_in_days": 9}]}
            ),
        )

        assert [(t.title, t.due_on) for t in await _tasks(session, risky.id)] == before
        assert [
            s.title
            for s in (await alerts.get_playbook(session, Actor.system(org.id), playbook.id)).steps
        ] == ["Something else"]

    async def test_a_retried_job_and_a_repeated_insert_make_no_task_twice(
        self, session: AsyncSession, org: Organisation, job_ctx: dict[str, Any]
    ) -> None:
        risky = await create_account(session, org, name="Risky Co")
        playbook = await _playbook(session, org, await create_user(session, org))
        rule = await _rule(session, org, creates_task=True, playbook_id=str(playbook.id))
        await session.commit()

        assert await alert_jobs.evaluate_rule(job_ctx, str(org.id), str(rule.id)) == 1
        assert await alert_jobs.evaluate_rule(job_ctx, str(org.id), str(rule.id)) == 0
        (alert,) = await session.scalars(select(Alert).where(Alert.account_id == risky.id))
        # The statement itself run again for the same alert (a job killed after inserting,
        # then retried) makes nothing: the one-task-per-alert indexes hold.
        plan = TaskPlan(
            creates_task=True, playbook_id=playbook.id, title=rule.name, today=date(2026, 3, 1)
        )
        assert await AlertRepository(session, org.id).make_tasks(alert.id, plan, now=MAR_1) == 0

        assert len(await _tasks(session, risky.id)) == 4


@pytest.fixture
async def committed_org(engine: AsyncEngine) -> AsyncIterator[uuid.UUID]:
    async with create_sessionmaker(engine)() as session:
        org, _ = await create_org(session, name=f"tasks-{uuid.uuid4().hex[:8]}")
        await session.commit()
    yield org.id
    async with engine.begin() as conn:
        await conn.execute(text("DELETE FROM organisations WHERE id = :id"), {"id": org.id})


async def test_two_conversions_at_once_make_one_alert_task(
    engine: AsyncEngine, committed_org: uuid.UUID
) -> None:
    sessionmaker = create_sessionmaker(engine)
    async with sessionmaker() as session:
        org = await session.get_one(Organisation, committed_org)
        await create_account(session, org, name="Risky Co")
        playbook = await _playbook(session, org, await create_user(session, org))
        rule = await _rule(session, org, playbook_id=str(playbook.id))
        await alerts.evaluate(session, org.id, trigger=EvaluationTrigger.SCHEDULE)
        alert_id = await session.scalar(select(Alert.id).where(Alert.rule_id == rule.id))
        await session.commit()
    assert alert_id is not None

    async def convert() -> int:
        async with sessionmaker() as session:
            plan = TaskPlan(
                creates_task=True, playbook_id=playbook.id, title="x", today=date.today()
            )
            made = await AlertRepository(session, committed_org).make_tasks(
                alert_id, plan, now=datetime.now(UTC)
            )
            await asyncio.sleep(0.05)
            await session.commit()
            return made

    made = await asyncio.gather(convert(), convert())

    async with sessionmaker() as session:
        alert_tasks = await session.scalar(
            select(func.count())
            .select_from(Task)
            .where(Task.alert_id == alert_id, Task.type == "alert")
        )
    assert alert_tasks == 1
    # The evaluation made the three playbook tasks; the winning conversion only the alert task.
    assert sorted(made) == [0, 1]
