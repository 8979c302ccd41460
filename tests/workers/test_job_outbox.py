"""The job outbox's relay: after a commit, by the worker's sweep, and never a job run twice."""

from collections.abc import AsyncIterator
from datetime import date, timedelta
from typing import Any

import pytest
from redis.asyncio import Redis
from redis.exceptions import ConnectionError as RedisConnectionError
from sqlalchemy import delete, update
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from domain.accounts.models import AttributeTrigger, TriggerTarget
from domain.common import clock, jobs
from domain.common.jobs import OutboundJob
from domain.common.settings import Settings
from domain.emails import service as emails
from domain.metrics import service as metrics_service
from domain.orgs.models import Organisation
from domain.revenue import service as revenue
from domain.revenue.models import Subscription, SubscriptionStatus
from domain.usage import service as usage
from domain.usage.models import UsagePendingDay
from tests.helpers import outbox_jobs, run_burst_worker, unreachable_redis
from workers import queue
from workers.jobs import accounts as account_jobs
from workers.jobs import emails as email_jobs
from workers.jobs import live as live_jobs
from workers.jobs import metrics as metric_jobs
from workers.jobs import outbox
from workers.jobs import revenue as revenue_jobs
from workers.jobs import usage as usage_jobs


@pytest.fixture(autouse=True)
async def only_this_tests_jobs(session: AsyncSession) -> None:
    """The outbox holds this test's jobs alone: tests that commit for real leave theirs (an
    organisation deleted does not take its jobs), which these counts would include. Deleted
    inside this test's transaction only, rolled back with it (the commit ends a savepoint), so a
    rollback in the test does not bring them back."""
    await session.execute(delete(OutboundJob))
    await session.commit()


@pytest.fixture
async def redis_down() -> AsyncIterator[queue.ArqRedis]:
    down = unreachable_redis()
    yield down
    await down.aclose()


async def forget_relays(session: AsyncSession, name: str) -> None:
    """As if the marks of earlier relays were lost: the rows are relayed again."""
    await session.execute(
        update(OutboundJob).where(OutboundJob.name == name).values(relayed_at=None)
    )
    await session.commit()


class TestRelay:
    async def test_a_job_without_a_job_id_runs_once_however_often_it_is_relayed(
        self,
        session: AsyncSession,
        sessionmaker: async_sessionmaker[AsyncSession],
        redis: Redis,
        settings: Settings,
        org: Organisation,
    ) -> None:
        jobs.enqueue(session, revenue.RECOMPUTE_ORG_JOB, org_id=str(org.id))
        await session.commit()
        await queue.relay_committed(redis, session)
        [row] = await outbox_jobs(session, revenue.RECOMPUTE_ORG_JOB)
        await forget_relays(session, revenue.RECOMPUTE_ORG_JOB)
        assert await queue.relay_outbox(redis, session) == 1

        # Both relays sent it under the row's id: one job in the queue.
        [queued] = await redis.queued_jobs()  # type: ignore[attr-defined]  # ArqRedis
        assert (queued.function, queued.job_id) == (revenue.RECOMPUTE_ORG_JOB, f"outbox:{row.id}")
        worker = await run_burst_worker(settings, sessionmaker)
        assert (worker.jobs_complete, worker.jobs_failed) == (1, 0)

        # Relayed once more after it ran: the queue keeps its result, so it does not run again.
        await forget_relays(session, revenue.RECOMPUTE_ORG_JOB)
        assert await queue.relay_outbox(redis, session) == 1
        again = await run_burst_worker(settings, sessionmaker)
        assert again.jobs_complete == 0

    async def test_a_relay_that_finds_redis_down_keeps_the_rows_to_relay(
        self,
        session: AsyncSession,
        redis: Redis,
        redis_down: queue.ArqRedis,
        org: Organisation,
    ) -> None:
        jobs.enqueue(session, revenue.RECOMPUTE_ORG_JOB, org_id=str(org.id))
        await session.commit()

        # After a commit: logged, not raised (the write has committed).
        await queue.relay_committed(redis_down, session)
        [row] = await outbox_jobs(session, revenue.RECOMPUTE_ORG_JOB)
        assert row.relayed_at is None
        # The sweep fails loudly and keeps them too.
        with pytest.raises(RedisConnectionError):
            await queue.relay_outbox(redis_down, session)
        [row] = await outbox_jobs(session, revenue.RECOMPUTE_ORG_JOB)
        assert row.relayed_at is None

        assert await queue.relay_outbox(redis, session) == 1
        [queued] = await redis.queued_jobs()  # type: ignore[attr-defined]  # ArqRedis
        assert queued.kwargs == {"org_id": str(org.id)}
        [row] = await outbox_jobs(session, revenue.RECOMPUTE_ORG_JOB)
        assert row.relayed_at is not None

    async def test_a_rolled_back_transaction_leaves_no_row(
        self, session: AsyncSession, redis: Redis, org: Organisation
    ) -> None:
        jobs.enqueue(session, revenue.RECOMPUTE_ORG_JOB, org_id=str(org.id))
        await session.rollback()
        queue.discard(session)

        assert await outbox_jobs(session, revenue.RECOMPUTE_ORG_JOB) == []
        assert await queue.relay_outbox(redis, session) == 0


