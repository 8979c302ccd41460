"""Issue 13: a full pass of 100 alert rules over 100,000 accounts (target under 30 s; moonshot
10 s), a second pass where every match is held by its open alert, and the live chain's stage
for one batch of 500 changed accounts.

The accounts and their stored metrics are generated with set-based SQL in their own
organisation of the bench database (kept between runs, its alerts removed).
BENCH_ALERT_ACCOUNTS sets a smaller size."""

import os
import time
import uuid
from typing import Any

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

from domain.alerts import service as alerts
from domain.alerts.models import EvaluationTrigger
from domain.alerts.schemas import AlertRuleCreate
from domain.common import clock
from domain.common.db import create_sessionmaker
from domain.orgs import service as orgs
from domain.users.actor import Actor
from tests.benchmarks.generate import insert_accounts, insert_csms

ACCOUNTS = int(os.environ.get("BENCH_ALERT_ACCOUNTS", "100000"))
RULES = 100
MARKER = f"bench-alerts-{ACCOUNTS}"
BATCH = 500


def _condition(n: int) -> dict[str, Any]:
    """Rules of the kinds CSMs write, each with its own threshold: a metric against a value,
    a renewal window with a score, a metric against another, a drop in activity."""
    match n % 4:
        case 0:
            return {"kind": "compare", "field": "metric.events_30d", "op": "lt", "value": 20 + n}
        case 1:
            return {
                "kind": "all",
                "conditions": [
                    {"kind": "date", "field": "renewal_on", "op": "within_next_days", "days": n},
                    {"kind": "compare", "field": "csm_score", "op": "lt", "value": 50},
                ],
            }
        case 2:
            return {
                "kind": "compare_fields",
                "field": "metric.active_users_7d",
                "op": "lt",
                "other": "metric.open_tickets",
            }
        case _:
            return {
                "kind": "any",
                "conditions": [
                    {
                        "kind": "compare",
                        "field": "metric.activity_rank",
                        "op": "lt",
                        "value": n / 10,
                    },
                    {
                        "kind": "compare",
                        "field": "metric.days_since_last_interaction",
                        "op": "gt",
                        "value": 60 + n % 30,
                    },
                ],
            }


async def _build(engine: AsyncEngine) -> uuid.UUID:
    """The organisation with its accounts and rules, kept between runs; its alerts removed."""
    async with engine.begin() as conn:
        found = await conn.scalar(
            text(
                "SELECT o.id FROM organisations o WHERE o.name = :name AND "
                "(SELECT count(*) FROM alert_rules r WHERE r.org_id = o.id) = :rules"
            ),
            {"name": MARKER, "rules": RULES},
        )
        if found:
            await conn.execute(text("DELETE FROM alerts WHERE org_id = :o"), {"o": found})
            await conn.execute(
                text("DELETE FROM alert_evaluations WHERE org_id = :o"), {"o": found}
            )
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
        await session.commit()
    async with engine.begin() as conn:
        await insert_csms(conn, org.id, 20)
        await insert_accounts(conn, org.id, ACCOUNTS)
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
        # Planned as autovacuum would have it after a bulk load.
        await conn.execute(text("ANALYZE accounts, account_metric_values"))
    async with create_sessionmaker(engine)() as session:
        actor = Actor.system(org.id)
        for n in range(RULES):
            await alerts.create_rule(
                session,
                actor,
                AlertRuleCreate.model_validate(
                    {"name": f"Rule {n}", "type": "custom", "condition": _condition(n)}
                ),
            )
        await session.commit()
    return org.id


def _print(label: str, seconds: float, detail: str) -> None:
    print(f"  {label:<58} {seconds:7.2f} s  {detail}")


async def test_alert_rules_full_pass_and_live_batch(bench_engine: AsyncEngine) -> None:
    org_id = await _build(bench_engine)
    sessions = create_sessionmaker(bench_engine)
    print(f"\nAlert rules: {RULES} rules over {ACCOUNTS:,} accounts")
    for label in ("full pass, alerts opened", "full pass again, every match held open"):
        async with sessions() as session:
            started = time.perf_counter()
            fired = await alerts.evaluate(session, org_id, trigger=EvaluationTrigger.SCHEDULE)
            await session.commit()
            _print(label, time.perf_counter() - started, f"{fired:,} alerts opened")
    async with sessions() as session:
        ids = [
            uuid.UUID(str(i))
            for i in (
                await session.execute(
                    text("SELECT id FROM accounts WHERE org_id = :o ORDER BY random() LIMIT :n"),
                    {"o": org_id, "n": BATCH},
                )
            ).scalars()
        ]
        started = time.perf_counter()
        plan = await alerts.plan(session, org_id, now=clock.now())
        await alerts.evaluate(
            session, org_id, trigger=EvaluationTrigger.LIVE, accounts_=ids, plan_=plan
        )
        await session.rollback()
        _print(f"live stage, {BATCH} changed accounts", time.perf_counter() - started, "")
