from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from domain.health.scoring import (
    HUNDRED,
    Band,
    Bands,
    Linear,
    Percentile,
    Range,
    Ranges,
    Values,
    breakdown,
    component_score,
    half_up,
    metric_score,
    overall_score,
    percent_rank,
    ranges_problem,
    repeated_names,
)

D = Decimal
values = st.decimals(min_value=-(10**6), max_value=10**6, places=3, allow_nan=False)
weights = st.decimals(min_value=D("0.01"), max_value=100, places=2)
scores = st.one_of(st.none(), st.integers(0, 100))


class TestWorkedExample:
    def test_the_originals_example_scores_75(self) -> None:
        """Natero's worked example: predictive churn 83 (weight 7), engagement mean(76, 65)
        = 70.5 → 71 (5), product usage mean(81, 65, 90) (8), CSM score 54 (3)."""
        engagement = component_score([D(76), D(65)])
        usage = component_score([D(81), D(65), D(90)])

        assert (engagement, usage) == (71, 79)
        assert overall_score([(83, D(7)), (engagement, D(5)), (usage, D(8)), (54, D(3))]) == 75

    def test_the_reference_sum_rounds_half_up(self) -> None:
        # (83·7 + 71·5 + 78·8 + 54·3) / 23 = 74.87 → 75
        assert overall_score([(83, D(7)), (71, D(5)), (78, D(8)), (54, D(3))]) == 75


class TestLinear:
    ramp = Linear(D(10), D(20))

    @pytest.mark.parametrize(
        ("value", "expected"),
        [(D(-5), 0), (D(10), 0), (D("10.001"), D("0.01")), (D(15), 50), (D(20), 100), (D(99), 100)],
    )
    def test_zero_at_or_below_low_hundred_at_or_above_high(
        self, value: Decimal, expected: Decimal
    ) -> None:
        assert metric_score(self.ramp, value) == expected

    def test_invert_turns_the_ramp_round(self) -> None:
        inverted = Linear(D(10), D(20), invert=True)
        assert [metric_score(inverted, D(v)) for v in (0, 10, 12, 20, 30)] == [100, 100, 80, 0, 0]

    def test_low_equal_to_high_is_refused(self) -> None:
        with pytest.raises(ValueError, match="below"):
            Linear(D(5), D(5))

    def test_metric_scores_keep_ten_places(self) -> None:
        assert metric_score(Linear(D(0), D(3)), D(1)) == D("33.3333333333")

    @given(low=values, span=st.decimals(min_value=D("0.001"), max_value=10**6, places=3), v=values)
    def test_within_0_and_100_and_rising(self, low: Decimal, span: Decimal, v: Decimal) -> None:
        ramp = Linear(low, low + span)
        score = metric_score(ramp, v)
        assert score is not None and 0 <= score <= HUNDRED
        assert metric_score(Linear(low, low + span, invert=True), v) == HUNDRED - score
        higher = metric_score(ramp, v + 1)
        assert higher is not None and higher >= score

    def test_no_value_is_no_data(self) -> None:
        assert metric_score(self.ramp, None) is None


class TestRanges:
    logins = Ranges(
        (
            Range(None, D(1), D(100)),
            Range(D(1), D(3), D(70)),
            Range(D(3), D(6), D(40)),
            Range(D(6), None, D(0)),
        )
    )

    @pytest.mark.parametrize(
        ("value", "expected"),
        [(D(-1), 100), (D("0.99"), 100), (D(1), 70), (D("2.999"), 70), (D(3), 40), (D(6), 0)],
    )
    def test_lower_bound_inclusive_upper_exclusive(self, value: Decimal, expected: int) -> None:
        assert metric_score(self.logins, value) == expected

    @pytest.mark.parametrize(
        ("ranges", "problem"),
        [
            ((), "at least one"),
            ((Range(D(0), None, D(1)),), "below 0 have no score"),
            ((Range(None, D(5), D(1)),), "from 5 have no score"),
            ((Range(None, D(1), D(1)), Range(D(2), None, D(0))), "from 1 up to 2 have no score"),
            ((Range(None, D(3), D(1)), Range(D(2), None, D(0))), "from 2 up to 3 are in two"),
            ((Range(None, D(3), D(101)), Range(D(3), None, D(0))), "between 0 and 100"),
            ((Range(None, D(3), D(1)), Range(D(3), D(3), D(1)), Range(D(3), None, D(0))), "empty"),
        ],
    )
    def test_gaps_overlaps_and_open_ends_are_refused(
        self, ranges: tuple[Range, ...], problem: str
    ) -> None:
        assert problem in (ranges_problem(ranges) or "")
        with pytest.raises(ValueError, match=problem.split()[0]):
            Ranges(ranges)

    @given(
        cuts=st.lists(values, min_size=0, max_size=6, unique=True),
        given_scores=st.lists(st.integers(0, 100), min_size=7, max_size=7),
        v=values,
    )
    def test_every_value_falls_in_exactly_one_range(
        self, cuts: list[Decimal], given_scores: list[int], v: Decimal
    ) -> None:
        bounds: list[Decimal | None] = [None, *sorted(cuts), None]
        ranges = tuple(
            Range(start, end, D(score))
            for start, end, score in zip(bounds, bounds[1:], given_scores, strict=False)
        )
        assert ranges_problem(ranges) is None
        containing = [
            r for r in ranges if (r.start is None or v >= r.start) and (r.end is None or v < r.end)
        ]
        assert len(containing) == 1
        assert metric_score(Ranges(ranges), v) == containing[0].score


