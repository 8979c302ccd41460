import random

import pytest
from hypothesis import given
from hypothesis import strategies as st

from domain.health.backtest import Outcome, auc, by_band, lift
from domain.health.scoring import Band


def _brute_auc(outcomes: list[Outcome]) -> float | None:
    stayed = [o.score for o in outcomes if o.score is not None and not o.churned]
    churned = [o.score for o in outcomes if o.score is not None and o.churned]
    if not stayed or not churned:
        return None
    wins = sum((s > c) + 0.5 * (s == c) for s in stayed for c in churned)
    return wins / (len(stayed) * len(churned))


def test_a_perfect_score_has_an_auc_of_1_and_an_inverted_one_0() -> None:
    kept = [Outcome(90, Band.GOOD, False), Outcome(80, Band.GOOD, False)]
    lost = [Outcome(20, Band.POOR, True), Outcome(30, Band.POOR, True)]
    assert auc(kept + lost) == 1.0
    flipped = [Outcome(100 - o.score, o.band, o.churned) for o in kept + lost if o.score]
    assert auc(flipped) == 0.0


def test_ties_count_half_and_unscored_accounts_are_left_out() -> None:
    outcomes = [
        Outcome(50, Band.AVERAGE, False),
        Outcome(50, Band.AVERAGE, True),
        Outcome(None, None, True),
    ]
    assert auc(outcomes) == 0.5
    assert auc([Outcome(50, Band.AVERAGE, False)]) is None


@given(st.lists(st.tuples(st.one_of(st.none(), st.integers(0, 100)), st.booleans()), max_size=60))
def test_the_rank_sum_equals_comparing_every_pair(rows: list[tuple[int | None, bool]]) -> None:
    outcomes = [Outcome(score, None, churned) for score, churned in rows]
    expected = _brute_auc(outcomes)
    got = auc(outcomes)
    assert (got is None) == (expected is None)
    if got is not None and expected is not None:
        assert got == pytest.approx(expected)


def test_bands_count_churn_and_mrr_and_the_poor_bands_lift() -> None:
    rng = random.Random(4)
    outcomes = [Outcome(10, Band.POOR, i < 6) for i in range(10)] + [
        Outcome(90, Band.GOOD, i < 1, mrr=rng.choice([100, 200])) for i in range(10)
    ]
    poor, average, good_or_none = by_band(outcomes)[2], by_band(outcomes)[1], by_band(outcomes)[0]
    assert (poor.accounts, poor.churned, poor.churn_rate) == (10, 6, 0.6)
    assert poor.churned_indexes == [0, 1, 2, 3, 4, 5]
    assert (average.accounts, average.churn_rate) == (0, None)
    assert good_or_none.churned == 1 and good_or_none.mrr == sum(o.mrr for o in outcomes[10:])
    # Poor churns at 60 % against 35 % overall.
    assert lift(outcomes) == pytest.approx(0.6 / 0.35)
    assert lift([Outcome(10, Band.POOR, False)]) is None
