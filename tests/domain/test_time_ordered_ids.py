"""`time_ordered_uuid()` (migration 0041): the ids set-based writes give the rows they insert,
kept together at the right edge of each primary key (`tests/domain/accounts/test_bulk_writes.py`
checks that a bulk edit uses them)."""

import asyncio
import uuid

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession


async def _ids(session: AsyncSession, count: int) -> list[uuid.UUID]:
    made = await session.scalars(
        text("SELECT time_ordered_uuid() FROM generate_series(1, :count)"), {"count": count}
    )
    return list(made)


async def test_a_later_statements_ids_sort_after_an_earlier_ones(session: AsyncSession) -> None:
    earlier = await _ids(session, 10_000)
    await asyncio.sleep(0.005)
    later = await _ids(session, 10_000)

    assert len(set(earlier + later)) == 20_000
    assert {(i.version, i.variant) for i in earlier + later} == {(7, uuid.RFC_4122)}
    assert max(earlier) < min(later)
