"""Issue 13: the alert and task reports and their drill-down on a year of generated work:
20,000 accounts of 20 CSMs (five of them a manager's team), 100,000 alerts of 10 rules (half
plain and dismissed or open, half alert tasks) and 100,000 regular tasks, in their own
organisation of the bench database (kept between runs). BENCH_REPORT_ROWS sets a smaller size.
Figures are printed, never asserted."""

import os
import uuid
from datetime import timedelta
from typing import Any

from httpx import AsyncClient
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

from domain.common import clock
from domain.common.db import create_sessionmaker
from domain.common.settings import Settings
from domain.orgs import service as orgs
from domain.users import tokens
from tests.benchmarks.conftest import measure
from tests.benchmarks.generate import insert_accounts, insert_csms

ROWS = int(os.environ.get("BENCH_REPORT_ROWS", "100000"))
ACCOUNTS = 20_000
MARKER = f"bench-reports-v1-{ROWS}"


async def _build(engine: AsyncEngine) -> uuid.UUID:
    async with engine.begin() as conn:
        found = await conn.scalar(
            text("SELECT id FROM organisations WHERE name = :name"), {"name": MARKER}
        )
        if found:
            return uuid.UUID(str(found))
    async with create_sessionmaker(engine)() as session:
        org, _admin = await orgs.create_organisation(
            session,
            name=MARKER,
            admin_email=f"admin-{uuid.uuid4().hex[:6]}@bench.example.com",
            admin_name="Bench Admin",
            admin_password="bench-password-123",
        )
        await session.commit()
    p = {"org": org.id, "n": ROWS, "accounts": ACCOUNTS}
    async with engine.begin() as conn:
        await conn.execute(
            text("UPDATE organisations SET time_zone = 'Europe/Berlin' WHERE id = :org"), p
        )
        await insert_csms(conn, org.id, 20)
        await insert_accounts(conn, org.id, ACCOUNTS)
        # CSM 1 manages CSMs 2 to 5.
        await conn.execute(
            text("""
            UPDATE users SET manager_id = (SELECT id FROM users WHERE org_id = :org
                                           AND email LIKE 'csm1-%')
            WHERE org_id = :org AND split_part(email, '-', 1) IN ('csm2', 'csm3', 'csm4', 'csm5')
            """),
            p,
        )
        await conn.execute(
            text("""
            INSERT INTO alert_rules (id, org_id, name, type, description, condition,
                includes_churned, retrigger_delay_days, never_retrigger, creates_task,
                is_active, created_at, updated_at)
            SELECT gen_random_uuid(), :org, 'Rule ' || g,
                   (ARRAY['churn', 'renewal', 'expansion', 'engagement', 'custom'])[1 + g % 5],
                   'Generated', '{"kind": "all", "conditions": []}', false, 7, false, true,
                   true, now(), now()
            FROM generate_series(1, 10) g"""),
            p,
        )
        # The last alert of each (rule, account) pair may be open: one open alert per pair.
        await conn.execute(
            text("""
            WITH rules AS (SELECT array_agg(id ORDER BY name) a FROM alert_rules
                           WHERE org_id = :org),
                 accounts AS (SELECT array_agg(id ORDER BY external_id) a FROM accounts
                              WHERE org_id = :org),
                 generated AS (
                   SELECT g, now() - make_interval(hours => (:n - g) * 8760 / :n) AS fired_at,
                          abs(hashtext(g::text)) AS h
                   FROM generate_series(1, :n) g)
            INSERT INTO alerts (id, org_id, rule_id, account_id, fired_at, status, reason,
                                values, dismissed_at, closed_at)
            SELECT gen_random_uuid(), :org, rules.a[1 + g % 10],
                   accounts.a[1 + (g / 10) % :accounts], fired_at,
                   CASE WHEN g > :n - :accounts AND h % 3 = 0 THEN 'open'
                        WHEN h % 2 = 0 THEN 'dismissed' ELSE 'closed' END,
                   'Generated', '{}',
                   CASE WHEN NOT (g > :n - :accounts AND h % 3 = 0) AND h % 2 = 0
                        THEN fired_at + make_interval(hours => h % 200) END,
                   CASE WHEN NOT (g > :n - :accounts AND h % 3 = 0) AND h % 2 = 1
                        THEN fired_at + make_interval(hours => h % 300) END
            FROM generated, rules, accounts"""),
            p,
        )
        # Each closed alert is an alert task of the account's CSM; some open ones too.
        await conn.execute(
            text("""
            INSERT INTO tasks (id, org_id, account_id, alert_id, type, title, details, owner_id,
                               priority, tags, status, outcome, closed_at, created_at,
                               updated_at)
            SELECT gen_random_uuid(), :org, a.account_id, a.id, 'alert', 'Alert task', '',
                   (SELECT user_id FROM account_csms c WHERE c.account_id = a.account_id
                    LIMIT 1),
                   'normal', '{}', CASE WHEN a.closed_at IS NULL THEN 'open' ELSE 'closed' END,
                   CASE WHEN a.closed_at IS NOT NULL THEN
                     (ARRAY['successful', 'unsuccessful', 'false_alarm'])[1 + abs(hashtext(
                       a.id::text)) % 3] END,
                   a.closed_at, a.fired_at, a.fired_at
            FROM alerts a
            WHERE a.org_id = :org AND (a.status = 'closed'
                  OR (a.status = 'open' AND abs(hashtext(a.id::text)) % 2 = 0))"""),
            p,
        )
        await conn.execute(
            text("""
            WITH accounts AS (SELECT array_agg(a.id ORDER BY a.external_id) a,
                                     array_agg(c.user_id ORDER BY a.external_id) csm
                              FROM accounts a JOIN account_csms c ON c.account_id = a.id
                              WHERE a.org_id = :org),
                 generated AS (
                   SELECT g, now() - make_interval(hours => (:n - g) * 8760 / :n) AS created_at,
                          abs(hashtext('t' || g)) AS h
                   FROM generate_series(1, :n) g)
            INSERT INTO tasks (id, org_id, account_id, type, title, details, owner_id, due_on,
                               priority, tags, status, closed_at, created_at, updated_at)
            SELECT gen_random_uuid(), :org, accounts.a[1 + g % :accounts], 'regular', 'Task',
                   '', accounts.csm[1 + g % :accounts],
                   (created_at + make_interval(days => h % 20))::date, 'normal', '{}',
                   CASE WHEN h % 4 = 0 OR created_at + make_interval(hours => h % 400) > now()
                        THEN 'open' ELSE 'closed' END,
                   CASE WHEN NOT (h % 4 = 0 OR created_at + make_interval(hours => h % 400)
                        > now()) THEN created_at + make_interval(hours => h % 400) END,
                   created_at, created_at
            FROM generated, accounts"""),
            p,
        )
        await conn.execute(text("ANALYZE alerts, tasks, accounts, account_csms, users"))
    return org.id


