"""Issue 11: the live chain's usage stage for one batch of accounts against how full their day
already is. A batch of BENCH_LIVE_ROLLUP_ACCOUNTS accounts (500 by default, the chain's first
batch size), five contacts each, holds 0, 200 or 2,000 events of today per account; then each
account gets one new event (after its day's last, as live data arrives) and the stage rolls
the batch up, three times from the new events (the chain's way since migration 0043) and three
times recomputing the day whole (its way before, and still the way for a day an event reached
late), alternating. Prints the median of each; never asserts timings.

Each day's data is generated into an organisation of its own with set-based SQL, deleted after
its figures are printed (its events are today's: a kept one would be a day old next time)."""

import os
import statistics
import time
import uuid
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

from domain.common import clock
from domain.common.db import create_sessionmaker
from domain.usage import service as usage
from tests.factories import create_org

ACCOUNTS = int(os.environ.get("BENCH_LIVE_ROLLUP_ACCOUNTS", "500"))
CONTACTS_PER_ACCOUNT = 5
EVENTS_PER_ACCOUNT = (0, 200, 2000)
RUNS = 3

_ACCOUNTS = text(
    """
INSERT INTO accounts (id, org_id, external_id, name, custom_values, created_at, updated_at)
SELECT gen_random_uuid(), :org, 'acc-' || lpad(CAST(g AS text), 6, '0'), 'Account ' || g, '{}',
       now(), now()
FROM generate_series(0, CAST(:accounts AS int) - 1) g
"""
)
_CONTACTS = text(
    """
INSERT INTO contacts (id, org_id, external_id, traits, created_at, updated_at)
SELECT gen_random_uuid(), :org, 'c-' || lpad(CAST(g AS text), 7, '0'), '{}', now(), now()
FROM generate_series(0, CAST(:accounts AS int) * :contacts - 1) g
"""
)
# Event g of contact g % C (whose account is g % A), spread over today until two minutes ago,
# on one of seven features.
_EVENTS = text(
    """
WITH a AS (SELECT array_agg(id ORDER BY external_id) ids FROM accounts WHERE org_id = :org),
     c AS (SELECT array_agg(id ORDER BY external_id) ids FROM contacts WHERE org_id = :org),
     day AS (SELECT CAST(:start AS timestamptz) AS start,
                    now() - interval '2 minutes' - CAST(:start AS timestamptz) AS span)
INSERT INTO usage_events (org_id, message_id, name, feature, module, contact_external_id,
                          account_external_id, account_id, contact_id, occurred_at,
                          received_at, properties)
SELECT :org, :tag || g, 'used', 'feature-' || (g % 7), 'module', 'c', 'acc',
       a.ids[1 + g % CAST(:accounts AS int)], c.ids[1 + g % (CAST(:accounts AS int) * :contacts)],
       day.start + day.span * (CAST(g AS float8) / GREATEST(:events, 1)),
       now(), '{}'
FROM generate_series(0, CAST(:events AS int) - 1) g, a, c, day
"""
)


async def _build(engine: AsyncEngine, per_account: int) -> Any:
    async with create_sessionmaker(engine)() as session:
        org, _ = await create_org(session, name=f"bench-live-rollup-{uuid.uuid4().hex[:8]}")
        await session.commit()
    zone = ZoneInfo(org.time_zone)
    start = datetime.combine(clock.today_in(org.time_zone, clock.now()), datetime.min.time(), zone)
    params = {"org": org.id, "accounts": ACCOUNTS, "contacts": CONTACTS_PER_ACCOUNT}
    async with engine.begin() as conn:
        await conn.execute(_ACCOUNTS, params)
        await conn.execute(_CONTACTS, params)
        await conn.execute(
            _EVENTS, {**params, "tag": "h-", "start": start, "events": ACCOUNTS * per_account}
        )
    async with engine.connect() as conn:
        await conn.execution_options(isolation_level="AUTOCOMMIT")
        await conn.execute(text("VACUUM ANALYZE usage_events"))
    return org


async def _one_more_each(engine: AsyncEngine, org: Any, tag: str) -> None:
    """An event a minute ago on every account, by one of its own contacts."""
    params = {"org": org.id, "accounts": ACCOUNTS, "contacts": CONTACTS_PER_ACCOUNT, "tag": tag}
    async with engine.begin() as conn:
        await conn.execute(
            text(
                """
WITH a AS (SELECT array_agg(id ORDER BY external_id) ids FROM accounts WHERE org_id = :org),
     c AS (SELECT array_agg(id ORDER BY external_id) ids FROM contacts WHERE org_id = :org)
INSERT INTO usage_events (org_id, message_id, name, feature, module, contact_external_id,
                          account_external_id, account_id, contact_id, occurred_at,
                          received_at, properties)
SELECT :org, :tag || g, 'used', 'feature-1', 'module', 'c', 'acc', a.ids[1 + g],
       c.ids[1 + g + CAST(:accounts AS int) * 2], now() - interval '1 minute', now(), '{}'
FROM generate_series(0, CAST(:accounts AS int) - 1) g, a, c
"""
            ),
            params,
        )


async def _stage(engine: AsyncEngine, org: Any, *, whole: bool) -> float:
    async with create_sessionmaker(engine)() as session:
        accounts = list(
            await session.scalars(text("SELECT id FROM accounts WHERE org_id = :o"), {"o": org.id})
        )
        today = clock.today_in(org.time_zone, clock.now())
        started = time.perf_counter()
        await usage.roll_up_accounts(
            session,
            org.id,
            {a: today for a in accounts},
            today,
            rebuild=frozenset(accounts) if whole else frozenset(),
        )
        await session.commit()
        return time.perf_counter() - started


async def test_live_usage_stage_against_a_fuller_day(bench_engine: AsyncEngine) -> None:
    print(f"\n  live usage stage, one batch of {ACCOUNTS:,} accounts, one new event each:")
    for per_account in EVENTS_PER_ACCOUNT:
        org = await _build(bench_engine, per_account)
        try:
            await _stage(bench_engine, org, whole=True)  # the day as the chain left it
            added: list[float] = []
            whole: list[float] = []
            for run in range(RUNS):
                for way, times in (("a", added), ("w", whole)):
                    await _one_more_each(bench_engine, org, f"{way}{run}-")
                    times.append(await _stage(bench_engine, org, whole=way == "w"))
            print(
                f"  {per_account:>5,} events an account today: "
                f"from the new events {statistics.median(added) * 1000:6.0f} ms, "
                f"whole {statistics.median(whole) * 1000:6.0f} ms"
            )
        finally:
            async with bench_engine.begin() as conn:
                await conn.execute(text("DELETE FROM organisations WHERE id = :o"), {"o": org.id})
