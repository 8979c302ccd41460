"""The live chain: pushed data marks its accounts changed in the write's transaction, a worker
brings them up to date stage by stage, and what it computes equals the full recompute."""

import asyncio
import json
import random
import uuid
from collections import Counter
from collections.abc import AsyncIterator
from datetime import date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from httpx import AsyncClient
from redis.asyncio import Redis
from sqlalchemy import event, func, select, text
from sqlalchemy.ext.asyncio import (
    AsyncConnection,
    AsyncEngine,
    AsyncSession,
    async_sessionmaker,
)

from domain.accounts.models import Account
from domain.common import clock
from domain.common.db import create_sessionmaker
from domain.common.settings import Settings
from domain.freshness import service as freshness
from domain.freshness.models import AccountChange
from domain.health.models import AccountHealth
from domain.integration.models import ApiScope
from domain.live import chain
from domain.metrics.models import AccountMetricValues
from domain.orgs.models import Organisation
from domain.usage import service as usage
from domain.usage.models import Contact, UsagePendingDay
from domain.usage.repository import UsageRepository
from domain.users.actor import Actor
from domain.users.permissions import Permission
from tests.factories import create_account, create_api_key, create_org, create_user, login
from tests.helpers import run_burst_worker
from workers.jobs import live as live_jobs
from workers.jobs import metrics as metric_jobs
from workers.jobs import revenue as revenue_jobs

# Every figure the live chain writes; ranks stay with the organisation-wide refresh.
FIGURES = [
    c.name
    for c in AccountMetricValues.__table__.columns
    if c.name not in {"updated_at", "activity_rank", "activity_rank_trend", "org_id"}
]


async def _figures(session: AsyncSession, org: Organisation) -> dict[uuid.UUID, tuple[Any, ...]]:
    rows = await session.execute(
        select(*(AccountMetricValues.__table__.c[name] for name in FIGURES))
        .where(AccountMetricValues.org_id == org.id)
        .execution_options(populate_existing=True)
    )
    return {row[0]: tuple(row[1:]) for row in rows}


async def _pending(session: AsyncSession, org: Organisation) -> int:
    return int(
        await session.scalar(
            select(func.count()).select_from(AccountChange).where(AccountChange.org_id == org.id)
        )
        or 0
    )


def _event(account: str, contact: str, at: Any) -> dict[str, Any]:
    return {
        "message_id": uuid.uuid4().hex,
        "name": "Report Exported",
        "feature": random.choice(["reports", "alerts", "sso"]),
        "contact_external_id": contact,
        "account_external_id": account,
        "occurred_at": at.isoformat(),
    }


async def _contacts(client: AsyncClient, key: dict[str, str], pairs: list[tuple[str, str]]) -> None:
    response = await client.post(
        "/api/v1/contacts/batch",
        headers=key,
        json={"items": [{"external_id": c, "account_external_ids": [a]} for c, a in pairs]},
    )
    assert response.status_code == 200 and response.json()["rejected"] == 0, response.text


async def _state(client: AsyncClient, key: dict[str, str], change: int) -> str:
    response = await client.get(f"/api/v1/freshness/changes/{change}", headers=key)
    assert response.status_code == 200, response.text
    state: str = response.json()["state"]
    return state


