import uuid
from typing import Any

from domain.health import service as health
from workers import queue
from workers.context import transaction


@queue.job(health.COMPUTE_JOB, max_tries=3, timeout_seconds=1800)
async def compute_org(ctx: dict[str, Any], org_id: str) -> dict[str, int]:
    """Every account's health score, after a model, its order or the bands changed."""
    async with transaction(ctx) as session:
        return {"changed": await health.compute(session, uuid.UUID(org_id))}
