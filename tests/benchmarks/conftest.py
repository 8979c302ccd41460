"""Benchmarks run against their own database of generated data (kept between runs, rebuilt when
its scale or the schema changes). They print figures and never assert timings. BENCH_DATABASE
names another database, so a run does not share the generated data of another."""

import asyncio
import gc
import os
import statistics
import sys
import time
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from typing import Any

import pytest
from httpx import ASGITransport, AsyncClient
from sqlalchemy.ext.asyncio import AsyncEngine

from api.app import create_app
from domain.common.db import create_engine, create_read_sessionmaker, create_sessionmaker
from domain.common.settings import Settings
from scripts import services, stack
from scripts.stack import Processes, free_port, wait_until_ready
from workers import queue

# BENCH_DATABASE: another database, for a run beside others on the same server.
BENCH_DB = os.environ.get("BENCH_DATABASE", "tenure_bench")


@pytest.fixture(scope="session")
def bench_settings() -> Any:
    svc = services.up()
    url = stack.database_url(svc.database_url, BENCH_DB)
    stack.ensure_database(url)
    stack.migrate(url)
    yield Settings(
        environment="test",
        database_url=url,
        redis_url=svc.redis_url,
        log_json=False,
        log_level="WARNING",
    )
    services.down(svc)


@pytest.fixture(scope="session")
async def bench_engine(bench_settings: Settings) -> AsyncIterator[AsyncEngine]:
    engine = create_engine(bench_settings.async_database_url, pool_size=5)
    yield engine
    await engine.dispose()


@pytest.fixture(scope="session")
async def bench_client(
    bench_settings: Settings, bench_engine: AsyncEngine
) -> AsyncIterator[AsyncClient]:
    app = create_app(bench_settings, serve_spa=False)
    app.state.engine = bench_engine
    app.state.sessionmaker = create_sessionmaker(bench_engine)
    app.state.read_sessionmaker = create_read_sessionmaker(bench_engine)
    app.state.redis = await queue.connect(bench_settings.redis_url)
    async with AsyncClient(transport=ASGITransport(app=app), base_url="http://bench") as client:
        yield client
    await app.state.redis.aclose()


@pytest.fixture(scope="session")
def bench_server(bench_settings: Settings) -> Iterator[str]:
    """The API served by uvicorn in its own process, as in production, on a loopback port:
    requests cross a real socket and HTTP parser. BENCH_SERVER_PROCESSES serves it with more
    processes (production runs one a core)."""
    port = free_port()
    processes = int(os.environ.get("BENCH_SERVER_PROCESSES", "1"))
    env = {
        **os.environ,
        "DATABASE_URL": bench_settings.database_url,
        "REDIS_URL": bench_settings.redis_url,
        "TENURE_LOG_LEVEL": "WARNING",
    }
    procs = Processes()
    procs.start(
        [sys.executable, "-m", "uvicorn", "api.app:create_app", "--factory", "--host",
         "127.0.0.1", "--port", str(port), "--no-access-log", "--log-level", "warning",
         *(["--workers", str(processes)] if processes > 1 else [])],
        env,
    )  # fmt: skip
    try:
        base_url = f"http://127.0.0.1:{port}"
        wait_until_ready(base_url)
        yield base_url
    finally:
        procs.stop()


async def measure(
    label: str, call: Callable[[], Awaitable[Any]], *, runs: int = 60, warmup: int = 5
) -> dict[str, float]:
    for _ in range(warmup):
        await call()
    # The benchmark's process holds its generated data and fixtures: a full collection over
    # them paused requests for about 200 ms (p95 260 ms with every statement under 30 ms in
    # the server's log). The API process freezes its own startup heap (api.app's lifespan).
    gc.collect()
    gc.freeze()
    timings = []
    for _ in range(runs):
        started = time.perf_counter()
        await call()
        timings.append((time.perf_counter() - started) * 1000)
    timings.sort()
    figures = {
        "p50": statistics.median(timings),
        "p95": timings[int(len(timings) * 0.95) - 1],
        "max": timings[-1],
    }
    print(
        f"  {label:<58} p50 {figures['p50']:7.1f} ms   p95 {figures['p95']:7.1f} ms"
        f"   max {figures['max']:7.1f} ms   ({runs} runs)"
    )
    return figures


__all__ = ["asyncio", "measure"]
