import uuid
from typing import Any

from domain.accounts import triggers
from domain.common import clock
from workers import queue
from workers.context import transaction


@queue.job("accounts.run_attribute_triggers", max_tries=3)
async def run_attribute_triggers(ctx: dict[str, Any], org_id: str) -> dict[str, int]:
    async with transaction(ctx) as session:
        return await triggers.run_triggers(session, uuid.UUID(org_id))


@queue.job("accounts.schedule_attribute_triggers", max_tries=1)
async def schedule_attribute_triggers(ctx: dict[str, Any]) -> int:
    """Hourly: one run per organisation that has active triggers (ids collapse duplicates)."""
    async with transaction(ctx) as session:
        org_ids = await triggers.organisations_with_triggers(session)
    hour = clock.now()
    for org_id in org_ids:
        await ctx["redis"].enqueue_job(
            "accounts.run_attribute_triggers",
            _job_id=f"triggers:{org_id}:{hour:%Y%m%d%H}",
            org_id=str(org_id),
        )
    return len(org_ids)
