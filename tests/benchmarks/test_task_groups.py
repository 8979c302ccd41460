"""The grouped task list (GET /api/v1/tasks/groups) over 100,000 tasks on 10,000 accounts: each
grouping's counts and first rows, for an admin who sees every task and for a CSM who sees
their accounts' tasks. Prints figures, asserts none.

The accounts and tasks are generated with set-based SQL in their own organisation of the bench
database (kept between runs). BENCH_TASKS sets a smaller size."""

import os
import time
import uuid

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

from domain.common.db import create_sessionmaker
from domain.orgs import service as orgs
from domain.tasks import service as tasks
from domain.tasks.models import TaskGroupBy
from domain.tasks.schemas import TaskFilters
from domain.users.actor import Actor
from domain.users.permissions import Permission
from tests.benchmarks.generate import insert_accounts, insert_csms

TASKS = int(os.environ.get("BENCH_TASKS", "100000"))
ACCOUNTS = TASKS // 10
MARKER = f"bench-task-groups-{TASKS}"
RUNS = 5


async def _build(engine: AsyncEngine) -> uuid.UUID:
    async with engine.begin() as conn:
        found = await conn.scalar(
            text(
                "SELECT o.id FROM organisations o WHERE o.name = :name AND "
                "EXISTS (SELECT FROM tasks t WHERE t.org_id = o.id)"
            ),
            {"name": MARKER},
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
        await session.commit()
    async with engine.begin() as conn:
        await insert_csms(conn, org.id, 20)
        await insert_accounts(conn, org.id, ACCOUNTS)
        # Ten tasks per account, owned by its CSM; due days from 30 days ago to 60 ahead or
        # none, priorities, types, statuses and up to two tags spread over them.
        await conn.execute(
            text("""
            INSERT INTO tasks (id, org_id, account_id, type, title, details, owner_id, due_on,
                               priority, tags, status, created_at, updated_at)
            SELECT gen_random_uuid(), a.org_id, a.id,
                   (ARRAY['regular', 'regular', 'alert', 'playbook'])[1 + g % 4],
                   'Task ' || g, '', c.user_id,
                   CASE WHEN g % 7 = 0 THEN NULL ELSE current_date + (g * 13 % 91) - 30 END,
                   (ARRAY['low', 'normal', 'normal', 'high', 'urgent'])[1 + g % 5],
                   CASE g % 4 WHEN 0 THEN ARRAY[]::varchar[] WHEN 1 THEN ARRAY['qbr']
                        WHEN 2 THEN ARRAY['renewal', 'qbr'] ELSE ARRAY['onboarding'] END,
                   CASE WHEN g % 3 = 0 THEN 'closed' ELSE 'open' END, now(), now()
            FROM accounts a JOIN account_csms c ON c.account_id = a.id,
                 generate_series(1, 10) g
            WHERE a.org_id = :org"""),
            {"org": org.id},
        )
        await conn.execute(text("ANALYZE tasks"))
    return org.id


async def test_task_groups(bench_engine: AsyncEngine) -> None:
    org_id = await _build(bench_engine)
    sessions = create_sessionmaker(bench_engine)
    async with sessions() as session:
        csm = await session.scalar(
            text("SELECT id FROM users WHERE org_id = :o AND email LIKE 'csm1-%'"), {"o": org_id}
        )
        # A user without "view all accounts": their accounts' tasks and the tasks they own.
        sees_own = frozenset(Permission) - {Permission.VIEW_ALL_ACCOUNTS}
        actors = {
            "admin": Actor.system(org_id),
            "csm": Actor(org_id=org_id, user_id=csm, permissions=sees_own),
        }
        print(f"\ntask groups over {TASKS:,} tasks on {ACCOUNTS:,} accounts (median of {RUNS})")
        for who, actor in actors.items():
            for group_by in TaskGroupBy:
                times = []
                for _ in range(RUNS):
                    started = time.perf_counter()
                    groups = await tasks.list_task_groups(
                        session, actor, TaskFilters(), group_by, per_group=50, max_groups=100
                    )
                    times.append(time.perf_counter() - started)
                times.sort()
                print(
                    f"  {who:5} by {group_by:8}: {groups.group_count:5} groups, "
                    f"{groups.total:7,} tasks, {1000 * times[RUNS // 2]:7.1f} ms"
                )
