"""The MRR recompute: asked for by ingestion (the live chain's revenue stage), run by a real arq
worker, idempotent."""

import json
from datetime import date
from typing import Any

from arq.worker import Worker
from httpx import AsyncClient
from redis.asyncio import Redis
from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from domain.common.settings import Settings
from domain.integration.models import ApiScope
from domain.metrics.models import AccountMetricValues
from domain.orgs.models import Organisation
from domain.revenue import service as revenue
from domain.revenue.models import (
    AccountMissingFxRate,
    AccountMrr,
    AccountMrrMonth,
    MrrMovement,
    Subscription,
    SubscriptionItem,
)
from domain.users.actor import Actor
from domain.users.models import User
from domain.users.permissions import Permission
from tests.factories import auth_headers, create_account, create_api_key
from workers import queue
from workers.jobs import live as live_jobs
from workers.jobs import revenue as revenue_jobs

SUBSCRIPTION = {
    "external_id": "sub_1",
    "account_external_id": "acme",
    "currency": "USD",
    "starts_on": "2025-01-01",
    "items": [{"external_id": "plan", "unit_price": 120_000, "interval_months": 12}],
}


async def _stored(session: AsyncSession) -> tuple[list[Any], list[Any], list[Any]]:
    def rows(model: Any) -> Any:
        return select(model).execution_options(populate_existing=True)

    current = [(r.account_id, r.mrr, r.arr) for r in await session.scalars(rows(AccountMrr))]
    months = [(r.month, r.mrr) for r in await session.scalars(rows(AccountMrrMonth))]
    moves = [(r.month, r.kind, r.delta) for r in await session.scalars(rows(MrrMovement))]
    return current, sorted(months), sorted(moves)


async def test_ingestion_queues_a_recompute_a_real_worker_runs(
    client: AsyncClient,
    session: AsyncSession,
    sessionmaker: async_sessionmaker[AsyncSession],
    redis: Redis,
    settings: Settings,
    org: Organisation,
    job_ctx: dict[str, Any],
) -> None:
    account = await create_account(session, org, external_id="acme")
    _, key = await create_api_key(session, org, ApiScope.INGEST)
    response = await client.post(
        "/api/v1/subscriptions/batch", headers=key, json={"items": [SUBSCRIPTION]}
    )
    assert response.status_code == 200, response.text
    # What the worker's cron does every few seconds: a live run for the changed organisation.
    assert await live_jobs.schedule(job_ctx) == 1

    worker = Worker(
        functions=queue.worker_functions(),
        redis_settings=queue.redis_settings(settings.redis_url),
        burst=True,
        handle_signals=False,
        poll_delay=0.01,
        ctx={"sessionmaker": sessionmaker},
    )
    try:
        await worker.main()
    finally:
        await worker.close()

    assert worker.jobs_complete == 1 and worker.jobs_failed == 0
    current, months, moves = await _stored(session)
    assert current == [(account.id, 10_000, 120_000)]
    # The same run carried the new MRR on to the account's metrics.
    metrics = await session.get_one(AccountMetricValues, account.id, populate_existing=True)
    assert (metrics.mrr, metrics.arr) == (10_000, 120_000)
    assert months[0][1] == 10_000 and len(months) >= 12
    assert [(m[1], m[2]) for m in moves] == [("new", 10_000)]


async def test_running_it_again_changes_nothing(
    session: AsyncSession, org: Organisation, job_ctx: dict[str, Any]
) -> None:
    account = await create_account(session, org, external_id="acme")
    await revenue.ingest_subscriptions(session, _ingester(org), _batch(SUBSCRIPTION))
    await session.commit()

    assert await live_jobs.run(job_ctx, str(org.id)) == 1
    first = await _stored(session)
    await revenue_jobs.recompute_org(job_ctx, str(org.id))

    assert await _stored(session) == first
    assert first[0] == [(account.id, 10_000, 120_000)]


async def test_late_accounts_are_linked_and_computed(
    session: AsyncSession, org: Organisation, job_ctx: dict[str, Any]
) -> None:
    await revenue.ingest_subscriptions(session, _ingester(org), _batch(SUBSCRIPTION))
    account = await create_account(session, org, external_id="acme")
    await session.commit()

    assert await revenue_jobs.link_late_accounts(job_ctx) == 1
    assert await revenue_jobs.link_late_accounts(job_ctx) == 0
    current, _, _ = await _stored(session)
    assert current == [(account.id, 10_000, 120_000)]


def _batch(*records: dict[str, Any]) -> bytes:
    return json.dumps({"items": records}).encode()


def _ingester(org: Organisation) -> Actor:
    return Actor(org_id=org.id, user_id=None, permissions=frozenset({Permission.INGEST_DATA}))


