"""Issue 4 target on 100,000 accounts, 300,000 contacts and 10,000,000 events over 30 days: the
nightly chain (usage rollup of those days, metrics refresh, activity ranks, snapshot) in under
2 minutes. The rollup runs as the worker's job runs it (day slices side by side, as many as
`rollup_parallelism`), twice: into empty rollup tables, then again over its own result (every
row replaced). Prints each step's time and the load average; never asserts timings.

The data set is generated once with set-based SQL into its own organisation of the benchmark
database and kept (rebuilt when missing or incomplete). BENCH_METRICS_EVENTS sets a smaller
event count for a quicker run."""

import os
import time
import uuid
from collections.abc import Awaitable, Callable
from datetime import date, timedelta
from typing import Any

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession

from domain.common import clock
from domain.common.db import create_sessionmaker
from domain.common.settings import Settings
from domain.metrics import service as metrics
from domain.metrics.repository import REFRESH_GROUPS, MetricsRepository
from domain.metrics.trend import TREND_WINDOW_DAYS
from domain.orgs import service as orgs
from domain.usage.sessions import every_day
from workers import queue
from workers.jobs import usage as usage_jobs

ACCOUNTS = 100_000
CONTACTS_PER_ACCOUNT = 3
EVENTS = int(os.environ.get("BENCH_METRICS_EVENTS", "10000000"))
DAYS = 30
CHUNK = 1_000_000
FEATURES = 40
MARKER = f"bench-metrics-{ACCOUNTS}-{EVENTS}"


async def _build(engine: AsyncEngine) -> uuid.UUID:
    contacts = ACCOUNTS * CONTACTS_PER_ACCOUNT
    async with engine.begin() as conn:
        found = await conn.scalar(
            text("SELECT id FROM organisations WHERE name = :name"), {"name": MARKER}
        )
    if found:
        return uuid.UUID(str(found))
    started = time.perf_counter()
    async with engine.begin() as conn:
        # A run stopped half-way leaves a partial data set: start again from nothing.
        await conn.execute(
            text("DELETE FROM organisations WHERE name = :name"),
            {"name": MARKER + " (building)"},
        )
    async with create_sessionmaker(engine)() as session:
        org, _admin = await orgs.create_organisation(
            session,
            name=MARKER + " (building)",
            admin_email=f"admin-{uuid.uuid4().hex[:6]}@bench.example.com",
            admin_name="Bench Admin",
            admin_password="bench-password-123",
        )
        await session.commit()
    p: dict[str, Any] = {"org": org.id, "accounts": ACCOUNTS, "contacts": contacts}
    async with engine.begin() as conn:
        await conn.execute(
            text("""
            INSERT INTO accounts (id, org_id, external_id, name, renewal_on, custom_values,
                                  created_at, updated_at)
            SELECT gen_random_uuid(), :org, 'acc-' || g, 'Account ' || g,
                   current_date + (g % 400) - 30, jsonb_build_object('seats', 1 + g % 500),
                   now(), now()
            FROM generate_series(0, :accounts - 1) g"""),
            p,
        )
        # Contact n belongs to account n % ACCOUNTS.
        await conn.execute(
            text("""
            INSERT INTO contacts (id, org_id, external_id, email, traits, created_at, updated_at)
            SELECT gen_random_uuid(), :org, 'c-' || g, 'c' || g || '@bench.example.com', '{}',
                   now(), now()
            FROM generate_series(0, :contacts - 1) g"""),
            p,
        )
        # Statistics for the join below: without them it is planned as a nested loop.
        await conn.execute(text("ANALYZE accounts"))
        await conn.execute(text("ANALYZE contacts"))
        await conn.execute(
            text("""
            WITH a AS (
                SELECT id, external_id, CAST(substr(external_id, 5) AS int) AS n
                FROM accounts WHERE org_id = :org
            ),
            c AS (
                SELECT id, CAST(substr(external_id, 3) AS int) AS n
                FROM contacts WHERE org_id = :org
            )
            INSERT INTO contact_accounts (contact_id, account_external_id, org_id, account_id,
                                          traits, created_at)
            SELECT c.id, a.external_id, :org, a.id, '{}', now()
            FROM c JOIN a ON a.n = c.n % :accounts"""),
            p,
        )
    # Event g: contact g % C on day (g / C) % DAYS, within a 10-hour working day, so each
    # contact has a few sessions a day; a skewed share of accounts stays inactive.
    for first in range(0, EVENTS, CHUNK):
        async with engine.begin() as conn:
            await conn.execute(
                text("""
                WITH c AS (
                    SELECT array_agg(c.id ORDER BY CAST(substr(c.external_id, 3) AS int)) ids
                    FROM contacts c WHERE c.org_id = :org
                ),
                a AS (
                    SELECT array_agg(id ORDER BY CAST(substr(external_id, 5) AS int)) ids
                    FROM accounts WHERE org_id = :org
                ),
                e AS (
                    SELECT g, (g / :contacts) % :days AS day_ago,
                           -- contacts of every tenth account send nothing: the next one does
                           CASE WHEN (g % :contacts) % :accounts % 10 = 0 THEN g % :contacts + 1
                                ELSE g % :contacts END AS contact
                    FROM generate_series(CAST(:first AS bigint), CAST(:last AS bigint)) g
                )
                INSERT INTO usage_events (org_id, message_id, name, feature, module,
                                          contact_external_id, account_external_id, account_id,
                                          contact_id, occurred_at, received_at, properties)
                SELECT :org, 'm-' || e.g, 'used', 'feature-' || (e.g % :features),
                       'module-' || (e.g % 5), 'c-' || e.contact,
                       'acc-' || (e.contact % :accounts),
                       a.ids[CAST(1 + e.contact % :accounts AS int)],
                       c.ids[CAST(1 + e.contact AS int)],
                       date_trunc('day', now()) - make_interval(days => CAST(e.day_ago AS int) + 1)
                           + make_interval(hours => 8, mins => CAST((e.g * 7919) % 600 AS int)),
                       now(), '{}'
                FROM e, a, c"""),
                {
                    **p,
                    "first": first,
                    "last": min(first + CHUNK, EVENTS) - 1,
                    "days": DAYS,
                    "features": FEATURES,
                },
            )
        print(f"  ... {min(first + CHUNK, EVENTS):,} events", flush=True)
    async with engine.begin() as conn:
        await conn.execute(
            text("UPDATE organisations SET name = :name WHERE id = :org"),
            {**p, "name": MARKER},
        )
    async with engine.connect() as conn:
        await conn.execution_options(isolation_level="AUTOCOMMIT")
        for table in ("accounts", "contacts", "contact_accounts", "usage_events"):
            await conn.execute(text(f"VACUUM ANALYZE {table}"))
    print(
        f"\n  generated {ACCOUNTS:,} accounts, {contacts:,} contacts and {EVENTS:,} events "
        f"(every tenth account inactive) in {time.perf_counter() - started:.0f} s"
    )
    return org.id


