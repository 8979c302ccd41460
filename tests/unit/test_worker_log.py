"""The worker's log leaves out the live chain's idle scheduler runs, every five seconds, and its
liveness mark, every 30 s, and keeps everything else arq says (the lines below are arq's own
formats)."""

import logging
from collections.abc import Iterator

import pytest

from workers import queue

ARQ = logging.getLogger("arq.worker")


@pytest.fixture
def quiet() -> Iterator[None]:
    queue.quiet_idle_runs("live.schedule")
    yield
    ARQ.filters = [f for f in ARQ.filters if not isinstance(f, queue.QuietIdleRuns)]


def _logged(caplog: pytest.LogCaptureFixture) -> list[str]:
    return [record.getMessage() for record in caplog.records]


def test_an_idle_scheduler_run_logs_nothing(quiet: None, caplog: pytest.LogCaptureFixture) -> None:
    with caplog.at_level(logging.INFO, logger="arq.worker"):
        ARQ.info("%6.2fs → %s(%s)%s", 1.0, "live.schedule", "", "")
        ARQ.info("%6.2fs ← %s ● %s", 0.0, "live.schedule", "0")
        ARQ.info("recording health: %s", "Dec-07 00:37:35 j_complete=52 j_failed=0")
    assert _logged(caplog) == []


def test_what_a_run_did_and_other_jobs_are_still_logged(
    quiet: None, caplog: pytest.LogCaptureFixture
) -> None:
    with caplog.at_level(logging.INFO, logger="arq.worker"):
        ARQ.info("%6.2fs ← %s ● %s", 0.01, "live.schedule", "3")
        ARQ.info("%6.2fs → %s(%s)%s", 1.0, "jobs.sweep_outbox", "", "")
        ARQ.info("%6.2fs ← %s ● %s", 0.0, "jobs.sweep_outbox", "0")
        try:
            raise RuntimeError("database down")
        except RuntimeError as e:
            ARQ.exception("%6.2fs ! %s failed, %s: %s", 0.0, "live.schedule", "RuntimeError", e)
    assert _logged(caplog) == [
        "  0.01s ← live.schedule ● 3",
        "  1.00s → jobs.sweep_outbox()",
        "  0.00s ← jobs.sweep_outbox ● 0",
        "  0.00s ! live.schedule failed, RuntimeError: database down",
    ]
