"""An alert's account, rule and organisation, kept by statement triggers rather than per-row
foreign keys (migration 0030): deleting an account, a rule or an organisation deletes their
alerts; an alert cannot name an account or rule that is missing or of another organisation, nor
change them; and an account deleted while its alert is being inserted either waits for the
insert and deletes the alert too, or makes the insert fail."""

import asyncio
import uuid
from collections.abc import AsyncIterator
from datetime import UTC, datetime
from typing import Any

import pytest
from sqlalchemy import func, select, text
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession

from domain.alerts import service as alerts
from domain.alerts.models import Alert, AlertRule, EvaluationTrigger
from domain.alerts.schemas import AlertRuleCreate
from domain.common.db import create_sessionmaker
from domain.orgs.models import Organisation
from domain.tasks.models import Task
from domain.users.actor import Actor
from tests.factories import create_account, create_org

AT = datetime(2026, 3, 1, 9, tzinfo=UTC)
AT_RISK = {"kind": "compare", "field": "name", "op": "starts_with", "value": "Risky"}


async def _rule(session: AsyncSession, org_id: uuid.UUID, **overrides: Any) -> uuid.UUID:
    data = AlertRuleCreate.model_validate(
        {
            "name": f"Rule {uuid.uuid4().hex[:6]}",
            "type": "churn",
            "description": "At risk",
            "condition": AT_RISK,
            **overrides,
        }
    )
    return (await alerts.create_rule(session, Actor.system(org_id), data)).id


async def _count(session: AsyncSession, model: Any, *where: Any) -> int:
    return int(await session.scalar(select(func.count()).select_from(model).where(*where)) or 0)


async def _fire(session: AsyncSession, org_id: uuid.UUID) -> int:
    fired = await alerts.evaluate(session, org_id, trigger=EvaluationTrigger.SCHEDULE, now=AT)
    await session.flush()
    return fired


async def _insert(session: AsyncSession, **row: Any) -> None:
    await session.execute(
        text(
            "INSERT INTO alerts (id, org_id, rule_id, account_id, fired_at, status, reason, "
            "values) VALUES (gen_random_uuid(), :org, :rule, :account, now(), 'dismissed', "
            "'r', '{}')"
        ),
        row,
    )


class TestDeletes:
    async def test_deleting_an_account_deletes_its_alerts_and_their_tasks(
        self, session: AsyncSession, org: Organisation
    ) -> None:
        gone = await create_account(session, org, name="Risky Gone")
        kept = await create_account(session, org, name="Risky Kept")
        await _rule(session, org.id, creates_task=True)
        assert await _fire(session, org.id) == 2

        await session.execute(text("DELETE FROM accounts WHERE id = :id"), {"id": gone.id})

        assert await _count(session, Alert, Alert.account_id == gone.id) == 0
        assert await _count(session, Alert, Alert.account_id == kept.id) == 1
        assert await _count(session, Task, Task.org_id == org.id) == 1

    async def test_deleting_a_rule_deletes_its_alerts_only(
        self, session: AsyncSession, org: Organisation
    ) -> None:
        await create_account(session, org, name="Risky Co")
        gone = await _rule(session, org.id)
        kept = await _rule(session, org.id)
        assert await _fire(session, org.id) == 2

        await session.execute(text("DELETE FROM alert_rules WHERE id = :id"), {"id": gone})

        assert await _count(session, Alert, Alert.rule_id == gone) == 0
        assert await _count(session, Alert, Alert.rule_id == kept) == 1

    async def test_deleting_an_organisation_deletes_its_alerts_only(
        self, session: AsyncSession, org: Organisation, other_org: Organisation
    ) -> None:
        for tenant in (org, other_org):
            await create_account(session, tenant, name="Risky Co")
            await _rule(session, tenant.id)
            assert await _fire(session, tenant.id) == 1

        await session.execute(text("DELETE FROM organisations WHERE id = :id"), {"id": org.id})

        assert await _count(session, Alert, Alert.org_id == org.id) == 0
        assert await _count(session, Alert, Alert.org_id == other_org.id) == 1


