"""Issue 12: recomputing the health score of 100,000 accounts with a five-component model
(target under 10 s; moonshot 3 s), the live chain's stage for one batch of changed accounts, and
a backtest over 12 months of daily snapshots of 100,000 accounts (target under 30 s).

The accounts, their stored metrics, snapshots and churn are generated with set-based SQL in
organisations of their own in the bench database (kept between runs). BENCH_HEALTH_ACCOUNTS
sets a smaller size, BENCH_HEALTH_DAYS fewer days of snapshots (365 x 100,000 rows take a few
GB and a while to generate)."""

import os
import time
import uuid
from datetime import timedelta

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

from domain.accounts.models import CustomField, CustomFieldKind, CustomFieldType
from domain.common.db import create_sessionmaker
from domain.health import service as health
from domain.health.schemas import BacktestRequest, HealthModelSave
from domain.health.service import ranges_mapping
from domain.orgs import service as orgs
from domain.tenancy.clock import org_today
from domain.users.actor import Actor
from tests.benchmarks.generate import insert_accounts, insert_csms

ACCOUNTS = int(os.environ.get("BENCH_HEALTH_ACCOUNTS", "100000"))
DAYS = int(os.environ.get("BENCH_HEALTH_DAYS", "365"))
MARKER = f"bench-health-{ACCOUNTS}"
BACKTEST_MARKER = f"bench-health-backtest-{ACCOUNTS}-{DAYS}"
HORIZON = 90
BATCH = 500


def _linear(metric: str, low: float, high: float, invert: bool = False) -> dict[str, object]:
    return {
        "metric": metric,
        "mapping": {"kind": "linear", "low": low, "high": high, "invert": invert},
    }


FIVE_COMPONENTS = [
    {
        "name": "Product usage",
        "weight": 8,
        "metrics": [
            _linear("activity_rank", 0, 100),
            _linear("feature_adoption", 0, 60),
            {"metric": "events_30d", "mapping": {"kind": "percentile"}},
        ],
    },
    {
        "name": "Engagement",
        "weight": 5,
        "metrics": [
            {
                "metric": "days_since_last_interaction",
                "mapping": ranges_mapping((15, 100), (31, 70), (61, 40), (None, 0)),
            }
        ],
    },
    {
        "name": "Support",
        "weight": 3,
        "metrics": [
            {"metric": "open_tickets", "mapping": ranges_mapping((1, 100), (3, 70), (None, 0))}
        ],
    },
    {"name": "CSM score", "weight": 3, "metrics": [_linear("csm_score", 0, 100)]},
    {"name": "Seats", "weight": 2, "metrics": [_linear("seats", 0, 400)]},
]


async def _organisation(engine: AsyncEngine, name: str) -> uuid.UUID:
    async with engine.begin() as conn:
        await conn.execute(text("DELETE FROM organisations WHERE name = :name"), {"name": name})
    async with create_sessionmaker(engine)() as session:
        org, _admin = await orgs.create_organisation(
            session,
            name=name,
            admin_email=f"admin-{uuid.uuid4().hex[:6]}@bench.example.com",
            admin_name="Bench Admin",
            admin_password="bench-password-123",
        )
        session.add(
            CustomField(
                org_id=org.id,
                key="seats",
                label="Seats",
                kind=CustomFieldKind.METRIC,
                type=CustomFieldType.NUMBER,
            )
        )
        await session.commit()
    async with engine.begin() as conn:
        await insert_csms(conn, org.id, 20)
        await insert_accounts(conn, org.id, ACCOUNTS)
    return org.id


