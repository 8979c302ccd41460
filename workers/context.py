"""The per-worker resources jobs use, and the one transaction each job runs in."""

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from workers import queue


@asynccontextmanager
async def transaction(ctx: dict[str, Any]) -> AsyncIterator[AsyncSession]:
    """Open a session, commit once at the end, then send the jobs it enqueued."""
    async with ctx["sessionmaker"]() as session:
        try:
            yield session
            await session.commit()
        except BaseException:
            await session.rollback()
            queue.discard(session)
            raise
        await queue.flush(ctx["redis"], session)