async def test_a_rate_set_later_brings_the_left_out_items_in(
    client: AsyncClient,
    session: AsyncSession,
    redis: Redis,
    org: Organisation,
    job_ctx: dict[str, Any],
) -> None:
    account = await create_account(session, org, external_id="acme")
    _, key = await create_api_key(session, org, ApiScope.INGEST)
    gbp = {**SUBSCRIPTION, "currency": "GBP"}
    await revenue.ingest_subscriptions(session, _ingester(org), _batch(gbp))
    await session.commit()
    await live_jobs.run(job_ctx, str(org.id))
    before = await revenue.get_account_mrr(session, _reader(org), account.id)
    assert (before.mrr, [m.currency for m in before.missing_rates]) == (0, ["GBP"])
    await redis.flushdb()

    response = await client.post(
        "/api/v1/fx-rates",
        headers=key,
        json={"currency": "GBP", "effective_on": "2024-01-01", "rate": "1.25"},
    )
    assert response.status_code == 200, response.text
    # Setting the rate marked every account with revenue changed; the live chain recomputes.
    assert await live_jobs.run(job_ctx, str(org.id)) == 1

    after = await revenue.get_account_mrr(session, _reader(org), account.id)
    # 1,200.00 GBP a year at 1.25: 125.00 USD a month.
    assert (after.mrr, after.missing_rates) == (12_500, [])
    current, _, moves = await _stored(session)
    assert current == [(account.id, 12_500, 150_000)]
    assert [(m[1], m[2]) for m in moves] == [("new", 12_500)]


def _reader(org: Organisation) -> Actor:
    return Actor(org_id=org.id, user_id=None, permissions=frozenset({Permission.VIEW_ALL_ACCOUNTS}))


async def test_one_account_with_impossible_figures_does_not_stop_the_others(
    session: AsyncSession, org: Organisation, job_ctx: dict[str, Any]
) -> None:
    acme = await create_account(session, org, external_id="acme")
    huge = await create_account(session, org, external_id="huge")
    await revenue.ingest_subscriptions(
        session,
        _ingester(org),
        _batch(
            SUBSCRIPTION, {**SUBSCRIPTION, "external_id": "sub_2", "account_external_id": "huge"}
        ),
    )
    # Stored before the API bounded prices and quantities: 10^15 x 10^7 overflows int64.
    await session.execute(
        update(SubscriptionItem)
        .where(
            SubscriptionItem.subscription_id.in_(
                select(Subscription.id).where(Subscription.external_id == "sub_2")
            )
        )
        .values(unit_price=10**15, quantity=10**7, interval_months=1)
    )
    await session.commit()

    done = await revenue.recompute(session, org.id)

    assert done.failed == (huge.id,)
    current, _, _ = await _stored(session)
    assert current == [(acme.id, 10_000, 120_000)]
    assert await revenue_jobs.recompute_org(job_ctx, str(org.id)) == 2


async def _missing_stored(session: AsyncSession) -> list[tuple[Any, ...]]:
    rows = await session.execute(
        select(
            AccountMissingFxRate.account_id,
            AccountMissingFxRate.currency,
            AccountMissingFxRate.since,
        ).order_by(AccountMissingFxRate.account_id, AccountMissingFxRate.currency)
    )
    return [tuple(r) for r in rows]


async def test_the_recompute_stores_the_missing_rates_and_clears_them(
    client: AsyncClient,
    session: AsyncSession,
    settings: Settings,
    admin: User,
    org: Organisation,
    job_ctx: dict[str, Any],
) -> None:
    account = await create_account(session, org, external_id="acme")
    _, key = await create_api_key(session, org, ApiScope.INGEST)
    gbp = {**SUBSCRIPTION, "currency": "GBP"}
    await revenue.ingest_subscriptions(session, _ingester(org), _batch(gbp))
    await session.commit()
    # Reads return what the recompute found: nothing before it runs.
    assert (await revenue.get_account_mrr(session, _reader(org), account.id)).missing_rates == []

    await live_jobs.run(job_ctx, str(org.id))
    assert await _missing_stored(session) == [(account.id, "GBP", date(2025, 1, 1))]

    response = await client.post(
        "/api/v1/fx-rates",
        headers=key,
        json={"currency": "GBP", "effective_on": "2025-06-01", "rate": "1.25"},
    )
    assert response.status_code == 200, response.text
    # Still as the last recompute left it, until the next one.
    assert await _missing_stored(session) == [(account.id, "GBP", date(2025, 1, 1))]
    await live_jobs.run(job_ctx, str(org.id))
    assert await _missing_stored(session) == []

    # Removing the rate brings the currency back with the next recompute.
    deleted = await client.delete(f"/api/v1/fx-rates/{response.json()['id']}", headers=key)
    assert deleted.status_code == 204, deleted.text
    await live_jobs.run(job_ctx, str(org.id))
    assert await _missing_stored(session) == [(account.id, "GBP", date(2025, 1, 1))]

    # In a base currency of GBP the items need no rate: changing it recomputes MRR.
    patched = await client.patch(
        "/api/v1/organisation",
        headers=auth_headers(settings, admin),
        json={"base_currency": "GBP"},
    )
    assert patched.status_code == 200, patched.text
    assert await live_jobs.run(job_ctx, str(org.id)) == 1
    assert await _missing_stored(session) == []
