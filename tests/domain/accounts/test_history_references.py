"""The references of account histories, current CSMs, audit entries and change marks, kept by
statement triggers rather than per-row foreign keys (migration 0036): a row cannot name a missing
account, user, stage or organisation, nor change what it names; deleting what it names does what
the foreign key did (the account's rows go with it, a deleted author becomes NULL, a deleted
CSM's periods go, an organisation's audit entries and change marks go with it); and an account
deleted while a bulk edit writes its history either waits for the edit and deletes that history
too, or makes the edit fail."""

import asyncio
import uuid
from collections.abc import AsyncIterator
from datetime import date
from typing import Any

import pytest
from sqlalchemy import func, select, text
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession

from domain.accounts import bulk_writes
from domain.accounts.models import (
    AccountCsm,
    ChurnEvent,
    CsmAssignmentPeriod,
    CsmScoreEntry,
    LifecycleStage,
    StagePeriod,
)
from domain.accounts.schemas import AccountUpdate, ChurnCreate
from domain.audit.models import AuditEntry
from domain.common.db import create_sessionmaker
from domain.freshness.models import AccountChange
from domain.orgs.models import Organisation
from domain.users.actor import Actor
from domain.users.permissions import Permission
from tests.factories import create_account, create_org, create_user

HISTORIES = (StagePeriod, CsmScoreEntry, CsmAssignmentPeriod, ChurnEvent, AccountCsm)


async def _count(session: AsyncSession, model: Any, *where: Any) -> int:
    return int(await session.scalar(select(func.count()).select_from(model).where(*where)) or 0)


async def _stage(session: AsyncSession, org_id: uuid.UUID, name: str) -> uuid.UUID:
    stage = await session.scalar(
        select(LifecycleStage.id).where(
            LifecycleStage.org_id == org_id, LifecycleStage.name == name
        )
    )
    assert stage is not None
    return stage


async def _edit(session: AsyncSession, org: Organisation, account_ids: list[uuid.UUID]) -> None:
    """A bulk edit writing every kind of history: stage and CSM periods, a score entry, current
    CSMs and an audit entry per account, then a churn event."""
    admin = await create_user(session, org, role_name="Admin")
    csm = await create_user(session, org, role_name="CSM")
    actor = Actor(org_id=org.id, user_id=admin.id, permissions=frozenset(Permission))
    data = AccountUpdate(stage_id=await _stage(session, org.id, "Renewal"), csm_score=40)
    changed = bulk_writes.CsmChange(replace=[csm.id])
    await bulk_writes.write_same_edit(session, actor, account_ids, data, csms=changed)
    churn = ChurnCreate(churned_on=date(2026, 3, 1), reason="Budget")
    await bulk_writes.churn_accounts(session, actor, account_ids, churn)


async def _insert_score(session: AsyncSession, **row: Any) -> None:
    await session.execute(
        text(
            "INSERT INTO csm_score_history (id, org_id, account_id, changed_by_id, score, "
            "recorded_at) VALUES (gen_random_uuid(), :org, :account, :by, 50, now())"
        ),
        row,
    )


