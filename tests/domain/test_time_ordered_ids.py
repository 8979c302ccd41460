"""`time_ordered_uuid()` (migrations 0041, 0042): the ids set-based writes give the rows they
insert, kept together at the right edge of each primary key
(`tests/domain/accounts/test_bulk_writes.py` checks that a bulk edit uses them)."""

import asyncio
import time
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


async def test_an_id_starts_with_the_milliseconds_it_was_made_at(session: AsyncSession) -> None:
    before = int(time.time() * 1000)
    made = await _ids(session, 1_000)
    after = int(time.time() * 1000)

    assert all(before - 5 <= i.int >> 80 <= after + 5 for i in made)
    # 74 random bits: no two ids of the same millisecond share their random part.
    assert len({i.int & ((1 << 80) - 1) for i in made}) == 1_000
