"""Issue 3 targets on 100,000 accounts and 1,000,000 interactions: the account list (filtered,
sorted page with its total) p95 under 50 ms, interaction search p95 under 100 ms."""

import time
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

ACCOUNTS = 100_000
INTERACTIONS = 1_000_000
CSMS = 20
MARKER = f"bench-workspace-{ACCOUNTS}-{INTERACTIONS}"

WORDS = [
    "renewal",
    "pricing",
    "onboarding",
    "expansion",
    "churn",
    "risk",
    "champion",
    "budget",
    "contract",
    "security",
    "sso",
    "integration",
    "dashboard",
    "training",
    "invoice",
    "discount",
    "seats",
    "rollout",
    "adoption",
    "feedback",
    "roadmap",
    "escalation",
    "outage",
    "latency",
    "migration",
    "workshop",
    "executive",
    "sponsor",
    "procurement",
    "legal",
    "review",
    "quarterly",
    "business",
    "health",
    "score",
    "usage",
    "decline",
    "upsell",
    "crosssell",
    "referral",
    "case",
    "study",
    "nps",
    "survey",
    "support",
    "ticket",
    "bug",
    "feature",
    "request",
    "api",
    "webhook",
    "export",
    "report",
    "analytics",
]


async def _build(engine: AsyncEngine) -> uuid.UUID:
    """Generate the data set once (set-based SQL), or reuse it if it is already there."""
    async with engine.begin() as conn:
        found = await conn.scalar(
            text(
                "SELECT o.id FROM organisations o WHERE o.name = :name AND "
                "(SELECT count(*) FROM interactions i WHERE i.org_id = o.id) = :n"
            ),
            {"name": MARKER, "n": INTERACTIONS},
        )
    if found:
        return await _ensure_fields_and_metrics(engine, found)
    started = time.perf_counter()
    async with engine.begin() as conn:
        # A run stopped half-way leaves a partial data set: start again from nothing.
        await conn.execute(text("DELETE FROM organisations WHERE name = :name"), {"name": MARKER})
    async with create_sessionmaker(engine)() as session:
        org, _admin = await orgs.create_organisation(
            session,
            name=MARKER + " (building)",
            admin_email=f"admin-{uuid.uuid4().hex[:6]}@bench.example.com",
            admin_name="Bench Admin",
            admin_password="bench-password-123",
        )
        await session.commit()
    org_id = org.id
    async with engine.begin() as conn:
        p = {"org": org_id}
        await insert_csms(conn, org_id, CSMS)
        await insert_accounts(conn, org_id, ACCOUNTS)
        await conn.execute(
            text("""
            WITH ids AS (SELECT array_agg(id) a FROM accounts WHERE org_id = :org),
                 words AS (SELECT CAST(:words AS text[]) w)
            INSERT INTO interactions (id, org_id, account_id, type, occurred_at, subject, body,
                                      participant_user_ids, participant_contacts, source,
                                      created_at, updated_at)
            SELECT gen_random_uuid(), :org, ids.a[1 + (g::bigint * 7919) % :accounts],
                   (ARRAY['call','meeting','email','qbr','note','other'])[1 + g % 6],
                   now() - make_interval(mins => g),
                   w[1 + g % 60] || ' ' || w[1 + (g / 7) % 60],
                   w[1 + (g / 3) % 60] || ' ' || w[1 + (g / 11) % 60] || ' ' ||
                   w[1 + (g / 13) % 60] || ' discussed with the customer team ' ||
                   w[1 + (g / 17) % 60] || ' ' || w[1 + (g / 19) % 60],
                   '{}', '{}', 'bench', now(), now()
            FROM generate_series(1, :n) g, ids, words"""),
            {**p, "n": INTERACTIONS, "accounts": ACCOUNTS, "words": WORDS},
        )
        await conn.execute(
            text("UPDATE organisations SET name = :name WHERE id = :org"), {**p, "name": MARKER}
        )
    async with engine.connect() as conn:
        await conn.execution_options(isolation_level="AUTOCOMMIT")
        await conn.execute(text("VACUUM ANALYZE"))
    print(
        f"\n  generated {ACCOUNTS:,} accounts and {INTERACTIONS:,} interactions "
        f"in {time.perf_counter() - started:.0f} s"
    )
    return await _ensure_fields_and_metrics(engine, org_id)


async def _ensure_fields_and_metrics(engine: AsyncEngine, org_id: uuid.UUID) -> uuid.UUID:
    """The custom metric the filters use, and the stored data metrics (as a metrics refresh
    leaves them: one row per account) that metric columns and sorts read."""
    async with engine.begin() as conn:
        await conn.execute(
            text("""
            INSERT INTO account_metric_values (account_id, org_id, mrr, arr, open_tickets,
                                               active_users_30d, updated_at)
            SELECT id, org_id, CASE WHEN n % 10 > 0 THEN (n * 7919) % 500000 END,
                   CASE WHEN n % 10 > 0 THEN (n * 7919) % 500000 * 12 END, n % 7, n % 60, now()
            FROM (SELECT id, org_id, row_number() OVER (ORDER BY external_id) n
                  FROM accounts WHERE org_id = :org) a
            ON CONFLICT (account_id) DO NOTHING"""),
            {"org": org_id},
        )
        await conn.execute(
            text(
                "INSERT INTO custom_fields (id, org_id, key, label, kind, type, format, options,"
                " source, created_at, updated_at) VALUES (gen_random_uuid(), :org, 'seats',"
                " 'Seats', 'metric', 'number', 'integer', '{}', 'api', now(), now())"
                " ON CONFLICT DO NOTHING"
            ),
            {"org": org_id},
        )
    return org_id


