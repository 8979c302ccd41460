import uuid
from typing import Any

from domain.common import clock, jobs
from domain.emails import service as emails
from domain.emails.service import Delivery
from workers import queue
from workers.context import transaction


@queue.job(
    "emails.deliver",
    # Each attempt, plus the runs that find a recent claim and wait for it to go stale.
    max_tries=emails.MAX_ATTEMPTS + 2,
    timeout_seconds=int(emails.SEND_JOB_TIMEOUT.total_seconds()),
)
async def deliver(ctx: dict[str, Any], email_id: str) -> str:
    """Claim the email (committed), send it, then mark it sent: a run that dies between the
    send and the mark leaves it claimed, and only a run after the claim went stale resends
    it, with the same Message-ID."""
    key = uuid.UUID(email_id)
    async with transaction(ctx) as session:
        claimed = await emails.claim(session, email_id=key, smtp=ctx["smtp"], now=clock.now())
    if claimed == Delivery.IN_FLIGHT:
        # Sent (or being sent) by another run, or by one that died: look again once its claim
        # is stale.
        raise queue.RetryLater(defer=int(emails.CLAIM_TIMEOUT.total_seconds()))
    if isinstance(claimed, Delivery):
        return claimed.value
    error = await emails.send(claimed, ctx["smtp"])
    async with transaction(ctx) as session:
        outcome = await emails.finish(session, email_id=key, error=error, now=clock.now())
    if outcome == Delivery.RETRY:
        # Committed the failed attempt above; back off 10 s, 40 s, 90 s, ...
        raise queue.RetryLater(defer=10 * ctx.get("job_try", 1) ** 2)
    return outcome.value


@queue.job("emails.sweep_outbox", max_tries=1)
async def sweep_outbox(ctx: dict[str, Any]) -> int:
    """Re-enqueue emails a crash left behind (pending, or claimed by a run that died); the
    deterministic job id collapses duplicates."""
    async with transaction(ctx) as session:
        ids = await emails.pending_email_ids(session, now=clock.now())
        for email_id in ids:
            jobs.enqueue(
                session, "emails.deliver", job_id=f"email:{email_id}", email_id=str(email_id)
            )
    return len(ids)
