"""Usage periods: days for ranges up to 31 days, weeks (Monday to Sunday, cut to the range)
beyond, and daily counts summed into them (pure)."""

from datetime import date, timedelta

from domain.usage.periods import Interval, interval_for, per_period, periods


def test_up_to_31_days_by_day_then_by_week() -> None:
    since = date(2026, 10, 1)
    assert interval_for(since, since) is Interval.DAY
    assert interval_for(since, since + timedelta(days=30)) is Interval.DAY
    assert interval_for(since, since + timedelta(days=31)) is Interval.WEEK


def test_days_are_each_day_of_the_range() -> None:
    spans = periods(date(2026, 10, 30), date(2026, 11, 1), Interval.DAY)
    assert spans == [(date(2026, 10, d), date(2026, 10, d)) for d in (30, 31)] + [
        (date(2026, 11, 1), date(2026, 11, 1))
    ]


def test_weeks_run_monday_to_sunday_and_are_cut_to_the_range() -> None:
    # Thursday 1 October to Tuesday 20 October 2026.
    spans = periods(date(2026, 10, 1), date(2026, 10, 20), Interval.WEEK)
    assert spans == [
        (date(2026, 10, 1), date(2026, 10, 4)),
        (date(2026, 10, 5), date(2026, 10, 11)),
        (date(2026, 10, 12), date(2026, 10, 18)),
        (date(2026, 10, 19), date(2026, 10, 20)),
    ]
    assert all(first.weekday() == 0 for first, _ in spans[1:])


def test_a_range_starting_on_a_monday_has_whole_weeks() -> None:
    spans = periods(date(2026, 10, 5), date(2026, 10, 18), Interval.WEEK)
    assert spans == [
        (date(2026, 10, 5), date(2026, 10, 11)),
        (date(2026, 10, 12), date(2026, 10, 18)),
    ]


def test_daily_counts_are_summed_into_their_period() -> None:
    spans = periods(date(2026, 10, 1), date(2026, 10, 20), Interval.WEEK)
    daily = {
        date(2026, 10, 2): 3,
        date(2026, 10, 4): 1,
        date(2026, 10, 5): 2,
        date(2026, 10, 20): 7,
        date(2026, 10, 21): 100,  # outside the range: nowhere
    }
    assert per_period(daily, spans) == [4, 2, 0, 7]
