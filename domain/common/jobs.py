"""Jobs requested by domain code, buffered on the session until its transaction commits.

Domain services call `enqueue(session, ...)`; the request or job boundary sends the buffer to the
queue only after a successful commit (workers/queue.py) and drops it on rollback, so a job never
sees data that was not committed.
"""

from dataclasses import dataclass, field
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

_KEY = "tenure_pending_jobs"


@dataclass(frozen=True)
class PendingJob:
    name: str
    job_id: str | None
    kwargs: dict[str, Any] = field(default_factory=dict)


def enqueue(session: AsyncSession, name: str, *, job_id: str | None = None, **kwargs: Any) -> None:
    session.info.setdefault(_KEY, []).append(PendingJob(name=name, job_id=job_id, kwargs=kwargs))


def take_pending(session: AsyncSession) -> list[PendingJob]:
    jobs: list[PendingJob] = session.info.pop(_KEY, [])
    return jobs


def discard_pending(session: AsyncSession) -> None:
    session.info.pop(_KEY, None)
