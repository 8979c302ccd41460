"""The per-worker resources jobs use, and the one transaction each job runs in."""

import asyncio
from collections.abc import AsyncIterator, Awaitable, Callable, Sequence
from contextlib import asynccontextmanager
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from workers import queue


@asynccontextmanager
async def transaction(ctx: dict[str, Any]) -> AsyncIterator[AsyncSession]:
    """Open a session, commit once at the end, then relay the jobs it wrote to the outbox."""
    async with ctx["sessionmaker"]() as session:
        try:
            yield session
            await session.commit()
        except BaseException:
            await session.rollback()
            queue.discard(session)
            raise
        await queue.relay_committed(ctx["redis"], session)


async def side_by_side(
    ctx: dict[str, Any],
    works: Sequence[Callable[[AsyncSession], Awaitable[None]]],
    *,
    limit: int,
) -> None:
    """Each work in its own transaction, at most `limit` at once; a failure cancels the works
    not yet done and is raised (those already committed stay)."""
    gate = asyncio.Semaphore(limit)

    async def run(work: Callable[[AsyncSession], Awaitable[None]]) -> None:
        async with gate, transaction(ctx) as session:
            await work(session)

    async with asyncio.TaskGroup() as group:
        for work in works:
            group.create_task(run(work))
