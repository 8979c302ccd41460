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
from domain.health import service as health
from domain.orgs import service as orgs
from domain.users.actor import Actor
from tests.benchmarks.generate import insert_accounts, insert_csms

ACCOUNTS = int(os.environ.get("BENCH_ALERT_ACCOUNTS", "100000"))
RULES = 100
# The rules and data changed with v2: an organisation of the earlier kind is not reused.
MARKER = f"bench-alerts-v2-{ACCOUNTS}"
BATCH = 500


def _condition(n: int) -> dict[str, Any]:
    """Rules of the kinds CSMs write, each with its own threshold so that each matches a few
    per cent of the accounts: usage against a value with the health band, a renewal window
    with revenue and a score, a poor health score with no recent interaction, a metric against
    another, activity falling against its own earlier window."""
    k = n // 5
    match n % 5:
        case 0:  # usage dropped and the account is not healthy
            return {
                "kind": "all",
                "conditions": [
                    {
                        "kind": "compare",
                        "field": "metric.events_30d",
                        "op": "lt",
                        "value": 40 + 4 * k,
                    },
                    {"kind": "compare", "field": "health.band", "op": "ne", "value": "good"},
                ],
            }
        case 1:  # renewal within N days, MRR above a figure and a low CSM score
            return {
                "kind": "all",
                "conditions": [
                    {
                        "kind": "date",
                        "field": "renewal_on",
                        "op": "within_next_days",
                        "days": 20 + k,
                    },
                    {"kind": "compare", "field": "metric.mrr", "op": "gt", "value": 1000 + 100 * k},
                    {"kind": "compare", "field": "csm_score", "op": "lt", "value": 60},
                ],
            }
        case 2:  # a poor score and no interaction for weeks
            return {
                "kind": "all",
                "conditions": [
                    {"kind": "compare", "field": "health.score", "op": "lt", "value": 4 + k % 6},
                    {
                        "kind": "compare",
                        "field": "metric.days_since_last_interaction",
                        "op": "gt",
                        "value": 20 + k,
                    },
                ],
            }
        case 3:  # fewer active users than open tickets, in a poor band
            return {
                "kind": "all",
                "conditions": [
                    {
                        "kind": "compare_fields",
                        "field": "metric.active_users_7d",
                        "op": "lt",
                        "other": "metric.open_tickets",
                    },
                    {"kind": "compare", "field": "health.band", "op": "eq", "value": "poor"},
                    {
                        "kind": "compare",
                        "field": "metric.feature_adoption",
                        "op": "lt",
                        "value": 40 + 3 * k,
                    },
                ],
            }
        case _:  # activity fell against its own earlier window, or nobody logged in for long
            return {
                "kind": "any",
                "conditions": [
                    {
                        "kind": "compare",
                        "field": "metric.activity_rank_trend",
                        "op": "lt",
                        "value": -97 + k / 10,
                    },
                    {
                        "kind": "compare",
                        "field": "metric.days_since_last_interaction",
                        "op": "gt",
                        "value": 87 - k % 3,
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
        else:
            await conn.execute(
                text("DELETE FROM organisations WHERE name = :name"), {"name": MARKER}
            )
    if found:
        # The previous run's alerts and their notifications vacuumed away, as autovacuum would
        # have them: otherwise each run inserts beside the last one's dead rows and index
        # entries.
        async with engine.connect() as conn:
            autocommit = await conn.execution_options(isolation_level="AUTOCOMMIT")
            await autocommit.execute(
                text("VACUUM (ANALYZE) alerts, alert_evaluations, notifications")
            )
        return uuid.UUID(str(found))
    async with create_sessionmaker(engine)() as session:
        org, _admin = await orgs.create_organisation(
            session,
            name=MARKER,
            admin_email=f"admin-{uuid.uuid4().hex[:6]}@bench.example.com",
            admin_name="Bench Admin",
            admin_password="bench-password-123",
        )
        # The default health model, whose version the generated scores name.
        await health.list_models(session, Actor.system(org.id))
        await session.commit()
    async with engine.begin() as conn:
        version = await conn.scalar(
            text(
                "SELECT v.id FROM health_model_versions v JOIN health_models m "
                "ON m.id = v.model_id WHERE m.org_id = :org LIMIT 1"
            ),
            {"org": org.id},
        )
        await insert_csms(conn, org.id, 20)
        await insert_accounts(conn, org.id, ACCOUNTS)
        # Each figure from its own hash of the account, so that conditions combine as
        # independent ones would.
        await conn.execute(
            text("""
            INSERT INTO account_metric_values (account_id, org_id, mrr, arr, last_interaction_on,
                open_tickets, active_users_7d, active_users_30d, events_7d, events_30d,
                sessions_30d, session_seconds_30d, features_used_30d, feature_adoption,
                activity_rank, activity_rank_trend, updated_at)
            SELECT a.id, a.org_id, h[1] % 1000000, 12 * (h[1] % 1000000),
                   current_date - (h[2] % 90), h[3] % 7, h[4] % 20, h[4] % 40, h[5] % 500,
                   h[5] % 2000, h[6] % 60, (h[6] % 3600) * 10, h[7] % 12, h[7] % 101,
                   (h[8] % 10001) / 100.0, (h[9] % 2001 - 1000) / 10.0, now()
            FROM (SELECT id, org_id,
                         ARRAY(SELECT abs(hashtext(id::text || s)) FROM generate_series(1, 10) s)
                           AS h
                  FROM accounts WHERE org_id = :org) a"""),
            {"org": org.id},
        )
        await conn.execute(
            text("""
            INSERT INTO account_health (account_id, org_id, version_id, score, band, components,
                                        computed_at)
            SELECT a.id, a.org_id, :version, s,
                   CASE WHEN s > 70 THEN 'good' WHEN s > 30 THEN 'average' ELSE 'poor' END,
                   '[]', now()
            FROM (SELECT id, org_id, abs(hashtext(id::text || 'health')) % 101 AS s
                  FROM accounts WHERE org_id = :org) a"""),
            {"org": org.id, "version": version},
        )
        # Planned as autovacuum would have it after a bulk load.
        await conn.execute(text("ANALYZE accounts, account_metric_values, account_health"))
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
