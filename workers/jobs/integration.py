from typing import Any

from domain.common import clock
from domain.integration import service as integration
from workers import queue
from workers.context import transaction


@queue.job("integration.prune", max_tries=3)
async def prune(ctx: dict[str, Any]) -> int:
    """Forget API calls and inbound webhook ids past their retention (idempotent)."""
    async with transaction(ctx) as session:
        return await integration.prune(session, now=clock.now())
