"""The churn training job run by a real worker: the model it stores scores accounts at once,
and the weekly schedule asks for one training per organisation."""

from typing import Any

from redis.asyncio import Redis
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from domain.churn import service as churn
from domain.churn.models import ChurnModel
from domain.common.jobs import OutboundJob
from domain.common.settings import Settings
from domain.metrics import service as metrics
from domain.metrics.catalog import CHURN_PROBABILITY
from domain.orgs.models import Organisation
from tests.churn_factories import NOW, churn_history
from tests.helpers import run_burst_worker
from workers import queue
from workers.jobs import churn as churn_jobs


async def test_a_real_worker_trains_the_model(
    session: AsyncSession,
    sessionmaker: async_sessionmaker[AsyncSession],
    redis: Redis,
    settings: Settings,
    org: Organisation,
) -> None:
    await churn_history(session, org)
    churn.queue_training(session, org.id, NOW)
    await session.commit()
    await queue.relay_committed(redis, session)

    worker = await run_burst_worker(settings, sessionmaker, max_burst_jobs=1)

    assert worker.jobs_complete == 1 and worker.jobs_failed == 0
    [run] = await session.scalars(
        select(ChurnModel)
        .where(ChurnModel.org_id == org.id)
        .execution_options(populate_existing=True)
    )
    assert run.refused is None and run.trained_at == NOW
    assert run.evaluation is not None and run.evaluation["held_out"]["auc"] > 0.95
    catalog = await metrics.org_metrics(session, org.id)
    assert catalog[CHURN_PROBABILITY].stored is True


async def test_the_same_request_run_twice_trains_once(
    session: AsyncSession, org: Organisation, job_ctx: dict[str, Any]
) -> None:
    await churn_history(session, org, days=20, churners=2)
    first = await churn_jobs.train_org(job_ctx, str(org.id), NOW.isoformat())
    again = await churn_jobs.train_org(job_ctx, str(org.id), NOW.isoformat())

    assert first == again
    assert first["trained"] is False and "(has 20)" in first["refused"]
    runs = await session.scalars(select(ChurnModel).where(ChurnModel.org_id == org.id))
    assert len(list(runs)) == 1


async def test_the_weekly_schedule_asks_each_organisation_to_train(
    session: AsyncSession, org: Organisation, other_org: Organisation, job_ctx: dict[str, Any]
) -> None:
    assert await churn_jobs.schedule_training(job_ctx) >= 2
    jobs = await session.scalars(select(OutboundJob).where(OutboundJob.name == churn.TRAIN_JOB))
    ids = {j.job_id for j in jobs}
    assert any(i and i.startswith(f"churn:{org.id}:") for i in ids)
    assert any(i and i.startswith(f"churn:{other_org.id}:") for i in ids)
