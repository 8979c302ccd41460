"""The churn model's pure parts: what training needs, the feature matrix, the fit (its folded
coefficients are scikit-learn's calibrated probabilities) and the held-out figures."""

import math
import uuid
from datetime import date

import numpy as np
from sklearn.calibration import CalibratedClassifierCV
from sklearn.linear_model import LogisticRegression

from domain.churn import service as churn_service
from domain.churn import training
from domain.churn.training import Example, History, Requirements
from domain.metrics.catalog import CHURN_PROBABILITY

DAY = date(2026, 1, 1)


def _example(values: dict[str, object], churned: bool = False) -> Example:
    return Example(uuid.uuid4(), DAY, values, churned)


class TestMissing:
    def test_too_little_history_says_how_much_it_needs(self) -> None:
        reason = training.missing(History(snapshot_days=20, churn_events=3), Requirements(60, 10))
        assert reason == (
            "Training needs at least 60 days of metric snapshots whose outcome is known "
            "(has 20) and 10 churn events after those days (has 3)"
        )

    def test_only_what_is_short_is_named(self) -> None:
        reason = training.missing(History(snapshot_days=90, churn_events=3), Requirements(60, 10))
        assert reason is not None and "snapshots" not in reason and "(has 3)" in reason

    def test_enough_history_trains(self) -> None:
        assert training.missing(History(60, 10), Requirements(60, 10)) is None


class TestFeatures:
    def test_matrix_has_nan_where_a_value_is_missing_or_not_a_number(self) -> None:
        rows = [_example({"a": 1, "b": "2.5"}), _example({"a": None, "b": "x"}), _example({})]
        x = training.feature_matrix(rows, ["b", "a"])
        assert x.shape == (3, 2)
        assert x[0].tolist() == [2.5, 1.0]
        assert all(math.isnan(v) for v in [*x[1], *x[2]])

    def test_chosen_features_vary_are_covered_and_never_the_probability(self) -> None:
        rows = [
            _example(
                {"varies": i, "constant": 3, "sparse": i if i < 2 else None, CHURN_PROBABILITY: i}
            )
            for i in range(10)
        ]
        chosen = training.choose_features(rows, ["constant", "sparse", "varies", CHURN_PROBABILITY])
        assert chosen == ["varies"]


class TestConsistentFeatures:
    def test_a_metric_standing_in_for_another_against_its_meaning_is_left_out(self) -> None:
        # Churn follows how much the product is used; events and active users both grow with
        # it (the same people), and with how many people an account has. Given events, more
        # active users then "raise" the risk: they mean more people, so less use each.
        rng = np.random.default_rng(5)
        use, people, size = rng.normal(size=(3, 2_000))
        logit = -1.0 - 2.0 * use
        y = (rng.random(2_000) < 1 / (1 + np.exp(-logit))).astype(int)
        x = np.column_stack([use + people, 0.5 * use + people, size])
        features = ["events_30d", "active_users_30d", "seats"]
        plain = LogisticRegression(class_weight="balanced", max_iter=1000).fit(x, y).coef_[0]
        # What the check is for: alone, active users go with less churn; beside events, more.
        assert np.corrcoef(x[:, 1], y)[0, 1] < 0 and plain[0] < 0 < plain[1]

        assert training.consistent_features(x, y, features) == ["events_30d", "seats"]

    def test_metrics_of_no_known_direction_and_consistent_ones_are_all_kept(self) -> None:
        x, y = _data()
        # Users lower the risk (as they should); the others have no direction.
        assert training.consistent_features(x, y, ["users", "noise", "active_users_30d"]) == [
            "users",
            "noise",
            "active_users_30d",
        ]
        x[:, 2] = -x[:, 0] + np.random.default_rng(1).normal(size=len(x))
        kept = training.consistent_features(x, y, ["users", "noise", "active_users_30d"])
        assert kept == ["users", "noise"]


def _data(seed: int = 3, n: int = 600) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    x = rng.normal(size=(n, 3)) * [5.0, 1.0, 100.0] + [20.0, 0.0, 1000.0]
    logit = -2.0 - 0.8 * (x[:, 0] - 20.0)
    y = (rng.random(n) < 1 / (1 + np.exp(-logit))).astype(int)
    x[rng.random(n) < 0.1, 2] = np.nan
    return x, y


class TestFit:
    def test_folded_coefficients_give_scikit_learns_calibrated_probabilities(self) -> None:
        x, y = _data()
        fitted = training.fit(x, y, ["users", "noise", "events"])

        means, scales = np.nanmean(x, axis=0), np.nanstd(x, axis=0)
        standard = np.nan_to_num((x - means) / scales, nan=0.0)
        reference = CalibratedClassifierCV(
            LogisticRegression(C=training.REGULARISATION_C, class_weight="balanced", max_iter=1000),
            method="sigmoid",
            cv=5,
            ensemble=False,
        ).fit(standard, y)
        expected = reference.predict_proba(standard)[:, 1]
        assert np.allclose(fitted.probabilities(x), expected, atol=1e-9)

    def test_it_finds_the_metric_that_drives_churn(self) -> None:
        x, y = _data()
        fitted = training.fit(x, y, ["users", "noise", "events"])
        by_key = {f.key: f.coefficient for f in fitted.features}
        # Fewer users, more churn; the other two explain little.
        assert by_key["users"] < -1.0
        assert abs(by_key["noise"]) < abs(by_key["users"]) / 5
        assert abs(by_key["events"]) < abs(by_key["users"]) / 5

    def test_probabilities_are_calibrated_on_held_out_rows(self) -> None:
        x, y = _data(seed=3, n=3000)
        fitted = training.fit(x[:2000], y[:2000], ["users", "noise", "events"])
        held = training.held_out(fitted.probabilities(x[2000:]), y[2000:])
        assert held["auc"] > 0.9
        # The mean predicted probability matches the churn rate within a few points.
        predicted = sum(b["predicted"] * b["rows"] for b in held["bins"]) / held["rows"]
        assert abs(predicted - held["churned"] / held["rows"]) < 0.03
        assert sum(b["rows"] for b in held["bins"]) == 1000


class TestBacktest:
    def test_deciles_rank_the_riskiest_first_with_the_accounts_behind_them(self) -> None:
        examples = [_example({}, churned=i >= 18) for i in range(20)]
        probabilities = np.array([i / 20 for i in range(20)])
        result = training.backtest(probabilities, examples)
        assert result["auc"] == 1.0
        assert result["accounts"] == 20 and result["churned"] == 2
        first = result["deciles"][0]
        assert (first["decile"], first["accounts"], first["churned"]) == (1, 2, 2)
        assert first["churned_account_ids"] == [
            str(examples[19].account_id),
            str(examples[18].account_id),
        ]
        assert [d["churned"] for d in result["deciles"][1:]] == [0] * 9


class TestTooFewOfAnOutcome:
    def test_one_churned_row_before_the_cutoff_is_refused_not_fitted(self) -> None:
        examples = [
            Example(uuid.uuid4(), date(2026, 1, d), {"users": d}, churned=d in (1, 30))
            for d in range(1, 31)
        ]
        refused, fitted, evaluation = churn_service.fit_and_evaluate(examples, ["users"])
        assert refused == "The days before the held-out quarter need churned and retained accounts"
        assert fitted is None and evaluation is None
