"""Two recomputes of the same accounts at once (a subscription change's job beside the daily
organisation recompute), each in its own transaction on its own connection: the second waits for
the first and replaces its results, instead of failing on a duplicate key."""

import asyncio
import uuid
from collections.abc import AsyncIterator
from datetime import date

import pytest
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

from domain.common.db import create_sessionmaker
from domain.revenue import service as revenue
from domain.revenue.schemas import SubscriptionIn
from domain.users.actor import Actor
from domain.users.permissions import Permission
from tests.factories import create_account, create_org


@pytest.fixture
async def committed_account(engine: AsyncEngine) -> AsyncIterator[tuple[uuid.UUID, uuid.UUID]]:
    async with create_sessionmaker(engine)() as session:
        org, _ = await create_org(session, name=f"recompute-{uuid.uuid4().hex[:8]}")
        account = await create_account(session, org, external_id="acme")
        actor = Actor(org_id=org.id, user_id=None, permissions=frozenset(Permission))
        await revenue.upsert_subscription(
            session,
            actor,
            SubscriptionIn.model_validate(
                {
                    "external_id": "sub_1",
                    "account_external_id": "acme",
                    "currency": "USD",
                    "starts_on": "2025-01-01",
                    "items": [{"external_id": "plan", "unit_price": 120_000}],
                }
            ),
        )
        await session.commit()
    yield org.id, account.id
    async with engine.begin() as conn:
        await conn.execute(text("DELETE FROM organisations WHERE id = :id"), {"id": org.id})


async def test_overlapping_recomputes_take_turns(
    engine: AsyncEngine, committed_account: tuple[uuid.UUID, uuid.UUID]
) -> None:
    org_id, account_id = committed_account
    sessionmaker = create_sessionmaker(engine)
    today = date(2026, 6, 15)
    async with sessionmaker() as first, sessionmaker() as second:
        await revenue.recompute(first, org_id, [account_id], today=today)
        # The second starts while the first holds its uncommitted results.
        racing = asyncio.create_task(revenue.recompute(second, org_id, today=today))
        await asyncio.sleep(0.3)
        await first.commit()
        done = await asyncio.wait_for(racing, timeout=10)
        await second.commit()
    assert done.accounts == 1
    async with engine.connect() as conn:
        stored = await conn.execute(
            text("SELECT mrr, count(*) OVER () FROM account_mrr WHERE org_id = :o"), {"o": org_id}
        )
        assert [tuple(r) for r in stored] == [(120_000, 1)]
