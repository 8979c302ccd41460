"""Predictive churn: training the organisation's churn model on its own metric snapshots and
churn events, its status and history, and what drives an account's probability. The
probability itself is the metric `churn_probability` (domain.metrics.catalog), read in SQL
wherever a metric is."""

import asyncio
import math
import uuid
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from domain.churn import training
from domain.churn.errors import NoChurnModel
from domain.churn.models import ChurnModel
from domain.churn.repository import ChurnRepository
from domain.churn.schemas import (
    ChurnBacktest,
    ChurnDriverRead,
    ChurnDriversRead,
    ChurnFeatureRead,
    ChurnHeldOut,
    ChurnHistoryAvailable,
    ChurnModelRead,
    ChurnRequirements,
    ChurnStatusRead,
    ChurnTrainingQueued,
)
from domain.churn.training import Example, History, Requirements
from domain.common import clock
from domain.common.jobs import enqueue
from domain.health import service as health
from domain.metrics import service as metrics
from domain.metrics.catalog import CHURN_PROBABILITY, MetricKind
from domain.tenancy import accounts
from domain.tenancy.clock import org_today, organisations_with_time_zones
from domain.users.actor import Actor, require
from domain.users.permissions import Permission

TRAIN_JOB = "churn.train_org"
HORIZON_DAYS = 90
# Account-days read for one training: beyond it, days are sampled at a wider stride.
MAX_ROWS = 200_000
# The last quarter of the snapshot days is held out to check the model.
HELD_OUT_SHARE = 0.25
HISTORY_RUNS = 20


@dataclass(frozen=True)
class Plan:
    """How much labelled history there is, and what it lacks."""

    last_day: date
    first_day: date | None
    history: History
    accounts: int
    missing: str | None


async def _plan(
    repo: ChurnRepository, today: date, *, horizon_days: int, needs: Requirements
) -> Plan:
    last_day = today - timedelta(days=horizon_days)
    days, first, last, account_count = await repo.labelled_days(last_day)
    churns = await repo.churn_events(first, today) if first is not None else 0
    history = History(snapshot_days=days, churn_events=churns)
    return Plan(
        last_day=last or last_day,
        first_day=first,
        history=history,
        accounts=account_count,
        missing=training.missing(history, needs),
    )


def _examples(rows: list[Any]) -> list[Example]:
    return [
        Example(account_id, day, values, bool(churned)) for account_id, day, values, churned in rows
    ]


async def _candidates(session: AsyncSession, org_id: uuid.UUID, today: date) -> list[str]:
    """Built-in and numeric custom metrics (computed ones are formulas over those: they add
    collinearity, not information)."""
    catalog = await metrics.org_metrics(session, org_id, today=today)
    return [
        m.key
        for m in catalog.values()
        if m.valid and m.kind != MetricKind.COMPUTED and m.key != CHURN_PROBABILITY
    ]


