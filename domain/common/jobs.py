"""The job outbox: jobs requested by domain code are rows written in the caller's transaction.

Domain services call `enqueue(session, ...)`, which adds a `job_outbox` row to the session, so a
job exists exactly when the change that asked for it commits. After the commit the request or
job boundary relays the session's rows to the queue at once (workers/queue.py); whatever that
misses (Redis down, the process killed in between) the worker's `jobs.sweep_outbox` relays
later. Relaying marks a row relayed; relayed rows are pruned after RELAYED_RETENTION.
"""

import uuid
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import Index, String, delete, func, select, text, update
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import Mapped, mapped_column

from domain.common.base import Base, IdMixin

_KEY = "tenure_outbox_job_ids"

# Long enough to tell what was relayed when, short enough that the table stays small.
RELAYED_RETENTION = timedelta(days=7)


class OutboundJob(IdMixin, Base):
    """A job written in the same transaction as the change that asked for it; relayed to the
    queue after the commit. A system table: jobs carry their organisation in their arguments."""

    __tablename__ = "job_outbox"
    __table_args__ = (
        # The sweep reads only rows still to relay, oldest first.
        Index(
            "ix_job_outbox_unrelayed",
            "created_at",
            postgresql_where=text("relayed_at IS NULL"),
        ),
    )

    name: Mapped[str] = mapped_column(String(200))
    # The queue's deduplication key; None means "the row's own id".
    job_id: Mapped[str | None] = mapped_column(String(200))
    kwargs: Mapped[dict[str, Any]] = mapped_column(JSONB)
    created_at: Mapped[datetime] = mapped_column(server_default=func.now())
    relayed_at: Mapped[datetime | None]


@dataclass(frozen=True)
class PendingJob:
    """An outbox row on its way to the queue."""

    outbox_id: uuid.UUID
    name: str
    job_id: str
    kwargs: dict[str, Any] = field(default_factory=dict)


def enqueue(session: AsyncSession, name: str, *, job_id: str | None = None, **kwargs: Any) -> None:
    """Ask for a job once this transaction commits. `kwargs` must be JSON values. Jobs with the
    same `job_id` collapse into one run (while the queue keeps its result)."""
    row = OutboundJob(id=uuid.uuid4(), name=name, job_id=job_id, kwargs=kwargs)
    session.add(row)
    session.info.setdefault(_KEY, []).append(row.id)


def take_written(session: AsyncSession) -> list[uuid.UUID]:
    """The ids of the outbox rows this session wrote since it last handed them over."""
    ids: list[uuid.UUID] = session.info.pop(_KEY, [])
    return ids


def discard_written(session: AsyncSession) -> None:
    session.info.pop(_KEY, None)


async def lock_unrelayed(
    session: AsyncSession, *, ids: list[uuid.UUID] | None = None, limit: int = 500
) -> list[PendingJob]:
    """Rows still to relay, oldest first, locked until the transaction ends: the rows `ids`
    (those that committed), or else up to `limit` of any. Rows another relay holds are
    skipped: it sends them."""
    query = (
        select(OutboundJob.id, OutboundJob.name, OutboundJob.job_id, OutboundJob.kwargs)
        .where(OutboundJob.relayed_at.is_(None))
        .order_by(OutboundJob.created_at)
        .with_for_update(skip_locked=True)
    )
    query = query.where(OutboundJob.id.in_(ids)) if ids is not None else query.limit(limit)
    rows = list(await session.execute(query))
    if ids is not None:
        # A transaction's rows share created_at: keep the order they were asked for in.
        position = {row_id: i for i, row_id in enumerate(ids)}
        rows.sort(key=lambda r: position[r.id])
    return [
        PendingJob(
            outbox_id=r.id,
            name=r.name,
            # Without a job id of its own, the row's id makes a second relay of it a duplicate.
            job_id=r.job_id or f"outbox:{r.id}",
            kwargs=r.kwargs,
        )
        for r in rows
    ]


async def mark_relayed(session: AsyncSession, ids: list[uuid.UUID], *, now: datetime) -> None:
    if ids:
        await session.execute(
            update(OutboundJob)
            .where(OutboundJob.id.in_(ids))
            .values(relayed_at=now)
            .execution_options(synchronize_session=False)
        )


async def prune_relayed(session: AsyncSession, *, now: datetime) -> int:
    """Forget rows relayed more than RELAYED_RETENTION ago; returns how many went."""
    result = await session.execute(
        delete(OutboundJob).where(OutboundJob.relayed_at < now - RELAYED_RETENTION)
    )
    return int(getattr(result, "rowcount", 0) or 0)
