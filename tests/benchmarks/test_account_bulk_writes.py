"""Writes at scale: a 20,000-row CSV import (creates, then the same file again as updates) through
the real import service, and a bulk edit of 10,000 accounts (stage, CSM, score); then a bulk edit
of every account matching a filter (stage, score and CSM, then a custom value), attribute
triggers of a tier and of a stage matching every account, and a bulk churn and reactivation of
them all, over 100,000 generated accounts (with the open stage and CSM periods their writes would
have recorded: an edit closes those). Each runs in its own organisation of the benchmark
database, removed afterwards. Prints rows/s and statements sent.

BENCH_IMPORT_ROWS sets the file's size (the bulk edit takes half of them), and
BENCH_BULK_ACCOUNTS the generated accounts, to measure a slower path on fewer rows."""

import csv
import gc
import io
import os
import time
import uuid
from collections.abc import Awaitable, Callable
from datetime import date
from typing import Any

from sqlalchemy import event, text
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession

from domain.accounts import bulk, imports, triggers
from domain.accounts.models import CustomField, CustomFieldKind, CustomFieldType, TriggerTarget
from domain.accounts.schemas import (
    AccountSelection,
    AttributeTriggerWrite,
    BulkChanges,
    BulkEdit,
    ChurnCreate,
)
from domain.common.db import create_sessionmaker
from domain.common.settings import Settings
from domain.users import service as users
from domain.users.actor import Actor
from tests.benchmarks.generate import insert_account_histories, insert_accounts
from tests.factories import create_org, create_user
from workers import queue

ROWS = int(os.environ.get("BENCH_IMPORT_ROWS", "20000"))
ACCOUNTS = int(os.environ.get("BENCH_BULK_ACCOUNTS", "100000"))
CSMS = 10
FEWER_THAN_500_SEATS = {"kind": "compare", "field": "custom.seats", "op": "lt", "value": 500}
MAPPING = {
    "Id": "external_id",
    "Company": "name",
    "Domain": "domain",
    "Joined": "joined_on",
    "Tier": "tier",
    "Stage": "stage",
    "CSM": "csm",
    "Score": "csm_score",
    "Parent": "parent_external_id",
    "Seats": "custom.seats",
}


def _csv(emails: list[str], *, stage: str, score_shift: int) -> str:
    """Every tenth account has the one before it as parent; seats run 0-999, so half the
    accounts have fewer than 500."""
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(list(MAPPING))
    for i in range(ROWS):
        writer.writerow(
            [
                f"bulk-{i:06d}",
                f"Account {i}",
                f"a{i}.example",
                f"2024-{1 + i % 12:02d}-{1 + i % 28:02d}",
                f"Tier {1 + i % 3}",
                stage,
                emails[i % len(emails)],
                (i * 7 + score_shift) % 101,
                f"bulk-{i - 1:06d}" if i % 10 == 9 else "",
                i % 1000,
            ]
        )
    return out.getvalue()


class _Statements:
    """Counts what is sent to PostgreSQL (an executemany counts once)."""

    def __init__(self, engine: AsyncEngine) -> None:
        self.count = 0
        event.listen(engine.sync_engine, "before_cursor_execute", self._seen)
        self._engine = engine

    def _seen(self, *_: Any) -> None:
        self.count += 1

    def close(self) -> None:
        event.remove(self._engine.sync_engine, "before_cursor_execute", self._seen)


async def _timed(
    label: str,
    rows: int,
    statements: _Statements,
    session: AsyncSession,
    call: Callable[[], Awaitable[Any]],
) -> Any:
    # As the API process runs (its startup heap frozen, api.app): a full collection over this
    # process's fixtures and modules paused a 100,000-account edit four times, 80 ms each.
    gc.collect()
    gc.freeze()
    before = statements.count
    started = time.perf_counter()
    result = await call()
    await session.commit()
    seconds = time.perf_counter() - started
    print(
        f"  {label:<44} {rows:>7,} rows  {seconds:7.2f} s  {rows / seconds:9,.0f} rows/s"
        f"  {statements.count - before:>7,} statements"
    )
    return result