async def test_pushed_events_tickets_and_interactions_reach_the_metrics_in_one_run(
    client: AsyncClient, session: AsyncSession, org: Organisation, job_ctx: dict[str, Any]
) -> None:
    account = await create_account(session, org, external_id="acme")
    _, key = await create_api_key(session, org, ApiScope.FULL)
    await session.commit()
    await _contacts(client, key, [("ada", "acme")])
    now = clock.now()
    events = [_event("acme", "ada", now - timedelta(minutes=m)) for m in (1, 2, 3)]
    response = await client.post("/api/v1/events/batch", headers=key, json={"items": events})
    assert response.status_code == 200, response.text
    ticket = {
        "external_id": "ZD-1",
        "source": "zendesk",
        "account": "acme",
        "subject": "SSO",
        "status": "open",
        "opened_at": now.isoformat(),
    }
    response = await client.post("/api/v1/tickets/batch", headers=key, json={"items": [ticket]})
    assert response.status_code == 200, response.text
    call = {
        "external_id": "call-1",
        "source": "gong",
        "account": "acme",
        "type": "call",
        "occurred_at": (now - timedelta(hours=1)).isoformat(),
    }
    response = await client.post("/api/v1/interactions/batch", headers=key, json={"items": [call]})
    assert response.status_code == 200, response.text
    # Each write answers the number of its change; the last one covers the others.
    change = response.json()["change"]
    assert isinstance(change, int)

    # Three writes, one changed account; nothing computed yet.
    before = (await client.get("/api/v1/freshness", headers=key)).json()
    assert (before["pending_accounts"], before["running_accounts"]) == (1, 0)
    assert before["oldest_change_at"] is not None and before["last_change"] == change
    assert await _state(client, key, change) == "queued"
    assert await session.get(AccountMetricValues, account.id) is None

    assert await live_jobs.run(job_ctx, str(org.id)) == 1

    values = await session.get_one(AccountMetricValues, account.id, populate_existing=True)
    assert (values.events_7d, values.active_users_7d, values.open_tickets) == (3, 1, 1)
    assert values.last_interaction_on == clock.today_in(org.time_zone, now - timedelta(hours=1))
    assert await _state(client, key, change) == "done"
    after = (await client.get("/api/v1/freshness", headers=key)).json()
    assert (after["pending_accounts"], after["oldest_change_at"]) == (0, None)
    stages = {s["stage"]: s["accounts"] for s in after["stages"]}
    assert stages == {"usage": 1, "revenue": 0, "metrics": 1, "health": 1, "alerts": 0}
    # The default model from the new figures: product usage (every feature the organisation
    # used) 100, weight 8; engagement (an interaction today) 100, weight 5; support (one open
    # ticket) 70, weight 3; no CSM score: (800 + 500 + 210) / 16 = 94.4.
    scored = await session.get_one(AccountHealth, account.id, populate_existing=True)
    assert [c["score"] for c in scored.components] == [100, 100, 70, None]
    assert (scored.score, scored.band) == (94, "good")
    # The contact's first and last seen moved with the chain; no day waits for the
    # organisation's rollup.
    ada = await session.scalar(
        select(Contact)
        .where(Contact.org_id == org.id, Contact.external_id == "ada")
        .execution_options(populate_existing=True)
    )
    assert ada is not None
    assert (ada.first_seen_at, ada.last_seen_at) == (
        now - timedelta(minutes=3),
        now - timedelta(minutes=1),
    )
    pending = select(func.count()).where(UsagePendingDay.org_id == org.id)
    assert await session.scalar(pending) == 0
    # Nothing left: a second run has nothing to do.
    assert await live_jobs.run(job_ctx, str(org.id)) == 0


async def test_a_burst_on_one_account_is_one_change_and_one_recompute(
    client: AsyncClient, session: AsyncSession, org: Organisation, job_ctx: dict[str, Any]
) -> None:
    await create_account(session, org, external_id="acme")
    _, key = await create_api_key(session, org, ApiScope.INGEST)
    await session.commit()
    await _contacts(client, key, [("ada", "acme")])
    for _ in range(5):
        items = [_event("acme", "ada", clock.now()) for _ in range(200)]
        response = await client.post("/api/v1/events/batch", headers=key, json={"items": items})
        assert response.status_code == 200, response.text

    assert await _pending(session, org) == 1
    assert await live_jobs.run(job_ctx, str(org.id)) == 1

    # The same batch again stores nothing, so it changes no figure: no change number.
    again = await client.post("/api/v1/events/batch", headers=key, json={"items": items})
    assert again.status_code == 200 and again.json()["change"] is None
    assert await _pending(session, org) == 0


async def test_an_unknown_change_number_is_a_404(
    client: AsyncClient, session: AsyncSession, org: Organisation
) -> None:
    _, key = await create_api_key(session, org, ApiScope.INGEST)
    await session.commit()
    last = (await client.get("/api/v1/freshness", headers=key)).json()["last_change"]
    response = await client.get(f"/api/v1/freshness/changes/{last + 1000}", headers=key)
    assert response.status_code == 404
    assert response.json()["code"] == "change_not_found"
    assert (await client.get("/api/v1/freshness/changes/0", headers=key)).status_code == 422
    assert (await client.get("/api/v1/freshness/changes/x", headers=key)).status_code == 422


async def test_the_organisations_freshness_is_for_its_admins_and_integrations_alone(
    client: AsyncClient, session: AsyncSession, org: Organisation
) -> None:
    csm = await create_user(session, org, role_name="CSM")
    manager = await create_user(session, org, role_name="CSM Manager")
    admin = await create_user(session, org, role_name="Admin")
    await create_account(session, org, external_id="acme", csms=[csm])
    _, key = await create_api_key(session, org, ApiScope.INGEST)
    await session.commit()
    await _contacts(client, key, [("ada", "acme")])
    change = (await client.get("/api/v1/freshness", headers=key)).json()["last_change"]
    for user in (csm, manager):
        headers = await login(client, user)
        response = await client.get("/api/v1/freshness", headers=headers)
        assert response.status_code == 403, response.text
        assert response.json()["code"] == "permission_denied"
        # A write's own state stays theirs to follow.
        state = await client.get(f"/api/v1/freshness/changes/{change}", headers=headers)
        assert state.status_code == 200, state.text
    response = await client.get("/api/v1/freshness", headers=await login(client, admin))
    assert response.status_code == 200, response.text


