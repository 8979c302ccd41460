"""A worker's health check as its container runs it: `python -m workers --check` exits 0 while
this host's worker renews its mark in Redis, 1 before one starts and once it has stopped."""

import asyncio
import os
import subprocess
import sys
import uuid
from pathlib import Path

from domain.common.settings import Settings
from workers import liveness, queue
from workers.settings import WorkerSettings

ROOT = Path(__file__).resolve().parents[2]


def _check(settings: Settings) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "workers", "--check"],
        cwd=ROOT,
        env={**os.environ, "DATABASE_URL": settings.database_url, "REDIS_URL": settings.redis_url},
        capture_output=True,
        text=True,
        timeout=60,
    )


async def test_the_check_passes_only_while_this_hosts_worker_runs(settings: Settings) -> None:
    assert WorkerSettings.health_check_key == liveness.key()
    assert _check(settings).returncode == 1

    worker = queue.QueueWorker(
        functions=WorkerSettings.functions,
        redis_settings=queue.redis_settings(settings.redis_url),
        # A queue of its own: no job another test left behind runs here.
        queue_name=f"test-health-{uuid.uuid4()}",
        health_check_key=WorkerSettings.health_check_key,
        health_check_interval=WorkerSettings.health_check_interval,
        handle_signals=False,
        poll_delay=0.05,
    )
    running = asyncio.create_task(worker.main())
    try:
        for _ in range(100):
            checked = await asyncio.to_thread(_check, settings)
            if checked.returncode == 0:
                break
            await asyncio.sleep(0.1)
        assert checked.returncode == 0, checked.stdout + checked.stderr
    finally:
        running.cancel()
        await asyncio.gather(running, return_exceptions=True)
        await worker.close()

    assert _check(settings).returncode == 1