async def train(
    session: AsyncSession,
    org_id: uuid.UUID,
    *,
    requested_at: datetime | None = None,
    horizon_days: int = HORIZON_DAYS,
    needs: Requirements = Requirements(),
    max_rows: int = MAX_ROWS,
) -> ChurnModel:
    """Train the organisation's churn model on its snapshot days whose outcome is known, or
    record why it cannot (too little history). The run is keyed by `requested_at`: running
    the same request again returns the run it made."""
    requested_at = requested_at or clock.now()
    repo = ChurnRepository(session, org_id)
    for earlier in await repo.models(limit=HISTORY_RUNS):
        if earlier.trained_at == requested_at:
            return earlier
    today = await org_today(session, org_id, now=requested_at)
    plan = await _plan(repo, today, horizon_days=horizon_days, needs=needs)
    run = ChurnModel(
        trained_at=requested_at,
        horizon_days=horizon_days,
        first_day=plan.first_day,
        last_day=plan.last_day if plan.first_day else None,
        snapshot_days=plan.history.snapshot_days,
        rows=0,
        accounts=0,
        churn_events=plan.history.churn_events,
        features=[],
    )
    if plan.missing is not None or plan.first_day is None:
        run.refused = plan.missing
        return await repo.add(run)
    stride = max(1, math.ceil(plan.history.snapshot_days * plan.accounts / max_rows))
    examples = _examples(
        await repo.examples(
            first_day=plan.first_day,
            last_day=plan.last_day,
            stride=stride,
            horizon_days=horizon_days,
        )
    )
    run.rows = len(examples)
    run.accounts = len({e.account_id for e in examples})
    candidates = await _candidates(session, org_id, today)
    # CPU-bound: in a thread, so the worker's other jobs (the live chain) keep running.
    refused, fitted, evaluation = await asyncio.to_thread(fit_and_evaluate, examples, candidates)
    if refused is not None or fitted is None:
        run.refused = refused
        return await repo.add(run)
    run.features = [
        {"key": f.key, "mean": f.mean, "scale": f.scale, "coefficient": f.coefficient}
        for f in fitted.features
    ]
    run.intercept = fitted.intercept
    run.evaluation = evaluation
    added = await repo.add(run)
    # Health models may read the probability: their scores follow the new model.
    health.request_compute(session, org_id)
    return added


def fit_and_evaluate(
    examples: list[Example], candidates: list[str]
) -> tuple[str | None, training.Fitted | None, dict[str, Any] | None]:
    """(why not, None, None) or (None, the model on every row, its held-out evaluation)."""
    days = sorted({e.day for e in examples})
    cutoff = days[min(len(days) - 1, int(len(days) * (1 - HELD_OUT_SHARE)))]
    before = [e for e in examples if e.day < cutoff]
    after = [e for e in examples if e.day >= cutoff]
    churned_before = sum(1 for e in before if e.churned)
    # Cross-validated calibration needs two rows of each outcome at least.
    if churned_before < 2 or len(before) - churned_before < 2:
        return (
            "The days before the held-out quarter need churned and retained accounts",
            None,
            None,
        )
    if not any(e.churned for e in after):
        return (
            f"No account churned within the horizon of the held-out days (from {cutoff})",
            None,
            None,
        )
    features = _features(before, candidates)
    if not features:
        return "No metric has values in enough snapshots to learn from", None, None
    early = training.fit(
        training.feature_matrix(before, features), training.labels(before), features
    )
    held = training.held_out(
        early.probabilities(training.feature_matrix(after, features)), training.labels(after)
    )
    on_cutoff = [e for e in after if e.day == cutoff]
    backtest = training.backtest(
        early.probabilities(training.feature_matrix(on_cutoff, features)), on_cutoff
    )
    features = _features(examples, candidates)
    fitted = training.fit(
        training.feature_matrix(examples, features), training.labels(examples), features
    )
    evaluation = {
        "held_out": {"cutoff": cutoff.isoformat(), **held},
        "backtest": {"day": cutoff.isoformat(), **backtest},
    }
    return None, fitted, evaluation


def _features(examples: Sequence[training.Example], candidates: Sequence[str]) -> list[str]:
    """The metrics the model learns from: those worth a coefficient, less any whose
    coefficient would contradict what it measures."""
    features = training.choose_features(examples, candidates)
    matrix = training.feature_matrix(examples, features)
    return training.consistent_features(matrix, training.labels(examples), features)


def _labels(catalog: Mapping[str, Any]) -> dict[str, str]:
    return {key: m.label for key, m in catalog.items()}


def _read(model: ChurnModel, labels: Mapping[str, str]) -> ChurnModelRead:
    evaluation = model.evaluation or {}
    held = evaluation.get("held_out")
    backtest = evaluation.get("backtest")
    return ChurnModelRead(
        id=model.id,
        trained_at=model.trained_at,
        horizon_days=model.horizon_days,
        first_day=model.first_day,
        last_day=model.last_day,
        snapshot_days=model.snapshot_days,
        rows=model.rows,
        accounts=model.accounts,
        churn_events=model.churn_events,
        features=[
            ChurnFeatureRead(label=labels.get(f["key"], f["key"]), **f) for f in model.features
        ],
        intercept=model.intercept,
        held_out=ChurnHeldOut.model_validate(held) if held else None,
        backtest=ChurnBacktest.model_validate(backtest) if backtest else None,
        refused=model.refused,
    )