async def _rank_history(engine: AsyncEngine, org_id: uuid.UUID, today: date) -> None:
    """The 29 earlier daily ranks a month of nightly runs leaves per account, so the trend's
    regression reads a full window (3,000,000 rows) as it does in production."""
    started = time.perf_counter()
    async with engine.begin() as conn:
        await conn.execute(
            text("""
            INSERT INTO account_activity_ranks (account_id, day, org_id, rank)
            SELECT a.id, CAST(:today AS date) - d, a.org_id,
                   round(CAST(random() * 100 AS numeric), 2)
            FROM accounts a, generate_series(1, :days) d
            WHERE a.org_id = :org AND a.deleted_at IS NULL
            ON CONFLICT DO NOTHING"""),
            {"org": org_id, "today": today, "days": TREND_WINDOW_DAYS - 1},
        )
        await conn.execute(text("ANALYZE account_activity_ranks"))
    print(f"  rank history ready in {time.perf_counter() - started:.1f} s (not timed)")


def _load() -> str:
    one, five, fifteen = os.getloadavg()
    return f"load {one:.2f} {five:.2f} {fifteen:.2f}"


async def _step(
    label: str, engine: AsyncEngine, work: Callable[[AsyncSession], Awaitable[Any]]
) -> float:
    """Run one step in its own committed transaction and print its time."""
    started = time.perf_counter()
    async with create_sessionmaker(engine)() as session:
        result = await work(session)
        await session.commit()
    elapsed = time.perf_counter() - started
    print(f"  {label:<48} {elapsed:7.1f} s   ({result})   {_load()}", flush=True)
    return elapsed


