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


async def insert_account_histories(conn: AsyncConnection, org_id: uuid.UUID) -> None:
    """What every write path records beside an account, for the organisation's accounts: the
    open period of its stage and of each of its CSMs (a write that changes them closes these,
    as it would in production, instead of finding none)."""
    p = {"org": org_id}
    await conn.execute(
        text("""
        INSERT INTO stage_history (id, org_id, account_id, stage_id, stage_name, entered_at)
        SELECT gen_random_uuid(), :org, a.id, a.stage_id, s.name, a.created_at
        FROM accounts a JOIN lifecycle_stages s ON s.id = a.stage_id
        WHERE a.org_id = :org"""),
        p,
    )
    await conn.execute(
        text("""
        INSERT INTO csm_assignment_history (id, org_id, account_id, user_id, assigned_at)
        SELECT gen_random_uuid(), :org, c.account_id, c.user_id, a.created_at
        FROM account_csms c JOIN accounts a ON a.id = c.account_id
        WHERE c.org_id = :org"""),
        p,
    )