class TestChecks:
    @pytest.mark.parametrize("wrong", ["account", "rule", "org"])
    async def test_an_alert_names_an_existing_account_and_rule_of_its_organisation(
        self, session: AsyncSession, org: Organisation, other_org: Organisation, wrong: str
    ) -> None:
        account = await create_account(session, org, name="Risky Co")
        rule = await _rule(session, org.id)
        theirs = {
            "account": (await create_account(session, other_org, name="Risky Theirs")).id,
            "rule": await _rule(session, other_org.id),
            "org": other_org.id,
        }
        row = {"org": org.id, "rule": rule, "account": account.id}
        await _insert(session, **row)
        for bad in (uuid.uuid4(), theirs[wrong]):
            with pytest.raises(IntegrityError, match="ForeignKeyViolation"):
                async with session.begin_nested():
                    await _insert(session, **{**row, wrong: bad})

        assert await _count(session, Alert, Alert.org_id.in_([org.id, other_org.id])) == 1

    async def test_an_alerts_account_rule_and_organisation_are_fixed(
        self, session: AsyncSession, org: Organisation
    ) -> None:
        await create_account(session, org, name="Risky Co")
        other = await create_account(session, org, name="Other Co")
        await _rule(session, org.id)
        await _fire(session, org.id)

        with pytest.raises(IntegrityError, match="ForeignKeyViolation"):
            async with session.begin_nested():
                await session.execute(
                    text("UPDATE alerts SET account_id = :a WHERE org_id = :o"),
                    {"a": other.id, "o": org.id},
                )
        # Other columns change as before.
        await session.execute(
            text("UPDATE alerts SET status = 'dismissed' WHERE org_id = :o"), {"o": org.id}
        )


@pytest.fixture
async def committed_org(engine: AsyncEngine) -> AsyncIterator[uuid.UUID]:
    async with create_sessionmaker(engine)() as session:
        org, _ = await create_org(session, name=f"references-{uuid.uuid4().hex[:8]}")
        await create_account(session, org, name="Risky Co")
        await _rule(session, org.id)
        await session.commit()
    yield org.id
    async with engine.begin() as conn:
        await conn.execute(text("DELETE FROM organisations WHERE id = :id"), {"id": org.id})


class TestConcurrentDelete:
    async def test_an_account_deleted_during_the_insert_waits_and_deletes_the_alert(
        self, engine: AsyncEngine, committed_org: uuid.UUID
    ) -> None:
        sessions = create_sessionmaker(engine)
        async with sessions() as inserting, sessions() as deleting:
            assert await _fire(inserting, committed_org) == 1
            delete = asyncio.create_task(
                deleting.execute(
                    text("DELETE FROM accounts WHERE org_id = :o"), {"o": committed_org}
                )
            )
            await asyncio.sleep(0.3)
            assert not delete.done()  # held by the inserted alert's lock on its account
            await inserting.commit()
            await delete
            await deleting.commit()
        async with sessions() as session:
            assert await _count(session, Alert, Alert.org_id == committed_org) == 0

    async def test_an_account_deleted_before_the_insert_commits_makes_it_fail(
        self, engine: AsyncEngine, committed_org: uuid.UUID
    ) -> None:
        sessions = create_sessionmaker(engine)
        async with sessions() as inserting, sessions() as deleting:
            # The evaluation reads the account before the delete commits.
            await inserting.scalar(select(func.count()).select_from(AlertRule))
            await deleting.execute(
                text("DELETE FROM accounts WHERE org_id = :o"), {"o": committed_org}
            )
            evaluate = asyncio.create_task(_fire(inserting, committed_org))
            await asyncio.sleep(0.3)
            assert not evaluate.done()  # waits on the deleted account's lock
            await deleting.commit()
            with pytest.raises(IntegrityError, match="ForeignKeyViolation"):
                await evaluate
            await inserting.rollback()
        async with sessions() as session:
            assert await _count(session, Alert, Alert.org_id == committed_org) == 0
