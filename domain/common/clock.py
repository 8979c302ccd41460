"""The one source of "now", so time-dependent logic takes it as a parameter and tests move it."""

from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo


def now() -> datetime:
    return datetime.now(UTC)


def today_in(time_zone: str, at: datetime) -> date:
    """The date it is at `at` in `time_zone`: an organisation's days are counted there, not in
    UTC. The one definition of "the organisation's today"."""
    return at.astimezone(ZoneInfo(time_zone)).date()
