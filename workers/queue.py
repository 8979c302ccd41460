"""Our job-queue interface. The only module that imports arq (maintenance-only upstream), so the
queue can be replaced without touching domain code or job functions."""

import functools
import logging
import uuid
from collections.abc import Awaitable, Callable, Coroutine
from datetime import timedelta
from typing import Any, ParamSpec, TypeVar

import structlog
from arq import create_pool
from arq.connections import ArqRedis, RedisSettings
from arq.constants import result_key_prefix
from arq.cron import CronJob, cron
from arq.jobs import Job, JobStatus, deserialize_result
from arq.worker import Function, Retry, Worker, func, get_kwargs
from sqlalchemy.ext.asyncio import AsyncSession

from domain.common import clock, jobs
from workers import redis_urls

P = ParamSpec("P")
R = TypeVar("R")
JobFunction = Callable[..., Coroutine[Any, Any, Any]]

log = logging.getLogger(__name__)

# name -> (function, max_tries, timeout, keep_result); filled by @job at import time of
# workers/jobs/*.
REGISTRY: dict[str, tuple[JobFunction, int, int | None, int | None]] = {}

__all__ = [
    "REGISTRY",
    "ArqRedis",
    "JobStatus",
    "QueueWorker",
    "RetryLater",
    "connect",
    "cron_schedule",
    "job",
    "job_status",
    "quiet_idle_runs",
    "redis_settings",
    "relay_committed",
    "relay_outbox",
    "run_worker",
    "worker_functions",
]


class RetryLater(Retry):
    """Raise from a job to run it again after `defer` seconds (counts towards max_tries)."""


class QueueWorker(Worker):
    """arq's worker, except that a job given up after its last try (its worker died during
    it) keeps no result when its function keeps none. arq keeps one under the worker's
    default, an hour, and while it is kept the job's id is refused: the live chain's runs,
    asked for again and again under one id per organisation, would stop for that hour."""

    async def finish_failed_job(self, job_id: str, result_data: bytes | None) -> None:
        await super().finish_failed_job(job_id, result_data)
        if result_data is None:
            return
        name = deserialize_result(result_data, deserializer=self.job_deserializer).function
        registered = REGISTRY.get(name)
        if registered is not None and registered[3] == 0:
            await self.pool.delete(result_key_prefix + job_id)


class QuietIdleRuns(logging.Filter):
    """Leaves out arq's lines for the runs of the scheduled jobs `names` that found nothing to
    do (answered 0): the live chain's scheduler runs every five seconds, and its two lines a
    run, 35,000 a day on an idle install, buried the rest of the worker's log. A run that
    scheduled work still logs its answer, and a failure its error. Also left out: the line arq
    writes for each liveness mark (`workers.liveness`, every 30 s on a busy worker)."""

    def __init__(self, *names: str) -> None:
        super().__init__()
        self.names = frozenset(names)

    def filter(self, record: logging.LogRecord) -> bool:
        if record.levelno != logging.INFO:
            return True
        message, args = str(record.msg), record.args
        if message.startswith("recording health"):
            return False
        if not isinstance(args, tuple) or len(args) < 3 or args[1] not in self.names:
            return True
        return not ("→" in message or ("←" in message and args[2] == "0"))


def quiet_idle_runs(*names: str) -> None:
    logger = logging.getLogger("arq.worker")
    logger.filters = [f for f in logger.filters if not isinstance(f, QuietIdleRuns)]
    logger.addFilter(QuietIdleRuns(*names))


def redis_settings(url: str) -> RedisSettings:
    socket = redis_urls.unix_socket(url)
    if socket is not None:
        return RedisSettings(unix_socket_path=socket[0], database=socket[1])
    return RedisSettings.from_dsn(url)


async def connect(url: str) -> ArqRedis:
    return await create_pool(redis_settings(url))


