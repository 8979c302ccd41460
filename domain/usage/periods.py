"""The periods a usage series over time is counted in: days for short ranges, weeks for long
ones (a 90-day chart of daily points per feature is unreadable). Pure."""

from collections.abc import Mapping
from datetime import date, timedelta
from enum import StrEnum

# Ranges of up to this many days are counted by day, longer ones by week.
DAILY_UP_TO_DAYS = 31


class Interval(StrEnum):
    DAY = "day"
    WEEK = "week"


def interval_for(since: date, until: date) -> Interval:
    return Interval.DAY if (until - since).days + 1 <= DAILY_UP_TO_DAYS else Interval.WEEK


def periods(since: date, until: date, interval: Interval) -> list[tuple[date, date]]:
    """(first, last) day of each period from `since` to `until`, both included, oldest first.
    Weeks run Monday to Sunday, so the first and last are cut to the range."""
    out: list[tuple[date, date]] = []
    start = since
    while start <= until:
        if interval is Interval.DAY:
            end = start
        else:
            end = min(start + timedelta(days=6 - start.weekday()), until)
        out.append((start, end))
        start = end + timedelta(days=1)
    return out


def per_period(daily: Mapping[date, int], spans: list[tuple[date, date]]) -> list[int]:
    """Daily counts summed into the periods (a day outside every period counts nowhere)."""
    totals = [0] * len(spans)
    for day, count in daily.items():
        for i, (first, last) in enumerate(spans):
            if first <= day <= last:
                totals[i] += count
                break
    return totals
