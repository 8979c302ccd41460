"""The activity rank's trend (SPEC: "a trend arrow from the slope of a regression over the last
30 daily ranks"). The slope is computed set-based in SQL (`regr_slope`); this module holds its
executable definition, which the tests hold the SQL to, and the reading of a slope as an arrow."""

from collections.abc import Sequence
from enum import StrEnum

# The ranks a trend regresses over: the day's own and the 29 before it.
TREND_WINDOW_DAYS = 30
# A slope under this many rank points a day either way is flat: less than 6 points of drift
# over the 30 days, which the day-to-day jitter of a 30-day percentile easily makes.
FLAT_SLOPE = 0.2


class TrendArrow(StrEnum):
    UP = "up"
    FLAT = "flat"
    DOWN = "down"


def least_squares_slope(points: Sequence[tuple[float, float]]) -> float | None:
    """The slope of the least-squares line through (day, rank) points, in rank points per day
    (what PostgreSQL's `regr_slope(rank, day)` returns); None with fewer than two days."""
    n = len(points)
    if n < 2:
        return None
    mean_x = sum(x for x, _ in points) / n
    mean_y = sum(y for _, y in points) / n
    sxx = sum((x - mean_x) ** 2 for x, _ in points)
    if sxx == 0:
        return None
    return sum((x - mean_x) * (y - mean_y) for x, y in points) / sxx


def trend_arrow(slope: float | None) -> TrendArrow | None:
    """The arrow shown for a trend: up or down from FLAT_SLOPE points a day (inclusive), flat
    below it; no arrow without a trend."""
    if slope is None:
        return None
    if slope >= FLAT_SLOPE:
        return TrendArrow.UP
    if slope <= -FLAT_SLOPE:
        return TrendArrow.DOWN
    return TrendArrow.FLAT
