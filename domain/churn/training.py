"""The churn model's maths: the feature matrix of snapshot rows, a regularised logistic
regression with Platt-calibrated probabilities folded into one linear form (so SQL scores
every account with it, see `domain.metrics.catalog.churn_probability`), and the held-out
figures. Pure: rows in, numbers out; scikit-learn does the fitting."""

import datetime as dt
import math
import uuid
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
from sklearn.calibration import CalibratedClassifierCV
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import brier_score_loss, roc_auc_score

from domain.health.backtest import Outcome, auc
from domain.metrics.catalog import CHURN_PROBABILITY, ChurnFeature

# At most this many features: beyond it a weekly fit on a few thousand rows overfits.
MAX_FEATURES = 40
# A feature must have a value in at least this share of the rows trained on.
MIN_COVERAGE = 0.5
# L2 strength (scikit-learn's C: smaller is stronger).
REGULARISATION_C = 1.0
# Which way the built-in metrics whose meaning is known move the risk: more use of the product,
# a better CSM score or NPS lowers it (-1); more open tickets, or longer since the last
# interaction, raises it (1). Metrics of size (seats, MRR) and the organisation's own may go
# either way.
RISK_DIRECTION = {
    **dict.fromkeys(
        (
            "activity_rank",
            "feature_adoption",
            "events_7d",
            "events_30d",
            "sessions_30d",
            "session_minutes_30d",
            "active_users_7d",
            "active_users_30d",
            "csm_score",
            "nps",
        ),
        -1,
    ),
    "open_tickets": 1,
    "days_since_last_interaction": 1,
}
# The backtest names at most this many churned accounts per decile, as the health backtest.
NAMED_ACCOUNTS = 100


@dataclass(frozen=True)
class Requirements:
    """The least history a model is trained on: fewer days or churns give noise, not a model."""

    min_snapshot_days: int = 60
    min_churn_events: int = 10


@dataclass(frozen=True)
class History:
    """How much labelled history an organisation has: snapshot days whose outcome is known (at
    least the horizon ago) and churn events within those days' horizons."""

    snapshot_days: int
    churn_events: int


def missing(history: History, needs: Requirements) -> str | None:
    """What stops training, in words (None: enough history)."""
    short = []
    if history.snapshot_days < needs.min_snapshot_days:
        short.append(
            f"{needs.min_snapshot_days} days of metric snapshots whose outcome is known "
            f"(has {history.snapshot_days})"
        )
    if history.churn_events < needs.min_churn_events:
        short.append(
            f"{needs.min_churn_events} churn events after those days (has {history.churn_events})"
        )
    return f"Training needs at least {' and '.join(short)}" if short else None


@dataclass(frozen=True)
class Example:
    """An account's metrics on a snapshot day, and whether it churned within the horizon."""

    account_id: uuid.UUID
    day: dt.date
    values: Mapping[str, Any]
    churned: bool


def _number(value: Any) -> float:
    if isinstance(value, bool) or value is None:
        return math.nan
    try:
        number = float(value)
    except (TypeError, ValueError):
        return math.nan
    return number if math.isfinite(number) else math.nan


def choose_features(examples: Sequence[Example], candidates: Sequence[str]) -> list[str]:
    """The candidate metrics worth a coefficient: never the churn probability itself, present
    in enough rows, and varying (a constant explains nothing). The most covered first."""
    coverage = []
    for key in candidates:
        if key == CHURN_PROBABILITY:
            continue
        column = np.array([_number(e.values.get(key)) for e in examples], dtype=float)
        present = column[~np.isnan(column)]
        if len(present) < MIN_COVERAGE * len(examples) or len(present) < 2:
            continue
        if float(np.std(present)) == 0.0:
            continue
        coverage.append((-len(present), key))
    return [key for _, key in sorted(coverage)[:MAX_FEATURES]]


def consistent_features(x: np.ndarray, y: np.ndarray, features: Sequence[str]) -> list[str]:
    """`features` less those whose coefficient would contradict their known direction
    (`RISK_DIRECTION`). Usage metrics move together, so a fit may give one of them the
    opposite sign of what it measures, standing in for the others ("more sessions raise the
    risk" beside "more events lower it"): a driver a CSM would be right not to believe. The
    most contradicting is left out and the rest fitted again, until none contradicts. Plain
    fits: the calibration `fit` adds keeps their signs."""
    standard, _, _ = _standardised(x)
    kept = list(range(len(features)))
    while kept:
        # Newton steps: a few passes over many rows of few columns (lbfgs took several times
        # as long on the demo's year).
        regression = LogisticRegression(
            C=REGULARISATION_C, class_weight="balanced", solver="newton-cholesky"
        ).fit(standard[:, kept], y)
        contradicting = [
            (abs(weight), column)
            for weight, column in zip(regression.coef_[0], kept, strict=True)
            if RISK_DIRECTION.get(features[column], 0) * weight < 0
        ]
        if not contradicting:
            break
        kept.remove(max(contradicting)[1])
    return [features[column] for column in kept]


