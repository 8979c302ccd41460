"""The job outbox's own jobs: relay what the after-commit relay missed, forget what went."""

from typing import Any

from domain.common import clock, jobs
from workers import queue
from workers.context import transaction


@queue.job("jobs.sweep_outbox", max_tries=1)
async def sweep_outbox(ctx: dict[str, Any]) -> int:
    """Every minute and at worker start: relay the outbox rows not yet relayed (Redis was down
    after their commit, or the process died in between); their job ids collapse duplicates."""
    async with ctx["sessionmaker"]() as session:
        return await queue.relay_outbox(ctx["redis"], session)


@queue.job("jobs.prune_outbox", max_tries=3)
async def prune_outbox(ctx: dict[str, Any]) -> int:
    """Daily: forget outbox rows relayed more than a week ago (idempotent)."""
    async with transaction(ctx) as session:
        return await jobs.prune_relayed(session, now=clock.now())