async def _build(engine: AsyncEngine) -> uuid.UUID:
    async with engine.begin() as conn:
        found = await conn.scalar(
            text(
                "SELECT o.id FROM organisations o WHERE o.name = :name AND "
                "(SELECT count(*) FROM account_metric_values v WHERE v.org_id = o.id) = :n"
            ),
            {"name": MARKER, "n": ACCOUNTS},
        )
        if found:
            return uuid.UUID(str(found))
    org_id = await _organisation(engine, MARKER)
    async with engine.begin() as conn:
        # Stored metrics as the refresh leaves them, spread so every band and range is used.
        await conn.execute(
            text("""
            INSERT INTO account_metric_values (account_id, org_id, last_interaction_on,
                open_tickets, active_users_7d, active_users_30d, events_7d, events_30d,
                sessions_30d, session_seconds_30d, features_used_30d, feature_adoption,
                activity_rank, updated_at)
            SELECT a.id, a.org_id, current_date - (h % 90), h % 7, h % 20, h % 40, h % 500,
                   h % 2000, h % 60, (h % 3600) * 10, h % 12, (h % 101), (h % 10001) / 100.0,
                   now()
            FROM (SELECT id, org_id, abs(hashtext(id::text)) AS h FROM accounts
                  WHERE org_id = :org) a"""),
            {"org": org_id},
        )
    return org_id


def _print(label: str, seconds: float, accounts: int) -> None:
    print(f"  {label:<58} {seconds:7.2f} s  {accounts / seconds:>10,.0f} accounts/s")


async def test_health_recompute(bench_engine: AsyncEngine) -> None:
    org_id = await _build(bench_engine)
    sessions = create_sessionmaker(bench_engine)
    actor = Actor.system(org_id)
    async with sessions() as session:
        default = (await health.list_models(session, actor))[0]
        await health.save_model(
            session,
            actor,
            default.id,
            HealthModelSave.model_validate({"components": FIVE_COMPONENTS}),
        )
        await session.commit()
    print(f"\nhealth: {ACCOUNTS:,} accounts, a five-component model (one percentile metric)")

    for label in ("recompute, every score new", "recompute, nothing changed"):
        async with sessions() as session:
            started = time.perf_counter()
            changed = await health.compute(session, org_id)
            await session.commit()
            _print(f"{label} ({changed:,} written)", time.perf_counter() - started, ACCOUNTS)

    async with sessions() as session:
        started = time.perf_counter()
        days = await health.record_day(session, org_id)
        await session.commit()
        _print(f"the day's history ({days:,} rows)", time.perf_counter() - started, ACCOUNTS)

    async with bench_engine.begin() as conn:
        await conn.execute(
            text(
                "UPDATE account_metric_values SET open_tickets = (open_tickets + 1) % 7 "
                "WHERE org_id = :org"
            ),
            {"org": org_id},
        )
    async with sessions() as session:
        started = time.perf_counter()
        changed = await health.compute(session, org_id)
        await session.commit()
        _print(
            f"recompute after every account's tickets changed ({changed:,})",
            time.perf_counter() - started,
            ACCOUNTS,
        )

    async with bench_engine.connect() as conn:
        ids = list(
            await conn.scalars(
                text("SELECT id FROM accounts WHERE org_id = :org ORDER BY random() LIMIT :n"),
                {"org": org_id, "n": BATCH},
            )
        )
    async with sessions() as session:
        plan = await health.plan(session, org_id, await org_today(session, org_id))
        started = time.perf_counter()
        await health.compute(session, org_id, accounts_=ids, plan_=plan)
        _print(
            f"live stage: one batch of {BATCH} accounts (ranked among all)",
            time.perf_counter() - started,
            BATCH,
        )
        await session.rollback()


