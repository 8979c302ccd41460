"""The activity rank's trend: the least-squares slope it is defined as, and the arrow a slope
reads as (pure)."""

import pytest

from domain.metrics.trend import FLAT_SLOPE, TrendArrow, least_squares_slope, trend_arrow


class TestLeastSquaresSlope:
    def test_a_straight_line_is_its_own_slope(self) -> None:
        assert least_squares_slope([(-2, 10), (-1, 12), (0, 14)]) == pytest.approx(2.0)

    def test_scattered_points_on_uneven_days(self) -> None:
        # x mean -8.75, y mean 43.75; Sxy = 681.25, Sxx = 218.75.
        points = [(-20, 10.0), (-10, 40.0), (-5, 50.0), (0, 75.0)]
        assert least_squares_slope(points) == pytest.approx(681.25 / 218.75)

    def test_a_steady_rank_has_no_slope(self) -> None:
        assert least_squares_slope([(-3, 40), (-1, 40), (0, 40)]) == 0

    def test_fewer_than_two_days_have_no_trend(self) -> None:
        assert least_squares_slope([]) is None
        assert least_squares_slope([(0, 55)]) is None
        assert least_squares_slope([(0, 55), (0, 60)]) is None  # one day twice


class TestArrow:
    @pytest.mark.parametrize(
        ("slope", "arrow"),
        [
            (None, None),
            (0.0, TrendArrow.FLAT),
            (FLAT_SLOPE - 0.01, TrendArrow.FLAT),
            (-(FLAT_SLOPE - 0.01), TrendArrow.FLAT),
            (FLAT_SLOPE, TrendArrow.UP),
            (3.5, TrendArrow.UP),
            (-FLAT_SLOPE, TrendArrow.DOWN),
            (-12.0, TrendArrow.DOWN),
        ],
    )
    def test_up_and_down_from_the_threshold_flat_below_it(
        self, slope: float | None, arrow: TrendArrow | None
    ) -> None:
        assert trend_arrow(slope) is arrow

    def test_the_threshold_is_six_points_over_the_window(self) -> None:
        assert pytest.approx(6) == FLAT_SLOPE * 30
