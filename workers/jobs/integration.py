from typing import Any

from domain.common import clock
from domain.integration import service as integration
from workers import queue
from workers.context import transaction


@queue.job("integration.prune_api_log", max_tries=3)
async def prune_api_log(ctx: dict[str, Any]) -> int:
    """Forget API calls older than the log's retention (idempotent: run it any time)."""
    async with transaction(ctx) as session:
        return await integration.prune_calls(session, now=clock.now())
