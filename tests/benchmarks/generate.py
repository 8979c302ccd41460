"""Generated accounts for benchmarks, in set-based SQL (a few statements however many)."""

import uuid

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncConnection


async def insert_csms(conn: AsyncConnection, org_id: uuid.UUID, count: int) -> None:
    """`count` active users with the CSM role, emails "csm<n>-..." (as `insert_accounts` looks
    them up)."""
    await conn.execute(
        text("""
        INSERT INTO users (id, org_id, email, full_name, role_id, status, created_at, updated_at)
        SELECT gen_random_uuid(), :org, 'csm' || g || '-' || :prefix || '@bench.example.com',
               'CSM ' || g, (SELECT id FROM roles WHERE org_id = :org AND name = 'CSM'),
               'active', now(), now()
        FROM generate_series(1, :n) g"""),
        {"org": org_id, "n": count, "prefix": org_id.hex[:8]},
    )


async def insert_accounts(conn: AsyncConnection, org_id: uuid.UUID, count: int) -> None:
    """`count` accounts `acc-1`... spread over the organisation's tiers and stages, with scores,
    renewals and `seats` 0-499, each assigned to one of the organisation's users whose email
    starts with "csm" (in turn)."""
    p = {"org": org_id, "n": count}
    await conn.execute(
        text("""
        WITH tiers AS (SELECT array_agg(id ORDER BY position) a FROM tiers WHERE org_id = :org),
             stages AS (SELECT array_agg(id ORDER BY position) a FROM lifecycle_stages
                        WHERE org_id = :org)
        INSERT INTO accounts (id, org_id, external_id, name, domain, joined_on, renewal_on,
                              tier_id, stage_id, csm_score, custom_values, created_at,
                              updated_at)
        SELECT gen_random_uuid(), :org, 'acc-' || g, 'Account ' || md5(g::text),
               'a' || g || '.example', current_date - (g % 1500),
               current_date + (g % 400) - 30, tiers.a[1 + g % 3], stages.a[1 + g % 4],
               (g * 37) % 101, jsonb_build_object('seats', g % 500), now(), now()
        FROM generate_series(1, :n) g, tiers, stages"""),
        p,
    )
    await conn.execute(
        text("""
        WITH csms AS (SELECT array_agg(id) a, count(*) n FROM users
                      WHERE org_id = :org AND email LIKE 'csm%'),
             numbered AS (SELECT id, row_number() OVER (ORDER BY external_id) n
                          FROM accounts WHERE org_id = :org)
        INSERT INTO account_csms (id, org_id, account_id, user_id)
        SELECT gen_random_uuid(), :org, numbered.id, csms.a[1 + numbered.n % csms.n]
        FROM numbered, csms"""),
        p,
    )