def _standardised(x: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(x standardised, a missing value as the mean; the means; the scales)."""
    means = np.nanmean(x, axis=0)
    scales = np.nanstd(x, axis=0)
    scales = np.where(scales > 0, scales, 1.0)
    return np.nan_to_num((x - means) / scales, nan=0.0), means, scales


def feature_matrix(examples: Sequence[Example], features: Sequence[str]) -> np.ndarray:
    """One row per example, one column per feature; NaN where the account had no value."""
    return np.array(
        [[_number(e.values.get(key)) for key in features] for e in examples], dtype=float
    ).reshape(len(examples), len(features))


def labels(examples: Sequence[Example]) -> np.ndarray:
    return np.array([e.churned for e in examples], dtype=int)


@dataclass(frozen=True)
class Fitted:
    features: tuple[ChurnFeature, ...]
    intercept: float

    def contributions(self, x: np.ndarray) -> np.ndarray:
        """Each feature's share of the log-odds, per row (a missing value counts 0)."""
        means = np.array([f.mean for f in self.features])
        scales = np.array([f.scale for f in self.features])
        coefficients = np.array([f.coefficient for f in self.features])
        standard = np.nan_to_num((x - means) / scales, nan=0.0)
        return np.asarray(standard * coefficients)

    def probabilities(self, x: np.ndarray) -> np.ndarray:
        logit = self.intercept + self.contributions(x).sum(axis=1)
        return np.asarray(1.0 / (1.0 + np.exp(-np.clip(logit, -50.0, 50.0))))


def fit(x: np.ndarray, y: np.ndarray, features: Sequence[str]) -> Fitted:
    """A logistic regression on standardised features (missing: the mean), churners weighted
    up so a rare churn still shapes the coefficients, then Platt-calibrated on
    cross-validated predictions so the probabilities mean what they say. Platt's sigmoid of a
    linear score is itself linear in the features, so the two fold into one set of
    coefficients."""
    standard, means, scales = _standardised(x)
    churned = int(y.sum())
    folds = max(2, min(5, churned, len(y) - churned))
    model = CalibratedClassifierCV(
        LogisticRegression(C=REGULARISATION_C, class_weight="balanced", max_iter=1000),
        method="sigmoid",
        cv=folds,
        ensemble=False,
    ).fit(standard, y)
    calibrated = model.calibrated_classifiers_[0]
    regression = calibrated.estimator
    platt = calibrated.calibrators[0]
    # P = 1 / (1 + exp(a * (w.x + b) + c)): the folded coefficients are -a.w and -(a.b + c).
    a, c = float(platt.a_), float(platt.b_)
    weights = regression.coef_[0]
    return Fitted(
        features=tuple(
            ChurnFeature(key, float(m), float(s), float(-a * w))
            for key, m, s, w in zip(features, means, scales, weights, strict=True)
        ),
        intercept=float(-(a * regression.intercept_[0] + c)),
    )


def calibration_bins(
    probabilities: np.ndarray, y: np.ndarray, bins: int = 10
) -> list[dict[str, Any]]:
    """Per tenth of the probability scale (0-10 %, ...): rows, mean predicted probability and
    the share that churned. Calibrated means the two agree."""
    out = []
    edges = np.linspace(0.0, 1.0, bins + 1)
    which = np.clip(np.digitize(probabilities, edges[1:-1]), 0, bins - 1)
    for i in range(bins):
        chosen = which == i
        rows = int(chosen.sum())
        if not rows:
            continue
        out.append(
            {
                "low": round(float(edges[i]), 2),
                "high": round(float(edges[i + 1]), 2),
                "rows": rows,
                "predicted": round(float(probabilities[chosen].mean()), 4),
                "observed": round(float(y[chosen].mean()), 4),
            }
        )
    return out


def held_out(probabilities: np.ndarray, y: np.ndarray) -> dict[str, Any]:
    """AUC, Brier score and calibration bins of predictions on rows the model did not see."""
    both = 0 < int(y.sum()) < len(y)
    return {
        "rows": len(y),
        "churned": int(y.sum()),
        "auc": round(float(roc_auc_score(y, probabilities)), 4) if both else None,
        "brier": round(float(brier_score_loss(y, probabilities)), 4) if len(y) else None,
        "bins": calibration_bins(probabilities, y),
    }


def backtest(
    probabilities: np.ndarray, examples: Sequence[Example], deciles: int = 10
) -> dict[str, Any]:
    """The accounts on one day ranked by probability: AUC (the health backtest's, a higher
    probability read as a worse score) and churn per decile, the riskiest tenth first, with
    the churned accounts behind each figure."""
    outcomes = [
        Outcome(score=10_000 - round(float(p) * 10_000), band=None, churned=e.churned)
        for p, e in zip(probabilities, examples, strict=True)
    ]
    order = np.argsort(-probabilities, kind="stable")
    groups = [g for g in np.array_split(order, deciles) if len(g)]
    rows = []
    for number, group in enumerate(groups, start=1):
        churned = [examples[i].account_id for i in group if examples[i].churned]
        rows.append(
            {
                "decile": number,
                "accounts": len(group),
                "churned": len(churned),
                "churn_rate": round(len(churned) / len(group), 4),
                "min_probability": round(float(probabilities[group].min()), 4),
                "max_probability": round(float(probabilities[group].max()), 4),
                "churned_account_ids": [str(a) for a in churned[:NAMED_ACCOUNTS]],
            }
        )
    value = auc(outcomes)
    return {
        "accounts": len(examples),
        "churned": sum(1 for e in examples if e.churned),
        "auc": round(value, 4) if value is not None else None,
        "deciles": rows,
    }
