import uuid
from datetime import date
from functools import partial
from typing import Any

from domain.common import clock, jobs
from domain.usage import service as usage
from workers import queue
from workers.context import side_by_side, transaction


@queue.job(usage.ROLL_UP_JOB, max_tries=3, timeout_seconds=1800)
async def roll_up(ctx: dict[str, Any], org_id: str, days: list[str] | None = None) -> int:
    """Link late arrivals and recompute the organisation's pending usage days (and `days`,
    ISO dates), slices of days side by side; idempotent. Returns how many days were
    recomputed."""
    async with transaction(ctx) as session:
        plan = await usage.plan_roll_up(
            session, uuid.UUID(org_id), days=[date.fromisoformat(d) for d in days or []]
        )
    settings = ctx.get("settings")
    try:
        await side_by_side(
            ctx,
            [partial(usage.roll_up_slice, plan=plan, first=a, last=b) for a, b in plan.slices],
            limit=settings.rollup_parallelism if settings else 1,
        )
        async with transaction(ctx) as session:
            await usage.finish_roll_up(session, plan)
    except BaseException:
        async with transaction(ctx) as session:
            await usage.put_back(session, plan)
        raise
    return len(plan.days)


@queue.job("usage.schedule_rollups", max_tries=1)
async def schedule_rollups(ctx: dict[str, Any]) -> int:
    """Every 15 minutes: one rollup per organisation with something to do, its whole day
    once a day (ids collapse duplicates of the same quarter hour)."""
    async with transaction(ctx) as session:
        now = clock.now()
        due = await usage.rollups_due(session, now)
        for org_id, days in due.items():
            jobs.enqueue(
                session,
                usage.ROLL_UP_JOB,
                job_id=usage.roll_up_job_id(org_id, now),
                org_id=str(org_id),
                days=[d.isoformat() for d in days],
            )
    return len(due)