async def test_import_and_bulk_edit(bench_engine: AsyncEngine, bench_settings: Settings) -> None:
    sessionmaker = create_sessionmaker(bench_engine)
    redis = await queue.connect(bench_settings.redis_url)
    statements = _Statements(bench_engine)
    async with sessionmaker() as session:
        org, admin = await create_org(session, name=f"bench-bulk-writes-{uuid.uuid4().hex[:8]}")
        csms = [await create_user(session, org, role_name="CSM") for _ in range(CSMS)]
        session.add(
            CustomField(
                org_id=org.id,
                key="seats",
                label="Seats",
                kind=CustomFieldKind.METRIC,
                type=CustomFieldType.NUMBER,
                options=[],
            )
        )
        await session.commit()
        org_id, emails = org.id, [c.email for c in csms]
        nobody = Actor(org_id=org_id, user_id=None, permissions=frozenset())
        actor = users.actor_for(await users.get_user(session, nobody, admin.id))
    print(f"\n  Account writes ({ROWS:,}-row CSV, bulk edit of {ROWS // 2:,} accounts)")
    try:
        for label, content in (
            ("CSV import, new accounts", _csv(emails, stage="Trial", score_shift=0)),
            ("CSV import, same file as updates", _csv(emails, stage="Renewal", score_shift=3)),
        ):
            async with sessionmaker() as session:
                started = await imports.start_import(
                    session,
                    actor,
                    file_name="bench.csv",
                    csv_text=content,
                    mapping=MAPPING,
                    dry_run=False,
                )
                await imports.begin_import(session, started.id)
                await session.commit()
                done = await _timed(
                    label,
                    ROWS,
                    statements,
                    session,
                    lambda: imports.run_import(session, redis, started.id),  # noqa: B023  # awaited at once
                )
                assert done.status == "succeeded", done.errors[:3]

        async with sessionmaker() as session:
            onboarding = await session.scalar(
                text("SELECT id FROM lifecycle_stages WHERE org_id = :org AND name = 'Onboarding'"),
                {"org": org_id},
            )
            edit = BulkEdit(
                selection=AccountSelection.model_validate({"filter": FEWER_THAN_500_SEATS}),
                changes=BulkChanges(stage_id=onboarding, csm_score=80, add_csm_ids=[csms[0].id]),
            )
            matched, updated = await _timed(
                "bulk edit: stage, score, add a CSM",
                ROWS // 2,
                statements,
                session,
                lambda: bulk.bulk_edit(session, actor, edit),
            )
            assert (matched, updated) == (ROWS // 2, ROWS // 2)
    finally:
        statements.close()
        async with bench_engine.begin() as conn:
            await conn.execute(text("DELETE FROM organisations WHERE id = :org"), {"org": org_id})
        await redis.aclose()


async def test_bulk_edit_and_trigger_over_all_matching(
    bench_engine: AsyncEngine, bench_settings: Settings
) -> None:
    sessionmaker = create_sessionmaker(bench_engine)
    statements = _Statements(bench_engine)
    async with sessionmaker() as session:
        org, admin = await create_org(session, name=f"bench-bulk-all-{uuid.uuid4().hex[:8]}")
        csms = [
            await create_user(session, org, role_name="CSM", email=f"csm{i}-{org.id.hex}@b.test")
            for i in range(CSMS)
        ]
        session.add(
            CustomField(
                org_id=org.id,
                key="seats",
                label="Seats",
                kind=CustomFieldKind.METRIC,
                type=CustomFieldType.NUMBER,
                options=[],
            )
        )
        await session.commit()
        org_id, new_csm = org.id, csms[0].id
        nobody = Actor(org_id=org_id, user_id=None, permissions=frozenset())
        actor = users.actor_for(await users.get_user(session, nobody, admin.id))
    async with bench_engine.begin() as conn:
        await insert_accounts(conn, org_id, ACCOUNTS)
        await insert_account_histories(conn, org_id)
    # As autovacuum leaves tables after inserts this large (a server may run without it, as
    # this machine's does): otherwise the first edit also sets the hint bits of every page it
    # reads, writing each page again (about half a second of an edit of 100,000 accounts).
    async with bench_engine.connect() as conn:
        await conn.execution_options(isolation_level="AUTOCOMMIT")
        await conn.execute(
            text("VACUUM (ANALYZE) accounts, account_csms, stage_history, csm_assignment_history")
        )
    print(f"\n  All matching accounts ({ACCOUNTS:,} generated, each matches)")
    everyone = {"kind": "compare", "field": "custom.seats", "op": "gte", "value": 0}

    async def edit_all(label: str, changes: BulkChanges) -> None:
        async with sessionmaker() as session:
            edit = BulkEdit(
                selection=AccountSelection.model_validate({"filter": everyone}), changes=changes
            )
            matched, updated = await _timed(
                label, ACCOUNTS, statements, session, lambda: bulk.bulk_edit(session, actor, edit)
            )
            assert (matched, updated) == (ACCOUNTS, ACCOUNTS)

    async def run_trigger(label: str, target: TriggerTarget, column: str, name: str) -> None:
        """A trigger giving every account the tier or stage `name`, run once, then set aside."""
        table = {"tier_id": "tiers", "stage_id": "lifecycle_stages"}[column]
        async with sessionmaker() as session:
            value = await session.scalar(
                text(f"SELECT id FROM {table} WHERE org_id = :org AND name = :name"),
                {"org": org_id, "name": name},
            )
            trigger = await triggers.create_trigger(
                session,
                actor,
                AttributeTriggerWrite.model_validate(
                    {"name": f"All to {name}", "target": target, column: value,
                     "condition": everyone}
                ),
            )  # fmt: skip
            await session.commit()
            pending = await session.scalar(
                text(
                    f"SELECT count(*) FROM accounts WHERE org_id = :org"
                    f" AND {column} IS DISTINCT FROM :value"
                ),
                {"org": org_id, "value": value},
            )
            changed = await _timed(
                label,
                pending or 0,
                statements,
                session,
                lambda: triggers.run_triggers(session, org_id),
            )
            assert changed == {str(trigger.id): pending}
            trigger.is_active = False
            await session.commit()

    try:
        async with sessionmaker() as session:
            renewal = await session.scalar(
                text("SELECT id FROM lifecycle_stages WHERE org_id = :org AND name = 'Renewal'"),
                {"org": org_id},
            )
        await edit_all(
            "bulk edit of all matching: stage, score, CSM",
            BulkChanges(stage_id=renewal, csm_score=50, add_csm_ids=[new_csm]),
        )
        # The same with a field that keeps no history of its own (an audit entry each).
        await edit_all(
            "bulk edit of all matching: a custom value", BulkChanges(custom_values={"seats": 500})
        )
        await run_trigger("attribute trigger run: tier", TriggerTarget.TIER, "tier_id", "Tier 1")
        # A stage trigger writes stage periods too (the first edit moved every account to
        # Renewal).
        await run_trigger(
            "attribute trigger run: stage", TriggerTarget.STAGE, "stage_id", "Onboarding"
        )
        await edit_all(
            "bulk edit of all matching: churn",
            BulkChanges(churn=ChurnCreate(churned_on=date(2026, 3, 1), reason="Budget")),
        )
        await edit_all("bulk edit of all matching: reactivate", BulkChanges(reactivate=True))
    finally:
        statements.close()
        async with bench_engine.begin() as conn:
            await conn.execute(text("DELETE FROM organisations WHERE id = :org"), {"org": org_id})
