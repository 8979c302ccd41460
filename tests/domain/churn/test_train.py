"""Training on a constructed history where few active users drive churn: the model finds
that driver, separates the held-out days, and its probability (SQL, a metric like any other)
is scikit-learn's; too little history is refused with what is missing."""

from typing import Any

import numpy as np
import pytest
from sklearn.calibration import CalibratedClassifierCV
from sklearn.linear_model import LogisticRegression
from sqlalchemy import Float, column, select, values
from sqlalchemy.ext.asyncio import AsyncSession

from domain.accounts.models import Account
from domain.churn import service as churn
from domain.churn import training
from domain.churn.models import ChurnModel
from domain.filters.compile import compile_condition
from domain.filters.schemas import Compare, CompareOp
from domain.metrics import service as metrics
from domain.metrics.catalog import CHURN_PROBABILITY, ChurnScorer, churn_probability
from domain.orgs.models import Organisation
from tests.churn_factories import NOW, TODAY, churn_history, set_current
from tests.factories import create_account


class TestRefusal:
    async def test_too_little_history_is_refused_with_what_it_needs(
        self, session: AsyncSession, org: Organisation
    ) -> None:
        await churn_history(session, org, days=30, churners=4)

        run = await churn.train(session, org.id, requested_at=NOW)

        assert run.refused == (
            "Training needs at least 60 days of metric snapshots whose outcome is known "
            "(has 30) and 10 churn events after those days (has 4)"
        )
        assert run.intercept is None and run.features == []
        # No model: the metric exists but has no value.
        await create_account(session, org)
        fields = await metrics.org_metrics(session, org.id, today=TODAY)
        assert fields[CHURN_PROBABILITY].stored is False


@pytest.fixture
async def trained(session: AsyncSession, org: Organisation) -> ChurnModel:
    await churn_history(session, org)
    return await churn.train(session, org.id, requested_at=NOW)


class TestTraining:
    async def test_it_finds_the_driver_and_separates_the_held_out_days(
        self, trained: ChurnModel
    ) -> None:
        assert trained.refused is None
        assert (trained.snapshot_days, trained.accounts, trained.churn_events) == (70, 60, 16)
        coefficients = {f["key"]: f["coefficient"] for f in trained.features}
        assert set(coefficients) == {"active_users_30d", "events_30d"}
        # Fewer active users, more churn; the events are noise.
        assert coefficients["active_users_30d"] < -1
        assert abs(coefficients["events_30d"]) < abs(coefficients["active_users_30d"]) / 5
        assert trained.evaluation is not None
        held = trained.evaluation["held_out"]
        assert held["auc"] > 0.95 and held["churned"] > 0
        assert held["brier"] < 0.1
        assert sum(b["rows"] for b in held["bins"]) == held["rows"]
        backtest = trained.evaluation["backtest"]
        assert backtest["day"] == held["cutoff"] and backtest["auc"] > 0.95
        riskiest = backtest["deciles"][0]
        assert (
            riskiest["churn_rate"] == 1.0
            and len(riskiest["churned_account_ids"]) == (riskiest["churned"])
        )

    async def test_the_same_request_trains_once(
        self, session: AsyncSession, org: Organisation, trained: ChurnModel
    ) -> None:
        again = await churn.train(session, org.id, requested_at=NOW)
        assert again.id == trained.id
        runs = await session.scalars(select(ChurnModel).where(ChurnModel.org_id == org.id))
        assert len(list(runs)) == 1

    async def test_the_probability_is_a_metric_the_filter_language_reads(
        self, session: AsyncSession, org: Organisation, trained: ChurnModel
    ) -> None:
        quiet = await create_account(session, org, name="quiet")
        busy = await create_account(session, org, name="busy")
        await set_current(session, quiet, active_users_30d=3, events_30d=200)
        await set_current(session, busy, active_users_30d=22, events_30d=200)
        fields = {f.key: f for f in await metrics.metric_fields(session, org.id, TODAY)}
        field = fields[f"metric.{CHURN_PROBABILITY}"]
        assert field.format == "percent"

        where = compile_condition(
            Compare(field="metric.churn_probability", op=CompareOp.GTE, value=50),
            fields,
            today=TODAY,
        )
        rows = await session.scalars(
            select(Account.name).where(
                Account.org_id == org.id, Account.churned_on.is_(None), where
            )
        )
        assert list(rows) == ["quiet"]

        # The SQL's probability is the stored model's, computed here in numpy.
        scorer = metrics.churn_scorer(trained)
        assert scorer is not None
        fitted = training.Fitted(scorer.features, scorer.intercept)
        keys = [f.key for f in scorer.features]
        for account, users in ((quiet, 3), (busy, 22)):
            row = {"active_users_30d": users, "events_30d": 200}
            expected = fitted.probabilities(np.array([[row[k] for k in keys]], dtype=float))[0]
            sql = await session.scalar(
                select(field.expression).where(Account.id == account.id)  # type: ignore[arg-type]
            )
            assert float(sql) == pytest.approx(100 * expected, abs=0.005)


async def test_sql_probabilities_equal_scikit_learns_predict_proba(session: AsyncSession) -> None:
    """The same rows (missing values included) scored by the folded coefficients in
    PostgreSQL and by scikit-learn's calibrated classifier."""
    rng = np.random.default_rng(11)
    x = rng.normal(size=(200, 2)) * [4.0, 50.0] + [10.0, 300.0]
    y = (rng.random(200) < 1 / (1 + np.exp(2.0 + 0.9 * (x[:, 0] - 10.0)))).astype(int)
    x[::7, 1] = np.nan
    fitted = training.fit(x, y, ["a", "b"])
    means, scales = np.nanmean(x, axis=0), np.nanstd(x, axis=0)
    standard = np.nan_to_num((x - means) / scales, nan=0.0)
    expected = (
        CalibratedClassifierCV(
            LogisticRegression(class_weight="balanced", max_iter=1000),
            method="sigmoid",
            cv=5,
            ensemble=False,
        )
        .fit(standard, y)
        .predict_proba(standard)[:, 1]
    )
    rows: list[tuple[Any, ...]] = [
        (i, None if np.isnan(a) else float(a), None if np.isnan(b) else float(b))
        for i, (a, b) in enumerate(x)
    ]
    table = values(column("i", Float), column("a", Float), column("b", Float), name="rows").data(
        rows
    )
    scorer = ChurnScorer(fitted.features, fitted.intercept, 90, TODAY)
    stmt = select(table.c.i, churn_probability(scorer, {"a": table.c.a, "b": table.c.b}))
    got = {int(i): float(p) for i, p in await session.execute(stmt)}
    assert [got[i] for i in range(200)] == pytest.approx(list(100 * expected), abs=0.005)