async def test_alert_and_task_reports(
    bench_engine: AsyncEngine, bench_client: AsyncClient, bench_settings: Settings
) -> None:
    org_id = await _build(bench_engine)
    async with bench_engine.begin() as conn:
        admin_id = await conn.scalar(
            text(
                "SELECT u.id FROM users u JOIN roles r ON r.id = u.role_id "
                "WHERE u.org_id = :org AND r.name = 'Admin'"
            ),
            {"org": org_id},
        )
        manager_id, member_id, csm_id = [
            await conn.scalar(
                text("SELECT id FROM users WHERE org_id = :org AND email LIKE :email"),
                {"org": org_id, "email": f"{name}-%"},
            )
            for name in ("csm1", "csm2", "csm7")
        ]

    def headers(user_id: Any) -> dict[str, str]:
        token = tokens.encode(
            tokens.TokenClaims(user_id=user_id, org_id=org_id, purpose="access"),
            secret=bench_settings.auth.secret_key.get_secret_value(),
            now=clock.now(),
            ttl=timedelta(hours=1),
        )
        return {"Authorization": f"Bearer {token}"}

    viewers = {"admin": headers(admin_id), "manager of 4": headers(manager_id)}
    viewers["CSM"] = headers(csm_id)
    year = {"since": (clock.now() - timedelta(days=365)).date().isoformat()}

    async def get(path: str, who: str, **params: Any) -> None:
        response = await bench_client.get(
            f"/api/v1/reports/{path}", headers=viewers[who], params={**year, **params}
        )
        assert response.status_code == 200, response.text

    print(f"\n  Reports over {ROWS:,} alerts and {ROWS:,} tasks, {ACCOUNTS:,} accounts, a year")
    for who in viewers:
        for group_by in ("csm", "month", "rule"):
            await measure(
                f"alerts by {group_by}, {who}",
                lambda g=group_by, w=who: get("alerts", w, group_by=g),
                runs=10,
                warmup=1,
            )
        for group_by in ("csm", "month"):
            await measure(
                f"tasks by {group_by}, {who}",
                lambda g=group_by, w=who: get("tasks", w, group_by=g),
                runs=10,
                warmup=1,
            )
    await measure(
        "alert rows: open, admin, first page",
        lambda: get("alerts/rows", "admin", metric="open"),
        runs=10,
        warmup=1,
    )
    await measure(
        "task rows: overdue of one CSM, manager, first page",
        lambda: get("tasks/rows", "manager of 4", metric="overdue", csm_id=str(member_id)),
        runs=10,
        warmup=1,
    )