def job(
    name: str,
    *,
    max_tries: int = 5,
    timeout_seconds: int | None = None,
    keep_result_seconds: int | None = None,
) -> Callable[[Callable[P, Awaitable[R]]], Callable[P, Awaitable[R]]]:
    """Register a job under a stable "<area>.<verb>" name, with a log context for its run.
    A job id is taken while the queue keeps the job's result: `keep_result_seconds=0` frees it
    as soon as the job ends, for jobs asked for again and again under one id."""

    def decorate(fn: Callable[P, Awaitable[R]]) -> Callable[P, Awaitable[R]]:
        @functools.wraps(fn)
        async def run(*args: P.args, **kwargs: P.kwargs) -> R:
            ctx: dict[str, Any] = args[0]  # type: ignore[assignment]  # arq passes ctx first
            with structlog.contextvars.bound_contextvars(
                job=name, job_id=ctx.get("job_id"), attempt=ctx.get("job_try")
            ):
                return await fn(*args, **kwargs)

        REGISTRY[name] = (run, max_tries, timeout_seconds, keep_result_seconds)
        return run

    return decorate


async def relay_committed(redis: ArqRedis, session: AsyncSession) -> None:
    """Send the jobs a session wrote to the outbox, once it has committed. Best effort: the
    write has committed and its caller must hear so; on any failure the rows stay unrelayed
    and `relay_outbox` (the worker's sweep) sends them later."""
    ids = jobs.take_written(session)
    if not ids:
        return
    try:
        await _relay(redis, session, ids=ids)
    except Exception:
        log.warning(
            "could not relay %d committed job(s) now; the outbox sweep will",
            len(ids),
            exc_info=True,
        )


async def relay_outbox(redis: ArqRedis, session: AsyncSession, *, batch: int = 500) -> int:
    """Send every outbox row not yet relayed, a batch per transaction; returns how many went.
    Raises if Redis fails (the rows of that batch stay unrelayed)."""
    relayed = 0
    while sent := await _relay(redis, session, limit=batch):
        relayed += sent
    return relayed


async def _relay(
    redis: ArqRedis, session: AsyncSession, *, ids: list[uuid.UUID] | None = None, limit: int = 500
) -> int:
    """Send rows still to relay (`ids`, or up to `limit` of any), then mark and commit those
    that went; the rest stay to relay. A row sent twice (its mark lost, two relays racing)
    still runs once: its job id is taken while the queue holds the job or its result."""
    pending = await jobs.lock_unrelayed(session, ids=ids, limit=limit)
    sent: list[uuid.UUID] = []
    try:
        for pending_job in pending:
            await redis.enqueue_job(
                pending_job.name, _job_id=pending_job.job_id, **pending_job.kwargs
            )
            sent.append(pending_job.outbox_id)
    finally:
        # Committed, not rolled back, when sending failed: the transaction holds nothing else,
        # and a rollback would expire the ORM objects the caller still holds.
        await jobs.mark_relayed(session, sent, now=clock.now())
        await session.commit()
    return len(sent)


def worker_functions() -> list[Function]:
    return [
        func(fn, name=name, max_tries=tries, timeout=timeout, keep_result=keep)
        for name, (fn, tries, timeout, keep) in REGISTRY.items()
    ]


def run_worker(settings_cls: type, **overrides: Any) -> None:
    """Run a worker with `settings_cls`; `overrides` replace some of its settings."""
    QueueWorker(**{**get_kwargs(settings_cls), **overrides}).run()


def discard(session: AsyncSession) -> None:
    """Forget the outbox rows of a session that rolled back (they no longer exist)."""
    jobs.discard_written(session)


async def job_status(redis: ArqRedis, job_id: str) -> JobStatus:
    return await Job(job_id, redis).status()


def cron_schedule(
    name: str,
    *,
    second: set[int] | int = 0,
    minute: set[int] | int | None = None,
    hour: set[int] | int | None = None,
    weekday: int | None = None,
    run_at_startup: bool = False,
) -> CronJob:
    fn, _, _, _ = REGISTRY[name]
    return cron(
        fn,
        name=name,
        second=second,
        minute=minute,
        hour=hour,
        weekday=weekday,
        run_at_startup=run_at_startup,
        unique=True,
        timeout=timedelta(minutes=30),
    )
