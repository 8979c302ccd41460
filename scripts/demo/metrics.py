"""Metrics: a computed metric, and the history the nightly metrics runs would have recorded."""

from datetime import datetime, timedelta

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession

from domain.health import service as health
from domain.metrics import service as metrics
from domain.metrics.models import MetricFormat
from domain.metrics.schemas import ComputedMetricCreate
from domain.metrics.trend import TREND_WINDOW_DAYS
from domain.orgs.models import Organisation
from domain.users.actor import Actor


async def mrr_per_seat(session: AsyncSession, actor: Actor) -> None:
    """A computed metric, defined as an admin would in the settings."""
    await metrics.create_computed(
        session,
        actor,
        ComputedMetricCreate(
            key="mrr_per_seat",
            label="MRR per seat",
            format=MetricFormat.CURRENCY,
            formula="mrr / seats",
            description="Monthly recurring revenue for each licensed seat",
        ),
    )


async def metrics_story(session: AsyncSession, org: Organisation, now: datetime) -> None:
    """A month of the nightly metrics runs, as if Tenure had been running: a daily activity
    rank for every account and contact (the 30 points each trend regresses over), a daily
    snapshot (so every metric has a history) and the day's health scores."""
    for days_ago in range(TREND_WINDOW_DAYS - 1, -1, -1):
        at = now - timedelta(days=days_ago)
        await metrics.refresh(session, org.id, now=at)
        await metrics.snapshot(session, org.id, now=at)
        await health.compute(session, org.id, now=at)
        await health.record_day(session, org.id, now=at)
        if days_ago == TREND_WINDOW_DAYS - 1:
            # Statistics once the first day has filled these tables, as after any bulk load (a
            # server may run without autovacuum): planned empty, each day's ranks took twice as
            # long.
            await session.execute(
                text(
                    "ANALYZE account_metric_values, account_activity_ranks,"
                    " contact_activity_ranks, account_health"
                )
            )
