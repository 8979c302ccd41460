"""Concurrent batches that share events, contacts and days, each in its own transaction on its
own connection (committed, unlike the rest of the suite): none may fail with a deadlock, and
each event is stored once."""

import asyncio
import json
import random
import uuid
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

from domain.common.db import create_sessionmaker
from domain.usage import service as usage
from domain.users.actor import Actor
from domain.users.permissions import Permission
from tests.factories import create_org

EVENTS = 1_500
WRITERS = 4


@pytest.fixture
async def committed_org(engine: AsyncEngine) -> AsyncIterator[uuid.UUID]:
    async with create_sessionmaker(engine)() as session:
        org, _ = await create_org(session, name=f"concurrency-{uuid.uuid4().hex[:8]}")
        await session.commit()
    yield org.id
    async with engine.begin() as conn:
        # The organisation's usage rows go with it (trigger delete_organisation_usage).
        await conn.execute(text("DELETE FROM organisations WHERE id = :id"), {"id": org.id})


def _shuffled_batch(seed: int) -> bytes:
    start = datetime(2026, 11, 1, tzinfo=UTC)
    items = [
        {
            "message_id": f"m-{n}",
            "name": "Report Exported",
            "contact_external_id": f"user-{n % 50}",
            "account_external_id": f"acct-{n % 10}",
            # Spread over many days, so the batches also share pending days.
            "occurred_at": (start + timedelta(hours=n % 400)).isoformat(),
        }
        for n in range(EVENTS)
    ]
    random.Random(seed).shuffle(items)
    return json.dumps({"items": items}).encode()


async def test_overlapping_batches_in_any_order_never_deadlock(
    engine: AsyncEngine, committed_org: uuid.UUID
) -> None:
    actor = Actor(org_id=committed_org, user_id=None, permissions=frozenset(Permission))
    sessionmaker = create_sessionmaker(engine)

    async def write(seed: int) -> int:
        async with sessionmaker() as session:
            result = await usage.ingest_event_batch(session, actor, _shuffled_batch(seed))
            await session.commit()
            return result.accepted

    for round_ in range(3):
        accepted = await asyncio.gather(*(write(round_ * WRITERS + n) for n in range(WRITERS)))
        # Every writer's events are accepted; between them, each is stored once.
        assert accepted == [EVENTS] * WRITERS
        async with engine.connect() as conn:
            count = await conn.scalar(
                text("SELECT count(*) FROM usage_events WHERE org_id = :o"), {"o": committed_org}
            )
        assert count == EVENTS
