"""Issue 12: recomputing the health score of 100,000 accounts with a five-component model
(target under 10 s; moonshot 3 s), and the live chain's stage for one batch of changed accounts.

The accounts and their stored metrics are generated with set-based SQL in their own
organisation of the bench database (kept between runs). BENCH_HEALTH_ACCOUNTS sets a smaller
size."""

import os
import time
import uuid

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

from domain.accounts.models import CustomField, CustomFieldKind, CustomFieldType
from domain.common.db import create_sessionmaker
from domain.health import service as health
from domain.health.schemas import HealthModelSave
from domain.health.service import ranges_mapping
from domain.orgs import service as orgs
from domain.tenancy.clock import org_today
from domain.users.actor import Actor
from tests.benchmarks.generate import insert_accounts, insert_csms

ACCOUNTS = int(os.environ.get("BENCH_HEALTH_ACCOUNTS", "100000"))
MARKER = f"bench-health-{ACCOUNTS}"
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
        await conn.execute(text("DELETE FROM organisations WHERE name = :name"), {"name": MARKER})
    async with create_sessionmaker(engine)() as session:
        org, _admin = await orgs.create_organisation(
            session,
            name=MARKER,
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
            {"org": org.id},
        )
    return org.id


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
