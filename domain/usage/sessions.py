"""The session and day rules in plain Python: what the rollup's SQL computes set-based, kept
here as the executable definition (the unit tests hold the SQL to it) and for the day sets
the rollup job works on."""

from collections.abc import Iterable, Sequence
from datetime import date, datetime, timedelta

# Sessions longer than this (continuous activity) are cut where the rollup stops reading.
DAY = timedelta(days=1)


def split_sessions(times: Sequence[datetime], timeout: timedelta) -> list[list[datetime]]:
    """One contact's events (on one account) split into sessions: a new session starts when
    the gap since the previous event is longer than `timeout` (a gap of exactly the timeout
    continues the session)."""
    sessions: list[list[datetime]] = []
    previous: datetime | None = None
    for at in sorted(times):
        if previous is None or at - previous > timeout:
            sessions.append([])
        sessions[-1].append(at)
        previous = at
    return sessions


def affected_days(days: Iterable[date]) -> list[date]:
    """The days to recompute when events changed on `days`: each with its neighbours, because
    a session may start the evening before and an event may join the next morning's session
    to its own (timeouts are shorter than a day)."""
    out: set[date] = set()
    for day in days:
        out.update((day - DAY, day, day + DAY))
    return sorted(out)


def day_runs(days: Iterable[date]) -> list[tuple[date, date]]:
    """Consecutive days grouped into (first, last) runs, so the rollup reads one time range
    per run instead of one range spanning months between two far-apart days."""
    runs: list[tuple[date, date]] = []
    for day in sorted(set(days)):
        if runs and day - runs[-1][1] == DAY:
            runs[-1] = (runs[-1][0], day)
        else:
            runs.append((day, day))
    return runs


def every_day(since: date, until: date) -> list[date]:
    """Each day from `since` to `until`, both included."""
    return [since + timedelta(days=n) for n in range((until - since).days + 1)]
