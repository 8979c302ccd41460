"""A request's session is ended by its route (`api.routing.InSession`, `api.deps.end_session`):
a write's ending (commit, then the outbox's relay) runs to completion even when the request is
cancelled meanwhile, and returns its connection to the pool."""

import asyncio
import uuid
from types import SimpleNamespace

import pytest
from redis.asyncio import Redis
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine
from starlette.requests import Request

from api.deps import end_session, get_session
from domain.common.db import create_read_sessionmaker, create_sessionmaker
from domain.orgs.models import Organisation


def _request(engine: AsyncEngine, redis: Redis, method: str) -> Request:
    state = SimpleNamespace(
        sessionmaker=create_sessionmaker(engine),
        read_sessionmaker=create_read_sessionmaker(engine),
        redis=redis,
    )
    return Request({"type": "http", "method": method, "app": SimpleNamespace(state=state)})


async def _organisation_named(engine: AsyncEngine, name: str) -> bool:
    async with engine.connect() as conn:
        found = await conn.scalar(
            text("SELECT count(*) FROM organisations WHERE name = :name"), {"name": name}
        )
    return bool(found)


async def test_a_write_s_ending_completes_when_its_request_is_cancelled(
    engine: AsyncEngine, redis: Redis
) -> None:
    request = _request(engine, redis, "POST")
    session = await get_session(request)
    name = f"cancelled-{uuid.uuid4().hex[:8]}"
    session.add(Organisation(id=uuid.uuid4(), name=name))
    try:
        ending = asyncio.ensure_future(end_session(request, None))
        await asyncio.sleep(0)  # the ending has sent its first statement
        ending.cancel()
        with pytest.raises(asyncio.CancelledError):
            await ending

        pool = engine.sync_engine.pool
        for _ in range(500):  # the ending goes on beside: up to 5 s
            if await _organisation_named(engine, name) and not pool.checkedout():  # type: ignore[attr-defined]
                break
            await asyncio.sleep(0.01)
        assert await _organisation_named(engine, name)
        assert pool.checkedout() == 0  # type: ignore[attr-defined]
    finally:
        async with engine.begin() as conn:
            await conn.execute(text("DELETE FROM organisations WHERE name = :name"), {"name": name})


async def test_a_request_without_a_session_ends_nothing(engine: AsyncEngine, redis: Redis) -> None:
    await end_session(_request(engine, redis, "POST"), None)
    assert engine.sync_engine.pool.checkedout() == 0  # type: ignore[attr-defined]
