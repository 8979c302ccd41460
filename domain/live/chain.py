"""The live chain: changed accounts brought up to date, stage after stage, in one transaction
per batch of accounts.

Each stage names the stages it needs first; the order is derived from that, so a later area
(health scores, then alert evaluation) plugs in by declaring `after=("metrics",)`. Every stage
is set-based over the batch's accounts and computes exactly what the organisation-wide jobs
compute for them (the nightly chain stays the source of truth)."""

import time
import uuid
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from graphlib import TopologicalSorter
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from domain.alerts import service as alerts
from domain.alerts.models import EvaluationTrigger
from domain.common import clock
from domain.freshness import service as freshness
from domain.freshness.repository import ClaimedAccount, StageDone
from domain.health import service as health
from domain.metrics import service as metrics
from domain.orgs.models import Organisation
from domain.revenue import service as revenue
from domain.usage import service as usage


@dataclass(frozen=True)
class Batch:
    org_id: uuid.UUID
    today: date
    now: datetime
    accounts: list[uuid.UUID]
    # The earliest changed usage day of each account whose usage changed.
    usage_from: dict[uuid.UUID, date]
    # Of those, the accounts whose events moved between contacts: their days recomputed whole.
    usage_rebuild: frozenset[uuid.UUID]
    revenue: list[uuid.UUID]
    # What the batches of one run share: organisation-wide figures read once per run (a run
    # lasts seconds), not once per batch.
    shared: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class Stage:
    name: str
    after: tuple[str, ...]
    # Brings the batch's accounts up to date; returns how many it worked on.
    work: Callable[[AsyncSession, Batch], Awaitable[int]]


async def _usage(session: AsyncSession, batch: Batch) -> int:
    if not batch.usage_from:
        return 0
    return await usage.roll_up_accounts(
        session, batch.org_id, batch.usage_from, batch.today, rebuild=batch.usage_rebuild
    )


async def _revenue(session: AsyncSession, batch: Batch) -> int:
    if not batch.revenue:
        return 0
    return (await revenue.recompute(session, batch.org_id, batch.revenue)).accounts


async def _metrics(session: AsyncSession, batch: Batch) -> int:
    if "org_features" not in batch.shared:
        batch.shared["org_features"] = await metrics.organisation_features(
            session, batch.org_id, batch.today
        )
    return await metrics.refresh_accounts(
        session,
        batch.org_id,
        batch.accounts,
        now=batch.now,
        org_features=batch.shared["org_features"],
    )


async def _health(session: AsyncSession, batch: Batch) -> int:
    if "health" not in batch.shared:
        batch.shared["health"] = await health.plan(session, batch.org_id, batch.today)
    await health.compute(
        session, batch.org_id, accounts_=batch.accounts, now=batch.now, plan_=batch.shared["health"]
    )
    # Every account of the batch is scored (the stage's count on the freshness page), even
    # those whose score stays the same and is not rewritten.
    return len(batch.accounts)


async def _alerts(session: AsyncSession, batch: Batch) -> int:
    """Every active rule over the batch's accounts, on their figures and scores just brought
    up to date: an account that starts to match is alerted within the run."""
    if "alerts" not in batch.shared:
        batch.shared["alerts"] = await alerts.plan(session, batch.org_id, now=batch.now)
    plan_: alerts.Plan = batch.shared["alerts"]
    if not plan_.rules:
        return 0
    await alerts.evaluate(
        session,
        batch.org_id,
        trigger=EvaluationTrigger.LIVE,
        accounts_=batch.accounts,
        now=batch.now,
        plan_=plan_,
    )
    return len(batch.accounts)


def ordered(stages: Sequence[Stage]) -> list[Stage]:
    """The stages in an order where each comes after those it names."""
    by_name = {s.name: s for s in stages}
    graph = TopologicalSorter({s.name: set(s.after) for s in stages})
    return [by_name[name] for name in graph.static_order()]


STAGES = ordered(
    [
        Stage("usage", (), _usage),
        Stage("revenue", (), _revenue),
        Stage("metrics", ("usage", "revenue"), _metrics),
        Stage("health", ("metrics",), _health),
        Stage("alerts", ("health",), _alerts),
    ]
)


async def bring_up_to_date(
    session: AsyncSession,
    org_id: uuid.UUID,
    run: uuid.UUID,
    claimed: list[ClaimedAccount],
    *,
    now: datetime | None = None,
    shared: dict[str, Any] | None = None,
) -> dict[str, int]:
    """Every stage for the claimed accounts, then the claims cleared, in the caller's one
    transaction: the figures and the end of their changes commit together (a crash before
    the commit leaves the claims to be taken over and done again)."""
    now = now or clock.now()
    org = await session.get_one(Organisation, org_id)
    batch = Batch(
        org_id=org_id,
        today=clock.today_in(org.time_zone, now),
        now=now,
        accounts=[c.account_id for c in claimed],
        usage_from={c.account_id: c.usage_from for c in claimed if c.usage_from is not None},
        usage_rebuild=frozenset(c.account_id for c in claimed if c.usage_rebuild),
        revenue=[c.account_id for c in claimed if c.revenue],
        shared={} if shared is None else shared,
    )
    done: dict[str, int] = {}
    timings = []
    for stage in STAGES:
        started = time.perf_counter()
        done[stage.name] = await stage.work(session, batch)
        timings.append(
            StageDone(
                stage=stage.name,
                completed_at=clock.now(),
                accounts=done[stage.name],
                seconds=round(time.perf_counter() - started, 3),
            )
        )
    # Contacts' seen times lock rows that ingestion's contact upserts wait for: written last,
    # they are held only until the commit that follows, not through every later stage.
    if batch.usage_from:
        await usage.mark_accounts_contacts_seen(session, org_id, batch.usage_from, batch.today)
    await freshness.record_stages(session, org_id, timings)
    await freshness.clear(session, org_id, run, batch.accounts)
    return done
