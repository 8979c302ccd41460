from datetime import UTC, date, datetime

from domain.common import clock


class TestTodayIn:
    def test_a_day_is_counted_in_the_organisations_time_zone(self) -> None:
        at = datetime(2026, 3, 31, 23, 30, tzinfo=UTC)
        assert clock.today_in("UTC", at) == date(2026, 3, 31)
        assert clock.today_in("Pacific/Auckland", at) == date(2026, 4, 1)
        assert clock.today_in("America/Los_Angeles", datetime(2026, 4, 1, 5, tzinfo=UTC)) == (
            date(2026, 3, 31)
        )