class TestDeletes:
    async def test_deleting_an_account_deletes_its_histories_only(
        self, session: AsyncSession, org: Organisation
    ) -> None:
        gone = await create_account(session, org)
        kept = await create_account(session, org)
        await _edit(session, org, [gone.id, kept.id])
        for model in HISTORIES:
            assert await _count(session, model, model.account_id == gone.id) > 0, model

        await session.execute(text("DELETE FROM accounts WHERE id = :id"), {"id": gone.id})

        for model in HISTORIES:
            assert await _count(session, model, model.account_id == gone.id) == 0, model
            assert await _count(session, model, model.account_id == kept.id) > 0, model

    async def test_deleting_a_user_ends_their_assignments_and_keeps_what_they_wrote(
        self, session: AsyncSession, org: Organisation
    ) -> None:
        account = await create_account(session, org)
        await _edit(session, org, [account.id])
        author = await session.scalar(
            select(StagePeriod.changed_by_id).where(StagePeriod.account_id == account.id)
        )
        csm = await session.scalar(
            select(AccountCsm.user_id).where(AccountCsm.account_id == account.id)
        )
        assert author is not None and csm is not None

        await session.execute(
            text("DELETE FROM users WHERE id = ANY(:ids)"), {"ids": [author, csm]}
        )

        assert await _count(session, AccountCsm, AccountCsm.account_id == account.id) == 0
        assert await _count(session, CsmAssignmentPeriod, CsmAssignmentPeriod.user_id == csm) == 0
        for model in (StagePeriod, CsmScoreEntry, ChurnEvent):
            assert await _count(session, model, model.account_id == account.id) == 1, model
            assert await _count(session, model, model.changed_by_id.is_not(None)) == 0, model
        assert await _count(session, AuditEntry, AuditEntry.actor_user_id == author) == 0
        assert await _count(session, AuditEntry, AuditEntry.entity_id == account.id) == 2

    async def test_deleting_a_stage_keeps_its_periods_by_name(
        self, session: AsyncSession, org: Organisation
    ) -> None:
        account = await create_account(session, org)
        await _edit(session, org, [account.id])
        renewal = await _stage(session, org.id, "Renewal")
        await session.execute(
            text("UPDATE accounts SET stage_id = NULL WHERE org_id = :o"), {"o": org.id}
        )

        await session.execute(text("DELETE FROM lifecycle_stages WHERE id = :id"), {"id": renewal})

        period = (
            await session.scalars(select(StagePeriod).where(StagePeriod.account_id == account.id))
        ).one()
        assert (period.stage_id, period.stage_name) == (None, "Renewal")

    async def test_deleting_an_organisation_deletes_its_rows_only(
        self, session: AsyncSession, org: Organisation, other_org: Organisation
    ) -> None:
        for tenant in (org, other_org):
            await _edit(session, tenant, [(await create_account(session, tenant)).id])
            await session.commit()  # writes the accounts' change marks

        await session.execute(text("DELETE FROM organisations WHERE id = :id"), {"id": org.id})

        for model in (*HISTORIES, AuditEntry, AccountChange):
            assert await _count(session, model, model.org_id == org.id) == 0, model
            assert await _count(session, model, model.org_id == other_org.id) > 0, model


class TestChecks:
    @pytest.mark.parametrize("wrong", ["org", "account", "by"])
    async def test_a_history_row_names_what_exists(
        self, session: AsyncSession, org: Organisation, wrong: str
    ) -> None:
        account = await create_account(session, org)
        admin = await create_user(session, org, role_name="Admin")
        row = {"org": org.id, "account": account.id, "by": admin.id}
        await _insert_score(session, **row)
        with pytest.raises(IntegrityError, match="ForeignKeyViolation"):
            async with session.begin_nested():
                await _insert_score(session, **{**row, wrong: uuid.uuid4()})

        assert await _count(session, CsmScoreEntry, CsmScoreEntry.account_id == account.id) == 1

    async def test_an_audit_entry_names_an_existing_actor(
        self, session: AsyncSession, org: Organisation
    ) -> None:
        with pytest.raises(IntegrityError, match="ForeignKeyViolation"):
            async with session.begin_nested():
                await session.execute(
                    text(
                        "INSERT INTO audit_log (id, org_id, actor_user_id, action, entity_type) "
                        "VALUES (gen_random_uuid(), :org, :actor, 'x', 'x')"
                    ),
                    {"org": org.id, "actor": uuid.uuid4()},
                )

    async def test_a_rows_references_are_fixed_but_a_reactivation_gets_its_author(
        self, session: AsyncSession, org: Organisation
    ) -> None:
        account = await create_account(session, org)
        other = await create_account(session, org)
        await _edit(session, org, [account.id])

        with pytest.raises(IntegrityError, match="ForeignKeyViolation"):
            async with session.begin_nested():
                await session.execute(
                    text("UPDATE stage_history SET account_id = :other WHERE account_id = :a"),
                    {"other": other.id, "a": account.id},
                )
        with pytest.raises(IntegrityError, match="ForeignKeyViolation"):
            async with session.begin_nested():
                await session.execute(
                    text("UPDATE churn_events SET reactivated_by_id = :u WHERE account_id = :a"),
                    {"u": uuid.uuid4(), "a": account.id},
                )
        # Other columns change as before, and a reactivation names its author.
        author = await create_user(session, org, role_name="Admin")
        await session.execute(
            text(
                "UPDATE churn_events SET reactivated_on = churned_on, reactivated_by_id = :u "
                "WHERE account_id = :a"
            ),
            {"u": author.id, "a": account.id},
        )
        await session.execute(
            text("UPDATE stage_history SET left_at = now() WHERE account_id = :a"),
            {"a": account.id},
        )


