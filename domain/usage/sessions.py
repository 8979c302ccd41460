"""The session and day rules in plain Python: what the rollup's SQL computes set-based, kept
here as the executable definition (the unit tests hold the SQL to it) and for the day sets
the rollup job works on."""

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

# A session never continues across a longer silence, so the rollup of a day needs to read only
# this far back for the event before its first one.
DAY = timedelta(days=1)


@dataclass(frozen=True)
class ContactDay:
    """One contact's usage of one account on one day."""

    events: int
    sessions: int
    session_seconds: int


def contact_days(
    events: Sequence[tuple[datetime, str | None]], timeout: timedelta, tz: str
) -> dict[date, ContactDay]:
    """One contact's events on one account (time, the integrator's session id or None) as
    days. An event continues the previous event's session when it follows it by at most a
    day and carries the same session id, or carries none and follows it by at most `timeout`
    (a gap of exactly the timeout continues); otherwise it starts a session. A session counts
    on the day it starts; the gap before each of its later events counts as session time on
    that event's day. Events at the same instant are taken in session id order, as SQL does."""
    zone = ZoneInfo(tz)
    days: dict[date, list[int]] = {}
    previous: tuple[datetime, str | None] | None = None
    for at, session_id in sorted(events, key=lambda e: (e[0], e[1] is None, e[1] or "")):
        day = days.setdefault(at.astimezone(zone).date(), [0, 0, 0])
        day[0] += 1
        gap = at - previous[0] if previous else DAY * 2
        continues = (
            previous is not None
            and gap <= DAY
            and session_id == previous[1]
            and (session_id is not None or gap <= timeout)
        )
        if continues:
            day[2] += int(gap.total_seconds())
        else:
            day[1] += 1
        previous = (at, session_id)
    return {day: ContactDay(*counts) for day, counts in sorted(days.items())}


def affected_days(days: Iterable[date]) -> list[date]:
    """The days to recompute when events changed on `days`: each, and the day after it,
    whose first session may now continue one from the evening before (timeouts are shorter
    than a day). The day before never changes: its sessions keep their start and their time."""
    out: set[date] = set()
    for day in days:
        out.update((day, day + DAY))
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


def slices(first: date, last: date, size: int) -> list[tuple[date, date]]:
    """first..last cut into consecutive (first, last) slices of at most `size` days."""
    out: list[tuple[date, date]] = []
    while first <= last:
        end = min(first + timedelta(days=size - 1), last)
        out.append((first, end))
        first = end + DAY
    return out


def every_day(since: date, until: date) -> list[date]:
    """Each day from `since` to `until`, both included."""
    return [since + timedelta(days=n) for n in range((until - since).days + 1)]