async def test_an_account_changed_during_its_run_stays_for_its_newer_change(
    session: AsyncSession, sessionmaker: async_sessionmaker[AsyncSession], org: Organisation
) -> None:
    account = await create_account(session, org)
    await session.commit()
    async with sessionmaker() as writer:
        from domain.freshness import changes

        await changes.note(writer, org.id, [account.id])
        first = await changes.issued(writer)
        await writer.commit()
    # The first change an hour ago (this test's transactions share one clock).
    await session.execute(
        text(
            "UPDATE account_changes SET changed_at = changed_at - interval '1 hour' "
            "WHERE account_id = :account"
        ),
        {"account": account.id},
    )
    first_at = (await session.get_one(AccountChange, account.id)).changed_at
    run = uuid.uuid4()
    claimed = await freshness.claim(session, org.id, run)
    await session.commit()
    async with sessionmaker() as writer:
        await changes.note(writer, org.id, [account.id])
        second = await changes.issued(writer)
        await writer.commit()
    async with sessionmaker() as writer:  # a third change keeps the second's time
        await changes.note(writer, org.id, [account.id])
        third = await changes.issued(writer)
        await writer.commit()
    second_at = (
        await session.get_one(AccountChange, account.id, populate_existing=True)
    ).rechanged_at
    assert second_at is not None and second_at > first_at

    await chain.bring_up_to_date(session, org.id, run, claimed)
    await session.commit()

    row = await session.get_one(AccountChange, account.id, populate_existing=True)
    assert (row.first_seq, row.last_seq, row.claimed_by) == (first + 1, third, None)
    assert third > second > first
    # What waits now is the second change: its age is the second's, not the first's.
    assert (row.changed_at, row.rechanged_at) == (second_at, None)
    actor = Actor(org_id=org.id, user_id=None, permissions=frozenset(Permission))
    assert (await freshness.freshness(session, actor)).oldest_change_at == second_at


async def test_a_write_takes_its_change_number_only_when_its_answer_carries_it(
    session: AsyncSession,
    sessionmaker: async_sessionmaker[AsyncSession],
    connection: AsyncConnection,
    org: Organisation,
) -> None:
    from domain.freshness import changes

    account = await create_account(session, org)
    await session.commit()
    sent: list[str] = []

    def record(conn: object, cursor: object, statement: str, *args: object) -> None:
        sent.append(statement)

    event.listen(connection.sync_connection, "before_cursor_execute", record)
    try:
        # An edit in the SPA: its answer does not carry the number, so the marks' upsert
        # takes it, in the statement that writes them.
        async with sessionmaker() as writer:
            await changes.note(writer, org.id, [account.id])
            await writer.commit()
    finally:
        event.remove(connection.sync_connection, "before_cursor_execute", record)
    [upsert] = [s for s in sent if "account_change_seq" in s]
    assert "INSERT INTO account_changes" in upsert
    row = await session.get_one(AccountChange, account.id, populate_existing=True)
    assert row.first_seq == row.last_seq > 0

    # A write whose answer carries it takes it when asked, once, and marks with it.
    async with sessionmaker() as writer:
        await changes.note(writer, org.id, [account.id])
        number = await changes.issued(writer)
        assert number is not None and number > row.last_seq
        assert await changes.issued(writer) == number
        await writer.commit()
    row = await session.get_one(AccountChange, account.id, populate_existing=True)
    assert row.last_seq == number
    async with sessionmaker() as reader:
        assert await changes.issued(reader) is None  # nothing marked, nothing taken


async def test_a_dead_workers_claim_is_taken_over_after_the_lease(
    session: AsyncSession, org: Organisation
) -> None:
    from domain.freshness import changes

    account = await create_account(session, org)
    await changes.note(session, org.id, [account.id])
    await session.commit()
    now = clock.now()
    assert [c.account_id for c in await freshness.claim(session, org.id, uuid.uuid4(), now=now)]
    await session.commit()

    # Another worker meanwhile skips it; once the lease has passed, takes it over.
    assert await freshness.claim(session, org.id, uuid.uuid4(), now=now) == []
    later = now + freshness.LEASE + timedelta(seconds=1)
    [taken] = await freshness.claim(session, org.id, uuid.uuid4(), now=later)
    assert (taken.account_id, taken.attempts) == (account.id, 2)
    # A claim abandoned MAX_ATTEMPTS times is reported failed, not retried for ever.
    await session.commit()
    muchlater = later + freshness.LEASE + timedelta(seconds=1)
    assert await freshness.claim(session, org.id, uuid.uuid4(), now=muchlater)
    await session.commit()
    gone = muchlater + freshness.LEASE + timedelta(seconds=1)
    assert await freshness.claim(session, org.id, uuid.uuid4(), now=gone) == []
    row = await session.get_one(AccountChange, account.id, populate_existing=True)
    assert row.failed_at is not None and "stopped 3 times" in (row.error or "")