async def status(
    session: AsyncSession, actor: Actor, *, needs: Requirements = Requirements()
) -> ChurnStatusRead:
    """The live model, the training history and how much history there is to train on."""
    require(actor, Permission.CONFIGURE_PRODUCT)
    repo = ChurnRepository(session, actor.org_id)
    today = await org_today(session, actor.org_id)
    plan = await _plan(repo, today, horizon_days=HORIZON_DAYS, needs=needs)
    labels = _labels(await metrics.org_metrics(session, actor.org_id, today=today))
    runs = await repo.models(limit=HISTORY_RUNS)
    live = next((m for m in runs if m.refused is None), None)
    return ChurnStatusRead(
        live=_read(live, labels) if live else None,
        history=[_read(m, labels) for m in runs],
        requirements=ChurnRequirements(
            horizon_days=HORIZON_DAYS,
            min_snapshot_days=needs.min_snapshot_days,
            min_churn_events=needs.min_churn_events,
        ),
        available=ChurnHistoryAvailable(
            snapshot_days=plan.history.snapshot_days, churn_events=plan.history.churn_events
        ),
        missing=plan.missing,
    )


def request_training(session: AsyncSession, actor: Actor) -> ChurnTrainingQueued:
    """Train now, in the background (also weekly)."""
    require(actor, Permission.CONFIGURE_PRODUCT)
    return ChurnTrainingQueued(job_id=queue_training(session, actor.org_id, clock.now()))


def queue_training(session: AsyncSession, org_id: uuid.UUID, requested_at: datetime) -> str:
    """A training of the organisation after this transaction commits; requests within the
    same minute collapse into one."""
    job_id = f"churn:{org_id}:{requested_at:%Y%m%d%H%M}"
    at = requested_at.replace(second=0, microsecond=0)
    enqueue(session, TRAIN_JOB, job_id=job_id, org_id=str(org_id), requested_at=at.isoformat())
    return job_id


async def organisations(session: AsyncSession) -> list[uuid.UUID]:
    """Every organisation (each trains weekly, or records why it cannot)."""
    return [org_id for org_id, _ in await organisations_with_time_zones(session)]


async def drivers(
    session: AsyncSession, actor: Actor, account_id: uuid.UUID, *, limit: int = 5
) -> ChurnDriversRead:
    """The account's churn probability and the features that contribute most to it."""
    await accounts.check_visible(session, actor, account_id)
    repo = ChurnRepository(session, actor.org_id)
    live = next((m for m in await repo.models(limit=HISTORY_RUNS) if m.refused is None), None)
    scorer = metrics.churn_scorer(live)
    if live is None or scorer is None:
        raise NoChurnModel("Train the churn model first (it needs enough history)")
    catalog = await metrics.org_metrics(session, actor.org_id)
    keys = [f.key for f in scorer.features if f.key in catalog and catalog[f.key].valid]
    values = (
        await metrics.current_values(session, actor, [account_id], [CHURN_PROBABILITY, *keys])
    ).get(account_id, {})
    rows = []
    for f in scorer.features:
        raw = values.get(f.key)
        value = None if raw is None else float(raw)
        standard = 0.0 if value is None else (value - f.mean) / f.scale
        rows.append(
            ChurnDriverRead(
                key=f.key,
                label=catalog[f.key].label if f.key in catalog else f.key,
                value=value,
                mean=f.mean,
                contribution=round(f.coefficient * standard, 4),
            )
        )
    rows.sort(key=lambda d: -abs(d.contribution))
    probability = values.get(CHURN_PROBABILITY)
    return ChurnDriversRead(
        account_id=account_id,
        probability=None if probability is None else float(probability),
        horizon_days=live.horizon_days,
        trained_at=live.trained_at,
        drivers=rows[:limit],
    )
