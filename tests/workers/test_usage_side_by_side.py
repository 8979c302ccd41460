"""The rollup job runs its day slices side by side, each on its own connection (committed
data, unlike the rest of the suite): the result is the one slice-after-slice rollup gives,
and a failed rollup puts its days back as pending."""

import json
import uuid
from collections.abc import AsyncIterator
from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest
from redis.asyncio import Redis
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

from domain.common.db import create_sessionmaker
from domain.common.settings import Settings
from domain.usage import service as usage
from domain.usage.schemas import ContactUpsert
from domain.users.actor import Actor
from domain.users.permissions import Permission
from tests.factories import create_account, create_org
from workers.jobs import usage as usage_jobs

# Older than the live chain's window: the organisation's rollup takes these days.
FIRST = date(2026, 9, 7)
DAYS = 8


@pytest.fixture
async def committed_org(engine: AsyncEngine) -> AsyncIterator[uuid.UUID]:
    async with create_sessionmaker(engine)() as session:
        org, _ = await create_org(session, name=f"rollup-{uuid.uuid4().hex[:8]}")
        for n in range(3):
            await create_account(session, org, external_id=f"acct-{n}")
        actor = Actor(org_id=org.id, user_id=None, permissions=frozenset(Permission))
        start = datetime.combine(FIRST, datetime.min.time(), UTC)
        items = [
            {
                "message_id": f"m-{n}",
                "name": "Clicked",
                "feature": f"f-{n % 4}",
                "contact_external_id": f"user-{n % 7}",
                "account_external_id": f"acct-{n % 3}",
                # Every 47 minutes for eight days: sessions across midnights and slice edges.
                "occurred_at": (start + timedelta(minutes=47 * n)).isoformat(),
            }
            for n in range(DAYS * 24 * 60 // 47)
        ]
        for n in range(7):
            await usage.upsert_contact(
                session,
                actor,
                ContactUpsert(external_id=f"user-{n}", account_external_ids=[f"acct-{n % 3}"]),
            )
        result = await usage.ingest_event_batch(
            session, actor, json.dumps({"items": items}).encode()
        )
        assert result.rejected == 0
        await session.commit()
    yield org.id
    async with engine.begin() as conn:
        await conn.execute(text("DELETE FROM organisations WHERE id = :id"), {"id": org.id})


async def _rollups(engine: AsyncEngine, org_id: uuid.UUID) -> dict[str, list[Any]]:
    out = {}
    async with engine.connect() as conn:
        for table in ("usage_daily_contact", "usage_daily_account", "usage_daily_feature"):
            rows = await conn.execute(
                text(f"SELECT * FROM {table} WHERE org_id = :o ORDER BY 1, 2, 3, 4, 5"),
                {"o": org_id},
            )
            out[table] = [tuple(r) for r in rows]
    return out


async def test_slices_side_by_side_give_the_slice_after_slice_result(
    engine: AsyncEngine, redis: Redis, settings: Settings, committed_org: uuid.UUID
) -> None:
    ctx = {
        "sessionmaker": create_sessionmaker(engine),
        "redis": redis,
        "settings": settings.model_copy(update={"rollup_parallelism": 3}),
    }

    done = await usage_jobs.roll_up(ctx, str(committed_org))
    side_by_side = await _rollups(engine, committed_org)
    async with create_sessionmaker(engine)() as session:
        days = [FIRST + timedelta(days=n) for n in range(DAYS + 1)]
        await usage.roll_up(session, committed_org, days=days)
        await session.commit()

    # Every day with events and the day after the last one, in slices of three.
    assert done == DAYS + 1
    assert len(side_by_side["usage_daily_contact"]) > 3 * DAYS
    assert side_by_side == await _rollups(engine, committed_org)
    assert await usage_jobs.roll_up(ctx, str(committed_org)) == 0


async def test_a_failed_rollup_puts_its_days_back(
    engine: AsyncEngine, committed_org: uuid.UUID
) -> None:
    sessionmaker = create_sessionmaker(engine)
    async with sessionmaker() as session:
        plan = await usage.plan_roll_up(session, committed_org)
        await session.commit()
    async with sessionmaker() as session:
        await usage.put_back(session, plan)
        await session.commit()

    async with sessionmaker() as session:
        again = await usage.plan_roll_up(session, committed_org)
        await session.rollback()
    assert again.days == plan.days and len(plan.slices) == 3