async def test_one_failing_account_holds_back_only_itself(
    client: AsyncClient,
    session: AsyncSession,
    org: Organisation,
    job_ctx: dict[str, Any],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from domain.freshness import changes

    good, bad = await create_account(session, org), await create_account(session, org)
    _, key = await create_api_key(session, org, ApiScope.INGEST)
    await changes.note(session, org.id, [good.id, bad.id])
    change = await changes.issued(session)
    await session.commit()

    async def explode(session: AsyncSession, batch: chain.Batch) -> int:
        if bad.id in batch.accounts:
            raise RuntimeError("no such figure")
        return len(batch.accounts)

    # A stage that fails for one account (injected: nothing in the product fails on demand).
    monkeypatch.setattr(chain, "STAGES", [*chain.STAGES, chain.Stage("explode", (), explode)])
    assert await live_jobs.run(job_ctx, str(org.id)) == 1
    assert await _state(client, key, change) == "queued"
    for _ in range(freshness.MAX_ATTEMPTS - 1):
        await live_jobs.run(job_ctx, str(org.id))

    response = await client.get(f"/api/v1/freshness/changes/{change}", headers=key)
    assert response.json()["state"] == "failed"
    # Its kind, not its words: those may hold the SQL the worker sent (its log has them).
    assert response.json()["error"] == (
        "An internal error (RuntimeError); the worker's log has its details"
    )
    assert (await session.get_one(AccountMetricValues, good.id)).open_tickets == 0
    assert (await client.get("/api/v1/freshness", headers=key)).json()["failed_accounts"] == 1


@pytest.fixture
async def committed_org(engine: AsyncEngine) -> AsyncIterator[uuid.UUID]:
    """An organisation whose data is committed (workers on their own connections see it)."""
    async with create_sessionmaker(engine)() as session:
        org, _ = await create_org(session, name=f"live-{uuid.uuid4().hex[:8]}")
        await session.commit()
    yield org.id
    async with engine.begin() as conn:
        await conn.execute(text("DELETE FROM organisations WHERE id = :id"), {"id": org.id})


async def test_two_workers_share_the_chain(
    engine: AsyncEngine, redis: Redis, settings: Settings, committed_org: uuid.UUID
) -> None:
    """1,200 changed accounts, three runs queued, two real workers side by side: every
    account brought up to date, none left claimed, no run failed."""
    n = 1_200
    sessionmaker = create_sessionmaker(engine)
    actor = Actor(org_id=committed_org, user_id=None, permissions=frozenset(Permission))
    async with sessionmaker() as session:
        await session.execute(
            text(
                "INSERT INTO accounts (id, org_id, external_id, name) "
                "SELECT gen_random_uuid(), :org_id, 'a-' || i, 'Account ' || i "
                "FROM generate_series(1, :n) AS i"
            ),
            {"org_id": committed_org, "n": n},
        )
        contacts = [
            {"external_id": f"u-{i}", "account_external_ids": [f"a-{i}"]} for i in range(1, n + 1)
        ]
        await usage.upsert_contact_batch(session, actor, json.dumps({"items": contacts}).encode())
        items = [_event(f"a-{i}", f"u-{i}", clock.now()) for i in range(1, n + 1)]
        result = await usage.ingest_event_batch(
            session, actor, json.dumps({"items": items}).encode()
        )
        assert result.rejected == 0
        await session.commit()
    ctx = {"sessionmaker": sessionmaker, "redis": redis, "settings": settings}

    assert await live_jobs.schedule(ctx) >= 1
    workers = await asyncio.gather(
        run_burst_worker(settings, sessionmaker), run_burst_worker(settings, sessionmaker)
    )

    assert sum(w.jobs_complete for w in workers) == 3
    assert all(w.jobs_failed == 0 for w in workers)
    async with sessionmaker() as session:
        left = await session.scalar(
            select(func.count()).where(AccountChange.org_id == committed_org)
        )
        events = await session.scalars(
            select(AccountMetricValues.events_7d).where(AccountMetricValues.org_id == committed_org)
        )
        assert (left, Counter(events)) == (0, Counter({1: n}))


async def test_clearing_a_batch_waits_for_a_writer_instead_of_deadlocking_with_it(
    engine: AsyncEngine, committed_org: uuid.UUID
) -> None:
    """Writers mark accounts in id order; the chain clears its claims in the same order, so a
    writer holding one claimed account and wanting the next is waited for, not deadlocked."""
    from domain.freshness import changes

    sessionmaker = create_sessionmaker(engine)
    async with sessionmaker() as session:
        org = await session.get_one(Organisation, committed_org)
        low, high = sorted([(await create_account(session, org)).id for _ in range(2)])
        await session.commit()
        # Marked (so claimed, so stored) high first: a scan in storage order meets it first.
        for account_id in (high, low):
            await changes.note(session, committed_org, [account_id])
            await session.commit()
        run = uuid.uuid4()
        claimed = await freshness.claim(session, committed_org, run)
        await session.commit()
        lock = text("SELECT 1 FROM account_changes WHERE account_id = :a FOR UPDATE")
        async with sessionmaker() as writer:
            await writer.execute(lock, {"a": low})  # a writer's ordered upsert, half-way
            clearing = asyncio.create_task(
                freshness.clear(session, committed_org, run, [c.account_id for c in claimed])
            )
            await asyncio.sleep(0.5)
            await writer.execute(text("SET LOCAL lock_timeout = '3s'"))
            await writer.execute(lock, {"a": high})
            await writer.commit()
        await clearing
        await session.commit()
        left = await session.scalar(
            text("SELECT count(*) FROM account_changes WHERE org_id = :o"), {"o": committed_org}
        )
    assert left == 0


async def test_the_organisations_rollup_of_the_chains_days_and_a_batch_take_turns(
    engine: AsyncEngine, redis: Redis, settings: Settings, committed_org: uuid.UUID
) -> None:
    """While a slice of the organisation's rollup of today is uncommitted, a batch of the
    chain waits for it (each computes rows from what it read, then writes them); a slice of
    days older than the chain's does not hold it back."""
    sessionmaker = create_sessionmaker(engine)
    actor = Actor(org_id=committed_org, user_id=None, permissions=frozenset(Permission))
    async with sessionmaker() as session:
        org = await session.get_one(Organisation, committed_org)
        await create_account(session, org, external_id="acme")
        contacts = {"items": [{"external_id": "ada", "account_external_ids": ["acme"]}]}
        await usage.upsert_contact_batch(session, actor, json.dumps(contacts).encode())
        items = [_event("acme", "ada", _today_at(org, 0.5))]
        await usage.ingest_event_batch(session, actor, json.dumps({"items": items}).encode())
        await session.commit()
    today = clock.today_in(org.time_zone, clock.now())
    ctx = {"sessionmaker": sessionmaker, "redis": redis, "settings": settings}

    async with sessionmaker() as rollup:
        plan = await usage.plan_roll_up(rollup, committed_org, days=[today])
        old = today - timedelta(days=usage.LIVE_ROLLUP_DAYS + 5)
        await usage.roll_up_slice(rollup, plan, old, old)
        assert await asyncio.wait_for(live_jobs.run(ctx, str(committed_org)), 10) == 1
        await rollup.rollback()

        async with sessionmaker() as session:
            await usage.ingest_event_batch(
                session, actor, json.dumps({"items": [_event("acme", "ada", clock.now())]}).encode()
            )
            await session.commit()
        await usage.roll_up_slice(rollup, plan, today, today)
        batch = asyncio.create_task(live_jobs.run(ctx, str(committed_org)))
        await asyncio.sleep(1)
        assert not batch.done()
        await rollup.commit()
        assert await asyncio.wait_for(batch, 10) == 1

    async with sessionmaker() as session:
        events = await session.scalar(
            select(AccountMetricValues.events_7d).where(AccountMetricValues.org_id == committed_org)
        )
    assert events == 2


async def test_the_live_result_equals_the_full_recompute_on_random_data(
    client: AsyncClient, session: AsyncSession, org: Organisation, job_ctx: dict[str, Any]
) -> None:
    rng = random.Random(20261204)
    # Apart from `rng`, so the rest of the data stays what it was.
    upgrades = random.Random(20261208)
    accounts: list[Account] = [
        await create_account(session, org, external_id=f"acc-{i}") for i in range(12)
    ]
    _, key = await create_api_key(session, org, ApiScope.INGEST)
    await session.commit()
    contacts = [(f"user-{i}", rng.choice(accounts).external_id) for i in range(30)]
    await _contacts(client, key, contacts)
    now = clock.now()
    for _ in range(4):
        events = []
        for _ in range(rng.randint(20, 120)):
            contact, account = rng.choice(contacts)
            at = now - timedelta(minutes=rng.randint(0, 60 * 24 * 40))
            events.append(_event(account, contact, at))
        response = await client.post("/api/v1/events/batch", headers=key, json={"items": events})
        assert response.status_code == 200, response.text
        tickets = [
            {
                "external_id": f"T-{rng.randint(1, 40)}",
                "source": "zendesk",
                "account": rng.choice(accounts).external_id,
                "subject": "Help",
                "status": rng.choice(["open", "pending", "solved", "closed"]),
                "opened_at": (now - timedelta(days=rng.randint(0, 20))).isoformat(),
            }
            for _ in range(10)
        ]
        tickets = list({t["external_id"]: t for t in tickets}.values())
        response = await client.post("/api/v1/tickets/batch", headers=key, json={"items": tickets})
        assert response.status_code == 200, response.text
        subscription = {
            "external_id": f"sub-{rng.randint(1, 8)}",
            "account_external_id": rng.choice(accounts).external_id,
            "currency": "USD",
            "starts_on": "2025-01-01",
            "items": [
                {"external_id": "plan", "unit_price": rng.randint(1, 900) * 100, "quantity": 1}
            ],
        }
        if upgrades.random() < 0.75:
            # A mid-term upgrade: the plan ends on a day and its successor starts then.
            changed_on = date(2025, 2, 1) + timedelta(days=upgrades.randint(0, 400))
            [plan] = subscription["items"]
            subscription["items"] = [
                {**plan, "ends_on": changed_on.isoformat()},
                {
                    **plan,
                    "external_id": "plan-2",
                    "quantity": upgrades.randint(2, 5),
                    "starts_on": changed_on.isoformat(),
                },
            ]
        response = await client.post(
            "/api/v1/subscriptions/batch", headers=key, json={"items": [subscription]}
        )
        assert response.status_code == 200, response.text
        await live_jobs.run(job_ctx, str(org.id))

    assert await _pending(session, org) == 0
    live = await _figures(session, org)
    assert len(live) == len(accounts)
    live_history = await _mrr_history(session, org)
    assert {kind for _, _, kind, _, _ in live_history[1]} >= {"new", "expansion"}

    # The organisation-wide chain (the nightly one) on the same data, every figure and every
    # day's rollup derived again from the events.
    for table in (
        "account_metric_values",
        "usage_daily_contact",
        "usage_daily_feature",
        "usage_daily_account",
    ):
        await session.execute(
            text(f"DELETE FROM {table} WHERE org_id = :org_id"), {"org_id": org.id}
        )
    await session.commit()
    today = clock.today_in(org.time_zone, now)
    await usage.roll_up(session, org.id, days=[today - timedelta(days=d) for d in range(42)])
    await revenue_jobs.recompute_org(job_ctx, str(org.id))
    await metric_jobs.refresh_org(job_ctx, str(org.id))

    assert await _figures(session, org) == live
    assert await _mrr_history(session, org) == live_history


async def _mrr_history(
    session: AsyncSession, org: Organisation
) -> tuple[list[tuple[Any, ...]], list[tuple[Any, ...]]]:
    """Every account's monthly MRR and movements, as stored."""
    months = await session.execute(
        text(
            "SELECT account_id, month, mrr FROM account_mrr_months WHERE org_id = :org_id "
            "ORDER BY 1, 2"
        ),
        {"org_id": org.id},
    )
    moves = await session.execute(
        text(
            "SELECT account_id, month, kind, start_mrr, end_mrr FROM mrr_movements "
            "WHERE org_id = :org_id ORDER BY 1, 2, 3"
        ),
        {"org_id": org.id},
    )
    return [tuple(r) for r in months], [tuple(r) for r in moves]


_ROLLUPS = {
    table: text(f"SELECT * FROM {table} WHERE org_id = :org_id ORDER BY 1, 2, 3, 4")
    for table in ("usage_daily_contact", "usage_daily_feature", "usage_daily_account")
}


async def _rollups(session: AsyncSession, org: Organisation) -> dict[str, list[tuple[Any, ...]]]:
    return {
        table: [tuple(r) for r in await session.execute(query, {"org_id": org.id})]
        for table, query in _ROLLUPS.items()
    }


def _today_at(org: Organisation, fraction: float) -> datetime:
    """A time of the organisation's today so far (0: its midnight, 1: now)."""
    now = clock.now()
    start = datetime.combine(
        clock.today_in(org.time_zone, now), time(), tzinfo=ZoneInfo(org.time_zone)
    )
    return start + (now - start) * fraction


async def test_todays_new_events_added_to_the_day_equal_the_full_rollup_on_random_data(
    client: AsyncClient,
    session: AsyncSession,
    org: Organisation,
    job_ctx: dict[str, Any],
    statements: list[str],
) -> None:
    """Run after run, the events of today arrive (most in order, some late, some in a session
    the integrator names, some on another account of their contact, some on a feature or
    module whose name needs quoting) and the chain adds the new ones to each account's day,
    or recomputes a day a late event reached: after every run, every row equals the full
    rollup's."""
    rng = random.Random(20261206)
    accounts = [f"acc-{i}" for i in range(8)]
    for external_id in accounts:
        await create_account(session, org, external_id=external_id)
    _, key = await create_api_key(session, org, ApiScope.INGEST)
    await session.commit()
    contacts = [(f"user-{i}", rng.choice(accounts)) for i in range(20)]
    await _contacts(client, key, contacts)
    rounds = 6
    for r in range(rounds):
        events = []
        for _ in range(rng.randint(20, 60)):
            contact, account = rng.choice(contacts)
            late = rng.random() < 0.1
            fraction = rng.uniform(0, (r + 1) / rounds if late else 1 / rounds) + (
                0 if late else r / rounds
            )
            events.append(
                {
                    **_event(
                        rng.choice([account, account, rng.choice(accounts)]),
                        contact,
                        _today_at(org, fraction),
                    ),
                    "feature": rng.choice(["reports", "alerts", None, 'export, "csv" (beta)']),
                    "module": rng.choice(["analytics", None, "a,b"]),
                    "session_id": rng.choice([None, None, "s-1", "s-2"]),
                }
            )
        response = await client.post("/api/v1/events/batch", headers=key, json={"items": events})
        assert response.status_code == 200 and response.json()["rejected"] == 0, response.text
        await live_jobs.run(job_ctx, str(org.id))
        live = await _rollups(session, org)

        await usage.roll_up(session, org.id, days=[clock.today_in(org.time_zone, clock.now())])
        assert await _rollups(session, org) == live, f"after run {r + 1}"

    # The runs after the first added to days rather than recomputing them all.
    assert sum("INSERT INTO usage_daily_contact AS t" in s for s in statements) >= rounds - 2


async def test_a_day_is_added_to_only_while_it_counts_every_event_up_to_its_last(
    client: AsyncClient, session: AsyncSession, org: Organisation, job_ctx: dict[str, Any]
) -> None:
    """A day whose counts agree with its events gets only the new events added: a row made
    wrong in a way its event count does not show stays wrong. An event sent late (before the
    day's last) or contacts merged make it recompute the day whole, which mends it."""
    await create_account(session, org, external_id="acme")
    _, key = await create_api_key(session, org, ApiScope.INGEST)
    await session.commit()
    await _contacts(client, key, [("ada", "acme"), ("bob", "acme")])

    async def send(contact: str, fraction: float) -> None:
        # A session each: the counts do not depend on the time of day the test runs at.
        items = [
            {**_event("acme", contact, _today_at(org, fraction)), "session_id": uuid.uuid4().hex}
        ]
        response = await client.post("/api/v1/events/batch", headers=key, json={"items": items})
        assert response.status_code == 200 and response.json()["rejected"] == 0, response.text
        await live_jobs.run(job_ctx, str(org.id))

    contact_days = text(
        "SELECT c.external_id, d.events, d.sessions FROM usage_daily_contact d "
        "JOIN contacts c ON c.id = d.contact_id WHERE d.org_id = :org_id ORDER BY 1"
    )

    async def days() -> list[tuple[Any, ...]]:
        return [tuple(r) for r in await session.execute(contact_days, {"org_id": org.id})]

    async def spoil() -> None:
        await session.execute(
            text("UPDATE usage_daily_contact SET sessions = sessions + 100 WHERE org_id = :o"),
            {"o": org.id},
        )
        await session.commit()

    await send("ada", 0.2)
    await send("bob", 0.5)
    assert await days() == [("ada", 1, 1), ("bob", 1, 1)]

    await spoil()
    await send("ada", 0.9)
    assert await days() == [("ada", 2, 102), ("bob", 1, 101)]

    # Before the day's last event: the day is recomputed.
    await send("bob", 0.4)
    assert await days() == [("ada", 2, 2), ("bob", 2, 2)]

    # The merge keeps the day's event count; its mark says to recompute the day.
    await spoil()
    await UsageRepository(session, org.id).alias_contact("bob", "ada", tz=org.time_zone)
    await session.commit()
    await live_jobs.run(job_ctx, str(org.id))
    assert await days() == [("ada", 4, 4)]
    live = await _rollups(session, org)
    await usage.roll_up(session, org.id, days=[clock.today_in(org.time_zone, clock.now())])
    assert await _rollups(session, org) == live


async def test_sessions_continue_from_the_day_before_as_in_the_full_rollup(
    client: AsyncClient, session: AsyncSession, org: Organisation, job_ctx: dict[str, Any]
) -> None:
    """The chain reads only the changed days' events and, of the time before, each contact's
    last event (found through the day before's rollup): a session that runs over midnight
    continues, ties on the last time are broken as the full rollup breaks them, and every
    row equals the full rollup's."""
    await create_account(session, org, external_id="night-owl")
    _, key = await create_api_key(session, org, ApiScope.INGEST)
    await session.commit()
    await _contacts(client, key, [(c, "night-owl") for c in ("late", "tab", "tie", "gone")])
    today = clock.today_in(org.time_zone, clock.now())
    before, day = today - timedelta(days=3), today - timedelta(days=2)

    def at(on: Any, hour: int, minute: int) -> datetime:
        return datetime.combine(on, time(hour, minute), tzinfo=ZoneInfo(org.time_zone))

    async def send(*events: tuple[str, datetime, str | None]) -> None:
        items = [
            {**_event("night-owl", contact, when), "session_id": session_id}
            for contact, when, session_id in events
        ]
        response = await client.post("/api/v1/events/batch", headers=key, json={"items": items})
        assert response.status_code == 200 and response.json()["rejected"] == 0, response.text
        await live_jobs.run(job_ctx, str(org.id))

    await send(
        ("late", at(before, 23, 50), None),
        ("tab", at(before, 12, 0), "s9"),
        ("tie", at(before, 20, 0), "s5"),
        ("tie", at(before, 20, 0), None),
        # Over a day before the next one: no session continues from it.
        ("gone", at(before, 1, 0), "s1"),
    )
    await send(
        ("late", at(day, 0, 10), None),
        ("tab", at(day, 9, 0), "s9"),
        ("tie", at(day, 0, 5), "s5"),
        ("gone", at(day, 2, 0), "s1"),
    )

    rows = text(
        "SELECT c.external_id, d.day, d.events, d.sessions, d.session_seconds "
        "FROM usage_daily_contact d JOIN contacts c ON c.id = d.contact_id "
        "WHERE d.org_id = :org_id ORDER BY 1, 2"
    )
    live = (await session.execute(rows, {"org_id": org.id})).all()
    assert [tuple(r) for r in live if r.day == day] == [
        ("gone", day, 1, 1, 0),
        ("late", day, 1, 0, 20 * 60),
        ("tab", day, 1, 0, 21 * 3600),
        # The null session id comes last at 20:00: the day's first event starts a session.
        ("tie", day, 1, 1, 0),
    ]
    await session.execute(
        text("DELETE FROM usage_daily_contact WHERE org_id = :org_id"), {"org_id": org.id}
    )
    await usage.roll_up(session, org.id, days=[before, day])
    assert (await session.execute(rows, {"org_id": org.id})).all() == live


async def test_a_ticket_moved_to_another_account_changes_both(
    client: AsyncClient, session: AsyncSession, org: Organisation, job_ctx: dict[str, Any]
) -> None:
    first = await create_account(session, org, external_id="first")
    second = await create_account(session, org, external_id="second")
    _, key = await create_api_key(session, org, ApiScope.INGEST)
    await session.commit()
    ticket = {
        "external_id": "ZD-7",
        "source": "zendesk",
        "account": "first",
        "subject": "Export fails",
        "status": "open",
        "opened_at": clock.now().isoformat(),
    }
    response = await client.post("/api/v1/tickets", headers=key, json=ticket)
    assert response.status_code == 200, response.text
    await live_jobs.run(job_ctx, str(org.id))

    moved = await client.post("/api/v1/tickets", headers=key, json={**ticket, "account": "second"})
    assert moved.status_code == 200 and moved.json()["change"] is not None
    await live_jobs.run(job_ctx, str(org.id))

    counts = [
        (await session.get_one(AccountMetricValues, a.id, populate_existing=True)).open_tickets
        for a in (first, second)
    ]
    assert counts == [0, 1]


async def test_marks_of_two_organisations_in_one_transaction_are_both_kept(
    session: AsyncSession, org: Organisation, other_org: Organisation
) -> None:
    from domain.freshness import changes

    mine, theirs = await create_account(session, org), await create_account(session, other_org)
    await changes.note(session, org.id, [mine.id])
    await changes.note(session, other_org.id, [theirs.id])
    await session.commit()

    assert await _pending(session, org) == 1
    assert await _pending(session, other_org) == 1


async def test_a_failed_change_is_tried_again_after_an_hour(
    session: AsyncSession, org: Organisation, job_ctx: dict[str, Any]
) -> None:
    from domain.freshness import changes

    recent, old = await create_account(session, org), await create_account(session, org)
    await changes.note(session, org.id, [recent.id, old.id])
    await session.commit()
    now = clock.now()
    for account, failed_at in ((recent, now), (old, now - timedelta(hours=2))):
        row = await session.get_one(AccountChange, account.id)
        row.failed_at, row.attempts, row.error = failed_at, 3, "boom"
    await session.commit()

    assert await live_jobs.retry_failed(job_ctx) == 1

    rows = {
        r.account_id: r
        for r in await session.scalars(
            select(AccountChange).execution_options(populate_existing=True)
        )
    }
    assert (rows[old.id].failed_at, rows[old.id].attempts, rows[old.id].error) == (None, 0, None)
    assert rows[recent.id].failed_at is not None
