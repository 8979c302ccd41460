"""The live chain's jobs: every few seconds, a run per organisation with changed accounts;
each run brings batches of them up to date until none is left or its turn is over."""

import logging
import math
import time
import uuid
from typing import Any

from domain.common import jobs
from domain.freshness import service as freshness
from domain.live import chain
from workers import queue
from workers.context import transaction

RUN_JOB = "live.run"
# A run gives way after this long, so organisations take turns on the workers.
TURN_SECONDS = 20
# Runs of one organisation side by side at most (on as many workers as there are).
RUNS_PER_ORGANISATION = 4

log = logging.getLogger(__name__)


@queue.job(RUN_JOB, max_tries=1, timeout_seconds=300, keep_result_seconds=0)
async def run(ctx: dict[str, Any], org_id: str) -> int:
    """Claim a batch of the organisation's changed accounts, bring it up to date through
    every stage and clear its changes in one transaction; again until done or the turn ends.
    A batch that fails is done again in halves, and those again, so one bad account holds
    back only itself (and ends the run: the next one tries it again, up to
    `freshness.MAX_ATTEMPTS` times) at the cost of about twice log2(batch) transactions, not
    one per account (at 500 accounts a batch, splitting into single accounts cost minutes).
    Returns how many accounts were brought up to date."""
    org = uuid.UUID(org_id)
    run_id = uuid.uuid4()
    ends = time.monotonic() + TURN_SECONDS
    done = 0
    failed = False
    shared: dict[str, Any] = {}
    limit = freshness.BATCH_ACCOUNTS
    while time.monotonic() < ends and not failed:
        async with transaction(ctx) as session:
            claimed = await freshness.claim(session, org, run_id, limit=limit)
        if not claimed:
            break
        # A full batch means a backlog: the next one is larger (its fixed cost spread wider).
        if len(claimed) == limit:
            limit = min(limit * 2, freshness.MAX_BATCH_ACCOUNTS)
        parts = [claimed]
        while parts:
            part = parts.pop()
            try:
                async with transaction(ctx) as session:
                    await chain.bring_up_to_date(session, org, run_id, part, shared=shared)
                done += len(part)
            except Exception as exc:
                log.warning("live chain failed on %d accounts of %s: %r", len(part), org, exc)
                # What the batches share may come from the transaction that failed (a health
                # model made on first use): read it again.
                shared.clear()
                if len(part) > 1:
                    half = len(part) // 2
                    parts += [part[half:], part[:half]]
                    continue
                log.error("live chain gave up on account %s of %s", part[0], org, exc_info=exc)
                async with transaction(ctx) as session:
                    await freshness.release(session, org, run_id, part, failure=exc)
                # Tried again by a later run, not at once: what failed may be transient.
                failed = True
    return done


@queue.job("live.schedule", max_tries=1)
async def schedule(ctx: dict[str, Any]) -> int:
    """Every few seconds: a run for each organisation with changed accounts (more than one,
    up to RUNS_PER_ORGANISATION, for a backlog of several batches); ids collapse a run asked
    for while the previous one is still queued or running."""
    async with transaction(ctx) as session:
        waiting = await freshness.organisations_with_work(session)
        for org_id, accounts in waiting:
            runs = min(math.ceil(accounts / freshness.BATCH_ACCOUNTS), RUNS_PER_ORGANISATION)
            for slot in range(runs):
                jobs.enqueue(session, RUN_JOB, job_id=f"live:{org_id}:{slot}", org_id=str(org_id))
    return len(waiting)


@queue.job("live.retry_failed", max_tries=1)
async def retry_failed(ctx: dict[str, Any]) -> int:
    """Every 15 minutes (not with every schedule: it reads the whole table): changes that
    failed over an hour ago are tried again. Returns how many."""
    async with transaction(ctx) as session:
        return await freshness.retry_failed(session)