class TestPercentile:
    def test_percent_rank_is_the_rank_of_the_first_of_ties(self) -> None:
        population = [D(1), D(2), D(2), D(5)]
        assert [percent_rank(v, population) for v in population] == [
            0,
            D(1) / 3,
            D(1) / 3,
            1,
        ]
        assert percent_rank(D(7), [D(7)]) == 0

    def test_score_is_a_hundred_times_the_rank(self) -> None:
        assert metric_score(Percentile(), D(2), rank=D(1) / 3) == D("33.3333333333")
        with pytest.raises(ValueError, match="percent rank"):
            metric_score(Percentile(), D(2))


class TestComponentsAndOverall:
    def test_a_component_averages_the_metrics_with_data(self) -> None:
        assert component_score([D(70), None, D(71)]) == 71
        assert component_score([None, None]) is None

    def test_components_without_data_are_left_out_and_weights_renormalised(self) -> None:
        assert overall_score([(80, D(1)), (None, D(9)), (40, D(3))]) == 50
        assert overall_score([(None, D(1))]) is None

    @given(st.lists(st.tuples(scores, weights), min_size=1, max_size=8))
    def test_the_score_lies_between_its_components(
        self, components: list[tuple[int | None, Decimal]]
    ) -> None:
        score = overall_score(components)
        known = [s for s, _ in components if s is not None]
        if not known:
            assert score is None
        else:
            assert score is not None and min(known) <= score <= max(known)
            assert 0 <= score <= 100

    @given(st.lists(st.tuples(scores, weights), min_size=1, max_size=8))
    def test_breakdown_contributions_add_up_to_the_score(
        self, components: list[tuple[int | None, Decimal]]
    ) -> None:
        parts = breakdown(components)
        score = overall_score(components)
        if score is None:
            assert all(p.contribution == 0 for p in parts)
            return
        total = sum((p.contribution for p in parts), D(0))
        assert half_up(total) == score
        for part in parts:
            if part.score is not None:
                assert part.contribution + part.could_add == pytest.approx(part.share * 100)

    def test_half_up(self) -> None:
        assert [half_up(D(x)) for x in ("70.5", "70.49", "0.5", "99.5")] == [71, 70, 1, 100]


class TestBands:
    def test_default_edges(self) -> None:
        bands = Bands()
        assert [bands.of(s) for s in (0, 30, 31, 70, 71, 100)] == [
            Band.POOR,
            Band.POOR,
            Band.AVERAGE,
            Band.AVERAGE,
            Band.GOOD,
            Band.GOOD,
        ]

    def test_configured_edges(self) -> None:
        assert Bands(good_from=80, average_from=50).of(79) is Band.AVERAGE

    @pytest.mark.parametrize(("good", "average"), [(50, 50), (40, 60), (101, 50), (70, 0)])
    def test_edges_out_of_order_are_refused(self, good: int, average: int) -> None:
        with pytest.raises(ValueError, match="bands"):
            Bands(good_from=good, average_from=average)


class TestValues:
    def test_each_listed_value_scores_its_score_and_others_the_other_score(self) -> None:
        tiers = Values((("Tier 1", D(100)), ("Tier 2", D("62.5"))), other=D(20))

        assert metric_score(tiers, "Tier 1") == 100
        assert metric_score(tiers, "Tier 2") == D("62.5")
        # Compared exactly, as the SQL compares text.
        assert metric_score(tiers, "tier 1") == 20
        assert metric_score(tiers, None) is None

    def test_without_an_other_score_an_unlisted_value_is_no_data(self) -> None:
        tiers = Values((("Tier 1", D(100)),))

        assert metric_score(tiers, "Tier 3") is None
        assert component_score([metric_score(tiers, "Tier 3"), D(40)]) == 40

    @pytest.mark.parametrize(
        ("scores", "other", "problem"),
        [
            ((), None, "map at least one value"),
            ((("a", D(1)), ("a", D(2))), None, "'a' is mapped twice"),
            ((("a", D(101)),), None, "between 0 and 100"),
            ((("a", D(1)),), D(-1), "other values' score"),
        ],
    )
    def test_invalid_mappings_are_refused(
        self, scores: tuple[tuple[str, Decimal], ...], other: Decimal | None, problem: str
    ) -> None:
        with pytest.raises(ValueError, match=problem):
            Values(scores, other)

    def test_a_number_needs_a_numeric_mapping(self) -> None:
        with pytest.raises(ValueError, match="values mapping"):
            metric_score(Linear(D(0), D(1)), "Tier 1")

    @given(st.text(max_size=5), st.decimals(min_value=0, max_value=100, places=2))
    def test_scores_stay_within_0_and_100(self, value: str, score: Decimal) -> None:
        result = metric_score(Values((("x", score),), other=D(50)), value)

        assert result is not None and 0 <= result <= 100


class TestComponentNames:
    @pytest.mark.parametrize(
        ("names", "repeated"),
        [
            (["Usage", "Support"], []),
            (["U", "U"], [1]),
            (["U", "V", "U", "U", "V"], [2, 3, 4]),
            (["U", "u"], []),  # names differing in case are two names
        ],
    )
    def test_each_name_given_before_is_repeated(
        self, names: list[str], repeated: list[int]
    ) -> None:
        assert repeated_names(names) == repeated

    @given(st.lists(st.sampled_from("abc"), max_size=8))
    def test_what_is_left_is_each_name_once(self, names: list[str]) -> None:
        repeated = set(repeated_names(names))
        kept = [n for i, n in enumerate(names) if i not in repeated]

        assert kept == list(dict.fromkeys(names))