class TestSchedulers:
    async def test_the_schedulers_write_their_jobs_to_the_outbox_while_redis_is_down(
        self,
        session: AsyncSession,
        redis: Redis,
        redis_down: queue.ArqRedis,
        org: Organisation,
        job_ctx: dict[str, Any],
    ) -> None:
        # Something for each of the five to schedule in this organisation.
        session.add_all(
            [
                AttributeTrigger(
                    org_id=org.id,
                    name="Churn the silent",
                    target=TriggerTarget.CHURNED,
                    churn_reason="Silent",
                    condition={},
                ),
                Subscription(
                    org_id=org.id,
                    external_id="sub-1",
                    account_external_id="acme",
                    status=SubscriptionStatus.ACTIVE,
                    currency="EUR",
                    starts_on=date(2026, 1, 1),
                ),
                UsagePendingDay(org_id=org.id, day=date(2026, 12, 1)),
            ]
        )
        email = await emails.queue_email(
            session, org_id=org.id, to="csm@example.com", subject="S", text="T"
        )
        await session.commit()
        jobs.discard_written(session)  # the email's own job waits in the outbox too
        down = {**job_ctx, "redis": redis_down}
        schedulers = {
            "accounts.run_attribute_triggers": account_jobs.schedule_attribute_triggers,
            "emails.deliver": email_jobs.sweep_outbox,
            metrics_service.REFRESH_JOB: metric_jobs.schedule_refresh,
            revenue.RECOMPUTE_ORG_JOB: revenue_jobs.schedule_daily_recompute,
            usage.ROLL_UP_JOB: usage_jobs.schedule_rollups,
        }

        before = {r.id for name in schedulers for r in await outbox_jobs(session, name)}
        ours = {str(org.id), str(email.id)}

        for scheduler in schedulers.values():
            assert await scheduler(down) >= 1

        expected: dict[str, str] = {}
        for name in schedulers:
            [row] = [
                r
                for r in await outbox_jobs(session, name)
                if r.id not in before and ours & {r.kwargs.get("org_id"), r.kwargs.get("email_id")}
            ]
            assert row.relayed_at is None, name
            expected[name] = row.job_id or f"outbox:{row.id}"
        # Redis is back: the sweep sends them.
        await outbox.sweep_outbox(job_ctx)
        queued = await redis.queued_jobs()  # type: ignore[attr-defined]  # ArqRedis
        assert {(j.function, j.job_id) for j in queued} >= set(expected.items())


class TestPrune:
    async def test_forgets_rows_relayed_over_a_week_ago(
        self, session: AsyncSession, redis: Redis, org: Organisation
    ) -> None:
        for n in range(3):
            jobs.enqueue(session, "test.pruned", job_id=f"pruned:{n}")
        await session.commit()
        await queue.relay_committed(redis, session)
        old, recent, waiting = await outbox_jobs(session, "test.pruned")
        now = clock.now()
        await session.execute(
            update(OutboundJob)
            .where(OutboundJob.id == old.id)
            .values(relayed_at=now - jobs.RELAYED_RETENTION - timedelta(minutes=1))
        )
        await session.execute(
            update(OutboundJob).where(OutboundJob.id == waiting.id).values(relayed_at=None)
        )

        assert await jobs.prune_relayed(session, now=now) == 1

        assert [r.id for r in await outbox_jobs(session, "test.pruned")] == [recent.id, waiting.id]


class TestGivenUp:
    async def test_a_live_run_whose_worker_died_keeps_no_result_so_its_id_runs_again(
        self,
        sessionmaker: async_sessionmaker[AsyncSession],
        redis: Redis,
        settings: Settings,
        org: Organisation,
    ) -> None:
        job_id = f"live:{org.id}:0"
        # Its one try was spent by a worker that died: the next worker gives it up.
        given_up = await redis.enqueue_job(  # type: ignore[attr-defined]  # ArqRedis
            live_jobs.RUN_JOB, _job_id=job_id, _job_try=2, org_id=str(org.id)
        )
        assert given_up is not None
        worker = await run_burst_worker(settings, sessionmaker)
        assert (worker.jobs_complete, worker.jobs_failed) == (0, 1)

        # arq would keep its failure for an hour and refuse the id meanwhile.
        assert await redis.exists(f"arq:result:{job_id}") == 0
        again = await redis.enqueue_job(  # type: ignore[attr-defined]  # ArqRedis
            live_jobs.RUN_JOB, _job_id=job_id, org_id=str(org.id)
        )
        assert again is not None
        ran = await run_burst_worker(settings, sessionmaker)
        assert (ran.jobs_complete, ran.jobs_failed) == (1, 0)

    async def test_a_job_that_keeps_its_result_still_keeps_it_when_given_up(
        self,
        sessionmaker: async_sessionmaker[AsyncSession],
        redis: Redis,
        settings: Settings,
        org: Organisation,
    ) -> None:
        job_id = f"outbox:{org.id}"
        await redis.enqueue_job(  # type: ignore[attr-defined]  # ArqRedis
            revenue.RECOMPUTE_ORG_JOB, _job_id=job_id, _job_try=99, org_id=str(org.id)
        )
        worker = await run_burst_worker(settings, sessionmaker)
        assert worker.jobs_failed == 1
        # Its id stays taken, as the outbox's exactly-once relay counts on.
        assert await redis.exists(f"arq:result:{job_id}") == 1
        assert (
            await redis.enqueue_job(  # type: ignore[attr-defined]  # ArqRedis
                revenue.RECOMPUTE_ORG_JOB, _job_id=job_id, org_id=str(org.id)
            )
            is None
        )