async def _build_history(engine: AsyncEngine) -> uuid.UUID:
    """DAYS of daily snapshots of every account up to yesterday, each account's metrics around
    a health of its own (from its id's hash) with day-to-day noise; about 8 % of the accounts
    churn during those days, the poorer ones more often, their metrics sliding before."""
    async with engine.begin() as conn:
        found = await conn.scalar(
            text("SELECT id FROM organisations WHERE name = :name"), {"name": BACKTEST_MARKER}
        )
        if found:
            return uuid.UUID(str(found))
    building = f"{BACKTEST_MARKER} (building)"
    org_id = await _organisation(engine, building)
    p = {"org": org_id, "days": DAYS}
    async with engine.begin() as conn:
        await conn.execute(
            text("""
            WITH health AS (
                SELECT id, (abs(hashtext(id::text)) % 1000) / 1000.0 AS h,
                       abs(hashtext(id::text || 'churn')) % 1000 AS draw
                FROM accounts WHERE org_id = :org)
            UPDATE accounts a SET churned_on = current_date - 1 - (hashtext(a.id::text || 'on')
                                               & 1023) % CAST(:days AS integer),
                                  churn_reason = 'Budget cuts'
            FROM health WHERE health.id = a.id
              AND health.draw < 1000 * (0.01 + 0.25 * power(1 - health.h, 3))"""),
            p,
        )
        await conn.execute(
            text("""
            INSERT INTO churn_events (id, org_id, account_id, churned_on, reason)
            SELECT gen_random_uuid(), org_id, id, churned_on, churn_reason
            FROM accounts WHERE org_id = :org AND churned_on IS NOT NULL"""),
            p,
        )
        await conn.execute(
            text("""
            INSERT INTO account_metric_snapshots (account_id, day, org_id, values, taken_at)
            SELECT a.id, d::date, a.org_id, jsonb_build_object(
                       'activity_rank', greatest(0, least(100, round(100 * x.h + n.a * 15))),
                       'feature_adoption', greatest(0, least(100, round(60 * x.h + n.a * 8))),
                       'events_30d', greatest(0, round(2000 * x.h + n.b * 300)),
                       'days_since_last_interaction', greatest(0, round(90 * (1 - x.h) + n.b * 10)),
                       'open_tickets', greatest(0, round(6 * (1 - x.h) + n.a * 1.5)),
                       'csm_score', a.csm_score,
                       'seats', (a.custom_values ->> 'seats')::numeric,
                       'mrr', 100 + (abs(hashtext(a.id::text)) % 5000)),
                   d + interval '23 hours'
            FROM accounts a
            CROSS JOIN LATERAL (SELECT (abs(hashtext(a.id::text)) % 1000) / 1000.0 AS h0) base
            CROSS JOIN generate_series(CAST(current_date - CAST(:days AS integer) AS timestamp),
                                       CAST(current_date - 1 AS timestamp), interval '1 day') d
            CROSS JOIN LATERAL (
                SELECT (hashtext(a.id::text || d::date) & 1023) / 511.5 - 1 AS a,
                       (hashtext(d::date || a.id::text) & 1023) / 511.5 - 1 AS b) n
            CROSS JOIN LATERAL (
                SELECT base.h0 - CASE WHEN a.churned_on IS NULL THEN 0
                                      ELSE 0.4 * greatest(0, 1 - (a.churned_on - d::date) / 120.0)
                                 END AS h) x
            WHERE a.org_id = :org AND (a.churned_on IS NULL OR d::date < a.churned_on)
              AND d::date >= a.joined_on"""),
            p,
        )
        await conn.execute(text("ANALYZE account_metric_snapshots"))
        await conn.execute(text("ANALYZE churn_events"))
        await conn.execute(
            text("UPDATE organisations SET name = :name WHERE id = :org"),
            {"name": BACKTEST_MARKER, "org": org_id},
        )
    return org_id


async def test_health_backtest(bench_engine: AsyncEngine) -> None:
    started = time.perf_counter()
    org_id = await _build_history(bench_engine)
    built = time.perf_counter() - started
    sessions = create_sessionmaker(bench_engine)
    actor = Actor.system(org_id)
    async with sessions() as session:
        default = (await health.list_models(session, actor))[0]
        today = await org_today(session, org_id)
        await session.commit()
    print(
        f"\nhealth backtest: {ACCOUNTS:,} accounts, {DAYS} days of daily snapshots "
        f"(ready in {built:.1f} s), a five-component model, horizon {HORIZON} days"
    )
    # Replayed days a horizon or more ago (snapshots start DAYS ago).
    replayed = {min(DAYS, HORIZON + d) for d in (270, 180, 0)}
    for days_ago in sorted((d for d in replayed if d >= HORIZON), reverse=True):
        async with sessions() as session:
            started = time.perf_counter()
            result = await health.backtest(
                session,
                actor,
                default.id,
                BacktestRequest.model_validate(
                    {
                        "components": FIVE_COMPONENTS,
                        "day": str(today - timedelta(days=days_ago)),
                        "horizon_days": HORIZON,
                    }
                ),
            )
            seconds = time.perf_counter() - started
        auc = f"{result.auc:.3f}" if result.auc is not None else "n/a"
        _print(
            f"backtest of {days_ago} days ago ({result.churned:,} churned; AUC {auc})",
            seconds,
            result.accounts,
        )
