import uuid
from typing import Any
from zoneinfo import ZoneInfo

from domain.common import clock, jobs
from domain.health import service as health
from domain.metrics import service as metrics
from domain.tenancy.clock import organisations_with_time_zones
from workers import queue
from workers.context import transaction

# Each organisation's daily snapshot is taken by its refresh in this local hour, so the day's
# history holds (nearly) its final values.
SNAPSHOT_LOCAL_HOUR = 23


@queue.job(metrics.REFRESH_JOB, max_tries=3, timeout_seconds=1800)
async def refresh_org(ctx: dict[str, Any], org_id: str, snapshot: bool = False) -> dict[str, Any]:
    """Recompute the organisation's current metric values and activity ranks and the health
    scores made from them, then (daily or on demand) snapshot today's metrics and scores.
    Idempotent: running it again changes nothing."""
    org = uuid.UUID(org_id)
    async with transaction(ctx) as session:
        done = await metrics.refresh(session, org)
        scored = await health.compute(session, org)
        snapshotted = await metrics.snapshot(session, org) if snapshot else 0
        health_days = await health.record_day(session, org) if snapshot else 0
    return {
        "day": done.today.isoformat(),
        **done.groups,
        "health": scored,
        "snapshots": snapshotted,
        "health_days": health_days,
    }


@queue.job("metrics.schedule_refresh", max_tries=1)
async def schedule_refresh(ctx: dict[str, Any]) -> int:
    """Hourly, after the usage rollup: one refresh per organisation, with the snapshot for
    organisations whose local time is SNAPSHOT_LOCAL_HOUR (ids collapse duplicates)."""
    async with transaction(ctx) as session:
        orgs = await organisations_with_time_zones(session)
        now = clock.now()
        for org_id, time_zone in orgs:
            jobs.enqueue(
                session,
                metrics.REFRESH_JOB,
                job_id=f"metrics:{org_id}:{now:%Y%m%d%H}",
                org_id=str(org_id),
                snapshot=now.astimezone(ZoneInfo(time_zone)).hour == SNAPSHOT_LOCAL_HOUR,
            )
    return len(orgs)
