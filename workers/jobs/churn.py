import uuid
from datetime import datetime
from typing import Any

from domain.churn import service as churn
from domain.common import clock
from workers import queue
from workers.context import transaction


@queue.job(churn.TRAIN_JOB, max_tries=3, timeout_seconds=1800)
async def train_org(ctx: dict[str, Any], org_id: str, requested_at: str) -> dict[str, Any]:
    """Train the organisation's churn model (weekly and on demand); a retry of the same
    request returns the run it made."""
    async with transaction(ctx) as session:
        run = await churn.train(
            session, uuid.UUID(org_id), requested_at=datetime.fromisoformat(requested_at)
        )
        return {"trained": run.refused is None, "rows": run.rows, "refused": run.refused}


@queue.job("churn.schedule_training", max_tries=1)
async def schedule_training(ctx: dict[str, Any]) -> int:
    """Weekly: one training per organisation (ids collapse duplicates)."""
    async with transaction(ctx) as session:
        org_ids = await churn.organisations(session)
        now = clock.now()
        for org_id in org_ids:
            churn.queue_training(session, org_id, now)
    return len(org_ids)