async def _empty_rollups(engine: AsyncEngine) -> None:
    """The benchmark database holds no other organisation's usage."""
    async with engine.connect() as conn:
        await conn.execution_options(isolation_level="AUTOCOMMIT")
        await conn.execute(
            text("TRUNCATE usage_daily_contact, usage_daily_account, usage_daily_feature")
        )


async def _forget_todays_metrics(engine: AsyncEngine, org_id: uuid.UUID, today: Any) -> None:
    """Current values, today's ranks and today's snapshot gone, so each step of the chain
    writes every row as the first run of a day does (not the nothing-changed case)."""
    async with engine.begin() as conn:
        await conn.execute(
            text("DELETE FROM account_metric_values WHERE org_id = :o"), {"o": org_id}
        )
        for table in (
            "account_metric_snapshots",
            "account_activity_ranks",
            "contact_activity_ranks",
        ):
            await conn.execute(
                text(f"DELETE FROM {table} WHERE org_id = :o AND day = :d"),
                {"o": org_id, "d": today},
            )


async def _timed(label: str, work: Callable[[], Awaitable[str]]) -> float:
    """A step that manages its own transactions (a job), timed and printed like `_step`."""
    started = time.perf_counter()
    result = await work()
    elapsed = time.perf_counter() - started
    print(f"  {label:<48} {elapsed:7.1f} s   ({result})   {_load()}", flush=True)
    return elapsed


async def test_nightly_rollup_refresh_rank_and_snapshot(
    bench_engine: AsyncEngine, bench_settings: Settings
) -> None:
    org_id = await _build(bench_engine)
    now = clock.now()
    today = now.date()
    days = [d.isoformat() for d in every_day(today - timedelta(days=DAYS), today)]
    redis = await queue.connect(bench_settings.redis_url)
    ctx = {
        "sessionmaker": create_sessionmaker(bench_engine),
        "redis": redis,
        "settings": bench_settings,
    }

    async def roll_up() -> str:
        done = await usage_jobs.roll_up(ctx, str(org_id), days)
        return f"{done} days, {bench_settings.rollup_parallelism} slices at a time"

    def group(name: str) -> Callable[[AsyncSession], Awaitable[Any]]:
        async def run(session: AsyncSession) -> str:
            repo = MetricsRepository(session, org_id)
            org = await repo.organisation()
            rows = await repo.refresh_group(name, today=today, now=now, tz=org.time_zone)
            return f"{rows:,} rows written"

        return run

    async def rank_accounts(session: AsyncSession) -> str:
        rows = await MetricsRepository(session, org_id).rank_accounts(today=today, now=now)
        return f"{rows:,} rows written"

    async def rank_contacts(session: AsyncSession) -> str:
        rows = await MetricsRepository(session, org_id).rank_contacts(today=today)
        return f"{rows:,} rows written"

    async def snapshot(session: AsyncSession) -> str:
        rows = await metrics.snapshot(session, org_id, now=now)
        return f"{rows:,} rows written"

    async def refresh_again(session: AsyncSession) -> str:
        done = await metrics.refresh(session, org_id, now=now)
        return f"{sum(done.groups.values()):,} rows written"

    await _rank_history(bench_engine, org_id, today)
    print(f"\n  Metrics chain on {ACCOUNTS:,} accounts / {EVENTS:,} events ({_load()})")
    await _empty_rollups(bench_engine)
    cold = await _timed(f"usage rollup ({DAYS + 1} days, empty tables)", roll_up)
    again = await _timed(f"usage rollup ({DAYS + 1} days, over its result)", roll_up)
    await _forget_todays_metrics(bench_engine, org_id, today)
    total = max(cold, again)
    for name in REFRESH_GROUPS:
        total += await _step(f"refresh: {name}", bench_engine, group(name))
    total += await _step("activity rank: accounts", bench_engine, rank_accounts)
    total += await _step("activity rank: contacts", bench_engine, rank_contacts)
    total += await _step("snapshot (every metric, every account)", bench_engine, snapshot)
    print(f"  {'total, slower rollup counted (target < 120 s)':<48} {total:7.1f} s")
    await _step("refresh again (nothing changed)", bench_engine, refresh_again)
    await _step("snapshot again (nothing changed)", bench_engine, snapshot)
    await redis.aclose()