async def _admin_and_csm(
    engine: AsyncEngine, settings: Settings, org_id: uuid.UUID
) -> tuple[dict[str, str], dict[str, str]]:
    """Request headers of the organisation's admin and of its first CSM."""
    async with engine.begin() as conn:
        admin_id = await conn.scalar(
            text(
                "SELECT u.id FROM users u JOIN roles r ON r.id = u.role_id "
                "WHERE u.org_id = :org AND r.name = 'Admin'"
            ),
            {"org": org_id},
        )
        csm_id = await conn.scalar(
            text("SELECT id FROM users WHERE org_id = :org AND email LIKE 'csm1-%'"),
            {"org": org_id},
        )

    def headers(user_id: Any) -> dict[str, str]:
        token = tokens.encode(
            tokens.TokenClaims(user_id=user_id, org_id=org_id, purpose="access"),
            secret=settings.auth.secret_key.get_secret_value(),
            now=clock.now(),
            ttl=timedelta(hours=1),
        )
        return {"Authorization": f"Bearer {token}"}

    return headers(admin_id), headers(csm_id)


async def _check(response: Any) -> None:
    assert response.status_code == 200, response.text


async def test_account_list(
    bench_engine: AsyncEngine, bench_client: AsyncClient, bench_settings: Settings
) -> None:
    org_id = await _build(bench_engine)
    admin, csm = await _admin_and_csm(bench_engine, bench_settings, org_id)
    renewing_tier1 = {
        "filter": {
            "kind": "all",
            "conditions": [
                {"kind": "compare", "field": "tier", "op": "eq", "value": "Tier 1"},
                {"kind": "date", "field": "renewal_on", "op": "within_next_days", "days": 90},
                {"kind": "compare", "field": "custom.seats", "op": "gte", "value": 100},
            ],
        },
        "sort": "renewal_on",
        "limit": 50,
    }

    print(f"\n  Account workspace on {ACCOUNTS:,} accounts / {INTERACTIONS:,} interactions")
    first = await bench_client.post("/api/v1/accounts/query", headers=admin, json=renewing_tier1)
    await _check(first)
    print(f"  (filtered list matches {first.json()['total']:,} accounts)")
    await measure(
        "account list: filter(tier, renewal window, custom metric), sorted",
        lambda: bench_client.post("/api/v1/accounts/query", headers=admin, json=renewing_tier1),
    )
    await measure(
        "account list: same, as a CSM (only their accounts)",
        lambda: bench_client.post("/api/v1/accounts/query", headers=csm, json=renewing_tier1),
    )
    await measure(
        "account list: same filter, sorted by custom.seats",
        lambda: bench_client.post(
            "/api/v1/accounts/query",
            headers=admin,
            json={**renewing_tier1, "sort": "custom.seats", "descending": True},
        ),
    )
    await measure(
        "account list: all accounts by metric.mrr, 2 metric columns",
        lambda: bench_client.post(
            "/api/v1/accounts/query",
            headers=admin,
            json={
                "sort": "metric.mrr",
                "descending": True,
                "columns": ["name", "metric.mrr", "metric.open_tickets"],
                "limit": 50,
            },
        ),
    )
    await measure(
        "account list: all accounts by tier order, as a CSM",
        lambda: bench_client.post(
            "/api/v1/accounts/query", headers=csm, json={"sort": "tier", "limit": 50}
        ),
    )
    await measure(
        "account list: GET sorted by name, page 200",
        lambda: bench_client.get(
            "/api/v1/accounts",
            headers=admin,
            params={"sort": "name", "offset": 10_000, "limit": 50},
        ),
    )
    await measure(
        "account list: search 'a12345' by name/domain/external id",
        lambda: bench_client.get("/api/v1/accounts", headers=admin, params={"q": "a12345"}),
    )


async def test_interaction_search(
    bench_engine: AsyncEngine, bench_client: AsyncClient, bench_settings: Settings
) -> None:
    org_id = await _build(bench_engine)
    admin, csm = await _admin_and_csm(bench_engine, bench_settings, org_id)
    print(f"\n  Interaction search on {ACCOUNTS:,} accounts / {INTERACTIONS:,} interactions")
    first = await bench_client.get(
        "/api/v1/interactions/search", headers=admin, params={"q": "sso escalation", "limit": 20}
    )
    await _check(first)
    print(f"  (search 'sso escalation' matches {first.json()['total']:,} interactions)")
    await measure(
        "interaction search: 'sso escalation', ranked",
        lambda: bench_client.get(
            "/api/v1/interactions/search",
            headers=admin,
            params={"q": "sso escalation", "limit": 20},
        ),
    )
    first = await bench_client.get(
        "/api/v1/interactions/search", headers=csm, params={"q": "renewal", "limit": 20}
    )
    await _check(first)
    print(f"  (search 'renewal' as a CSM matches {first.json()['total']:,} of their interactions)")
    await measure(
        "interaction search: 'renewal', as a CSM",
        lambda: bench_client.get(
            "/api/v1/interactions/search", headers=csm, params={"q": "renewal", "limit": 20}
        ),
    )
