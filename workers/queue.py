"""Our job-queue interface. The only module that imports arq (maintenance-only upstream), so the
queue can be replaced without touching domain code or job functions."""

import functools
import logging
from collections.abc import Awaitable, Callable, Coroutine
from datetime import timedelta
from typing import Any, ParamSpec, TypeVar
from urllib.parse import parse_qs, urlsplit

import structlog
from arq import create_pool
from arq.connections import ArqRedis, RedisSettings
from arq.cron import CronJob, cron
from arq.jobs import Job, JobStatus
from arq.worker import Function, Retry, func
from arq.worker import run_worker as _run_worker
from sqlalchemy.ext.asyncio import AsyncSession

from domain.common.jobs import PendingJob, discard_pending, take_pending

P = ParamSpec("P")
R = TypeVar("R")
JobFunction = Callable[..., Coroutine[Any, Any, Any]]

log = logging.getLogger(__name__)

# name -> (function, max_tries, timeout); filled by @job at import time of workers/jobs/*.
REGISTRY: dict[str, tuple[JobFunction, int, int | None]] = {}

__all__ = [
    "REGISTRY",
    "ArqRedis",
    "JobStatus",
    "RetryLater",
    "connect",
    "cron_schedule",
    "flush",
    "job",
    "job_status",
    "redis_settings",
    "run_worker",
    "worker_functions",
]


class RetryLater(Retry):
    """Raise from a job to run it again after `defer` seconds (counts towards max_tries)."""


def redis_settings(url: str) -> RedisSettings:
    parts = urlsplit(url)
    if parts.scheme == "unix":
        # arq's from_dsn does not understand unix sockets.
        db = parse_qs(parts.query).get("db", ["0"])[0]
        return RedisSettings(unix_socket_path=parts.path, database=int(db))
    return RedisSettings.from_dsn(url)


async def connect(url: str) -> ArqRedis:
    return await create_pool(redis_settings(url))


def job(
    name: str, *, max_tries: int = 5, timeout_seconds: int | None = None
) -> Callable[[Callable[P, Awaitable[R]]], Callable[P, Awaitable[R]]]:
    """Register a job under a stable "<area>.<verb>" name, with a log context for its run."""

    def decorate(fn: Callable[P, Awaitable[R]]) -> Callable[P, Awaitable[R]]:
        @functools.wraps(fn)
        async def run(*args: P.args, **kwargs: P.kwargs) -> R:
            ctx: dict[str, Any] = args[0]  # type: ignore[assignment]  # arq passes ctx first
            with structlog.contextvars.bound_contextvars(
                job=name, job_id=ctx.get("job_id"), attempt=ctx.get("job_try")
            ):
                return await fn(*args, **kwargs)

        REGISTRY[name] = (run, max_tries, timeout_seconds)
        return run

    return decorate


async def flush(redis: ArqRedis, session: AsyncSession) -> None:
    """Send the jobs buffered on a session that has just committed."""
    pending: list[PendingJob] = take_pending(session)
    for pending_job in pending:
        await redis.enqueue_job(pending_job.name, _job_id=pending_job.job_id, **pending_job.kwargs)


def worker_functions() -> list[Function]:
    return [
        func(fn, name=name, max_tries=tries, timeout=timeout)
        for name, (fn, tries, timeout) in REGISTRY.items()
    ]


def run_worker(settings_cls: type) -> None:
    _run_worker(settings_cls)


def discard(session: AsyncSession) -> None:
    discard_pending(session)


async def job_status(redis: ArqRedis, job_id: str) -> JobStatus:
    return await Job(job_id, redis).status()


def cron_schedule(
    name: str,
    *,
    minute: set[int] | int | None = None,
    hour: set[int] | int | None = None,
    run_at_startup: bool = False,
) -> CronJob:
    fn, _, _ = REGISTRY[name]
    return cron(
        fn,
        name=name,
        minute=minute,
        hour=hour,
        run_at_startup=run_at_startup,
        unique=True,
        timeout=timedelta(minutes=30),
    )