class TestAccountsTierAndStage:
    async def test_an_account_names_an_existing_tier_and_stage(
        self, session: AsyncSession, org: Organisation, other_org: Organisation
    ) -> None:
        account = await create_account(session, org, name="Kept Co")
        for column in ("tier_id", "stage_id"):
            with pytest.raises(IntegrityError, match="ForeignKeyViolation"):
                async with session.begin_nested():
                    await session.execute(
                        text(f"UPDATE accounts SET {column} = :v WHERE id = :a"),
                        {"v": uuid.uuid4(), "a": account.id},
                    )
            with pytest.raises(IntegrityError, match="ForeignKeyViolation"):
                async with session.begin_nested():
                    await create_account(session, other_org, **{column: uuid.uuid4()})
        renewal = await _stage(session, org.id, "Renewal")
        await session.execute(
            text("UPDATE accounts SET stage_id = :s WHERE id = :a"), {"s": renewal, "a": account.id}
        )
        assert (
            await session.scalar(
                text("SELECT stage_id FROM accounts WHERE id = :a"), {"a": account.id}
            )
            == renewal
        )

    async def test_deleting_a_tier_or_stage_clears_it_from_its_accounts_only(
        self, session: AsyncSession, org: Organisation
    ) -> None:
        renewal = await _stage(session, org.id, "Renewal")
        tiers = list(
            await session.scalars(
                text("SELECT id FROM tiers WHERE org_id = :o ORDER BY position"), {"o": org.id}
            )
        )
        gone = await create_account(session, org, tier_id=tiers[0], stage_id=renewal)
        kept = await create_account(session, org, tier_id=tiers[1])

        await session.execute(text("DELETE FROM tiers WHERE id = :t"), {"t": tiers[0]})
        await session.execute(text("DELETE FROM lifecycle_stages WHERE id = :s"), {"s": renewal})

        rows = await session.execute(
            text("SELECT id, tier_id, stage_id FROM accounts WHERE org_id = :o"), {"o": org.id}
        )
        assert {r.id: (r.tier_id, r.stage_id) for r in rows} == {
            gone.id: (None, None),
            kept.id: (tiers[1], None),
        }


@pytest.fixture
async def committed_org(engine: AsyncEngine) -> AsyncIterator[uuid.UUID]:
    async with create_sessionmaker(engine)() as session:
        org, _ = await create_org(session, name=f"history-refs-{uuid.uuid4().hex[:8]}")
        await create_account(session, org)
        await session.commit()
    yield org.id
    async with engine.begin() as conn:
        await conn.execute(text("DELETE FROM organisations WHERE id = :id"), {"id": org.id})


async def _edit_all(session: AsyncSession, org_id: uuid.UUID) -> None:
    org = await session.get(Organisation, org_id)
    assert org is not None
    ids = list(
        await session.scalars(text("SELECT id FROM accounts WHERE org_id = :o"), {"o": org_id})
    )
    await _edit(session, org, ids)


class TestConcurrentDelete:
    async def test_an_account_deleted_during_an_edit_waits_and_deletes_its_history(
        self, engine: AsyncEngine, committed_org: uuid.UUID
    ) -> None:
        sessions = create_sessionmaker(engine)
        async with sessions() as editing, sessions() as deleting:
            await _edit_all(editing, committed_org)
            delete = asyncio.create_task(
                deleting.execute(
                    text("DELETE FROM accounts WHERE org_id = :o"), {"o": committed_org}
                )
            )
            await asyncio.sleep(0.3)
            assert not delete.done()  # held by the edit's lock on the account
            await editing.commit()
            await delete
            await deleting.commit()
        async with sessions() as session:
            for model in HISTORIES:
                assert await _count(session, model, model.org_id == committed_org) == 0, model

    async def test_an_account_deleted_before_the_edit_writes_makes_it_fail_or_skip_it(
        self, engine: AsyncEngine, committed_org: uuid.UUID
    ) -> None:
        sessions = create_sessionmaker(engine)
        async with sessions() as editing, sessions() as deleting:
            org = await editing.get(Organisation, committed_org)
            assert org is not None
            admin = await create_user(editing, org, role_name="Admin")
            ids = list(
                await editing.scalars(
                    text("SELECT id FROM accounts WHERE org_id = :o"), {"o": committed_org}
                )
            )
            await deleting.execute(
                text("DELETE FROM accounts WHERE org_id = :o"), {"o": committed_org}
            )
            score = asyncio.create_task(
                _insert_score(editing, org=committed_org, account=ids[0], by=admin.id)
            )
            await asyncio.sleep(0.3)
            assert not score.done()  # waits on the deleted account's lock
            await deleting.commit()
            with pytest.raises(IntegrityError, match="ForeignKeyViolation"):
                await score
            await editing.rollback()
        async with sessions() as session:
            assert await _count(session, CsmScoreEntry, CsmScoreEntry.org_id == committed_org) == 0
