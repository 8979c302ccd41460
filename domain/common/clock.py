"""The one source of "now", so time-dependent logic takes it as a parameter and tests move it."""

from datetime import UTC, datetime


def now() -> datetime:
    return datetime.now(UTC)
