import uuid
from typing import Any

from domain.common import jobs
from domain.emails import service as emails
from domain.emails.service import Delivery
from workers import queue
from workers.context import transaction


@queue.job("emails.deliver", max_tries=emails.MAX_ATTEMPTS + 1)
async def deliver(ctx: dict[str, Any], email_id: str) -> str:
    async with transaction(ctx) as session:
        outcome = await emails.deliver(session, email_id=uuid.UUID(email_id), smtp=ctx["smtp"])
    if outcome == Delivery.RETRY:
        # Committed the failed attempt above; back off 10 s, 40 s, 90 s, ...
        raise queue.RetryLater(defer=10 * ctx.get("job_try", 1) ** 2)
    return outcome.value


@queue.job("emails.sweep_outbox", max_tries=1)
async def sweep_outbox(ctx: dict[str, Any]) -> int:
    """Re-enqueue outbox rows a crash left behind; the deterministic job id collapses duplicates."""
    async with transaction(ctx) as session:
        ids = await emails.pending_email_ids(session)
        for email_id in ids:
            jobs.enqueue(
                session, "emails.deliver", job_id=f"email:{email_id}", email_id=str(email_id)
            )
    return len(ids)
