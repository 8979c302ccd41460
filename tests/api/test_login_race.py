"""Wrong passwords sent at once, each request on its own connection (committed, unlike the
rest of the suite): every attempt is counted before its password is checked, so at most the
limit's worth are checked and the rest are refused, however they interleave."""

import asyncio
import uuid
from collections.abc import AsyncIterator
from typing import Any

import pytest
from httpx import ASGITransport, AsyncClient
from redis.asyncio import Redis
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

from domain.common.db import create_read_sessionmaker, create_sessionmaker
from domain.common.settings import Settings
from domain.users import auth
from tests.factories import PASSWORD, create_org

GUESSES = 12


@pytest.fixture
async def committed(
    app_instance: Any, engine: AsyncEngine, redis: Redis
) -> AsyncIterator[tuple[AsyncClient, str]]:
    sessionmaker = create_sessionmaker(engine)
    async with sessionmaker() as session:
        org, admin = await create_org(session, name=f"login-race-{uuid.uuid4().hex[:8]}")
        await session.commit()
    app_instance.state.sessionmaker = sessionmaker
    app_instance.state.read_sessionmaker = create_read_sessionmaker(engine)
    app_instance.state.engine = engine
    app_instance.state.redis = redis
    async with AsyncClient(
        transport=ASGITransport(app=app_instance), base_url="http://tenure.test"
    ) as client:
        yield client, admin.email
    async with engine.begin() as conn:
        await conn.execute(text("DELETE FROM organisations WHERE id = :id"), {"id": org.id})


async def test_parallel_guesses_get_the_limit_of_checks_and_the_rest_429(
    committed: tuple[AsyncClient, str], settings: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    client, email = committed
    checked = 0
    verify = auth.verify_password_in_thread

    async def counting_verify(password_hash: str | None, password: str) -> bool:
        nonlocal checked
        checked += 1
        return await verify(password_hash, password)

    monkeypatch.setattr(auth, "verify_password_in_thread", counting_verify)

    responses = await asyncio.gather(
        *(
            client.post("/api/v1/auth/login", json={"email": email, "password": "wrong-guess"})
            for _ in range(GUESSES)
        )
    )

    limit = settings.auth.max_failures_per_email
    statuses = sorted(r.status_code for r in responses)
    assert statuses == [401] * limit + [429] * (GUESSES - limit), [r.text for r in responses]
    assert checked == limit


async def test_parallel_guesses_of_a_signed_in_users_password_are_counted_alike(
    committed: tuple[AsyncClient, str], settings: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    client, email = committed
    signed_in = await client.post("/api/v1/auth/login", json={"email": email, "password": PASSWORD})
    headers = {"Authorization": f"Bearer {signed_in.json()['access_token']}"}
    checked = 0
    verify = auth.verify_password_in_thread

    async def counting_verify(password_hash: str | None, password: str) -> bool:
        nonlocal checked
        checked += 1
        return await verify(password_hash, password)

    monkeypatch.setattr(auth, "verify_password_in_thread", counting_verify)

    responses = await asyncio.gather(
        *(
            client.post(
                "/api/v1/me/password",
                headers=headers,
                json={"current_password": "wrong-guess", "new_password": "a-brand-new-one"},
            )
            for _ in range(GUESSES)
        )
    )

    limit = settings.auth.max_failures_per_email
    statuses = sorted(r.status_code for r in responses)
    assert statuses == [403] * limit + [429] * (GUESSES - limit), [r.text for r in responses]
    assert checked == limit
