"""Jobs are written to the outbox with the request's change and relayed after its commit: a
Redis outage delays them and never loses them, nor turns a committed write into an error."""

import copy
from collections.abc import AsyncIterator
from datetime import UTC, datetime
from typing import Any

import pytest
from fastapi import FastAPI
from httpx import AsyncClient
from redis.asyncio import Redis
from sqlalchemy import update
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from api.deps import Session
from domain.common import jobs
from domain.common.errors import Conflict
from domain.common.jobs import OutboundJob
from domain.common.settings import Settings
from domain.users.models import User
from tests.factories import auth_headers
from tests.helpers import outbox_jobs, run_burst_worker, unreachable_redis
from workers.jobs import outbox

API = "/api/v1"
CSV = "Id,Company\nacme,Acme\nglobex,Globex\n"


@pytest.fixture
async def redis_down(app: FastAPI) -> AsyncIterator[None]:
    """The API's Redis is down for the test (the app fixture restores it for the next test)."""
    down = unreachable_redis()
    app.state.redis = down
    yield
    await down.aclose()


async def upload_import(client: AsyncClient, headers: dict[str, str]) -> Any:
    return await client.post(
        f"{API}/account-imports",
        headers=headers,
        files={"file": ("accounts.csv", CSV.encode(), "text/csv")},
        data={"mapping": '{"Id": "external_id", "Company": "name"}', "dry_run": "false"},
    )


async def forget_relay(session: AsyncSession, row: OutboundJob) -> None:
    """As if the mark of a relay was lost: the row is relayed again."""
    await session.execute(
        update(OutboundJob).where(OutboundJob.id == row.id).values(relayed_at=None)
    )
    await session.commit()


class TestRedisDown:
    async def test_a_write_answers_2xx_and_its_job_runs_once_redis_is_back(
        self,
        client: AsyncClient,
        session: AsyncSession,
        sessionmaker: async_sessionmaker[AsyncSession],
        redis: Redis,
        settings: Settings,
        admin: User,
        redis_down: None,
        job_ctx: dict[str, Any],
    ) -> None:
        headers = auth_headers(settings, admin)

        response = await upload_import(client, headers)

        assert response.status_code == 202, response.text
        import_id = response.json()["id"]
        [row] = await outbox_jobs(session, "accounts.run_import")
        assert (row.job_id, row.kwargs, row.relayed_at) == (
            f"import:{import_id}",
            {"import_id": import_id},
            None,
        )
        assert await redis.queued_jobs() == []  # type: ignore[attr-defined]  # ArqRedis

        # Redis is back: a worker starting up relays the outbox (its startup sweep) and runs
        # the import.
        from workers.settings import WorkerSettings  # late: it reads the environment

        [sweep] = [c for c in WorkerSettings.cron_jobs if c.name == "jobs.sweep_outbox"]
        assert sweep.run_at_startup
        # Its run at startup only: a minute starting while the worker runs would sweep again
        # and count a third job (seen once in CI).
        at_startup = copy.copy(sweep)
        at_startup.month = {(datetime.now(UTC).month + 1) % 12 + 1}  # two months away
        worker = await run_burst_worker(settings, sessionmaker, cron_jobs=[at_startup])

        assert (worker.jobs_complete, worker.jobs_failed) == (2, 0)
        done = (await client.get(f"{API}/account-imports/{import_id}", headers=headers)).json()
        assert (done["status"], done["created_count"]) == ("succeeded", 2)
        [row] = await outbox_jobs(session, "accounts.run_import")
        assert row.relayed_at is not None

        # Relayed again (its mark lost): the queue still knows the job id, nothing runs twice.
        await forget_relay(session, row)
        assert await outbox.sweep_outbox(job_ctx) == 1
        assert await redis.queued_jobs() == []  # type: ignore[attr-defined]  # ArqRedis
        again = await run_burst_worker(settings, sessionmaker)
        assert again.jobs_complete == 0


class TestRolledBack:
    async def test_a_failed_request_leaves_no_outbox_row_and_queues_nothing(
        self, app: FastAPI, client: AsyncClient, session: AsyncSession, redis: Redis
    ) -> None:
        class Refused(Conflict):
            code = "refused"

        async def enqueue_then_fail(session: Session) -> None:
            jobs.enqueue(session, "test.never", job_id="never")
            raise Refused()

        app.add_api_route("/test/enqueue-then-fail", enqueue_then_fail, methods=["POST"])
        try:
            response = await client.post("/test/enqueue-then-fail")
        finally:
            app.router.routes.pop()

        assert response.status_code == 409
        assert await outbox_jobs(session, "test.never") == []
        assert await redis.queued_jobs() == []  # type: ignore[attr-defined]  # ArqRedis

    async def test_a_committed_request_relays_its_row_at_once(
        self, app: FastAPI, client: AsyncClient, session: AsyncSession, redis: Redis
    ) -> None:
        async def enqueue(session: Session) -> None:
            jobs.enqueue(session, "test.later", job_id="later", n=1)

        app.add_api_route("/test/enqueue", enqueue, methods=["POST"])
        try:
            response = await client.post("/test/enqueue")
        finally:
            app.router.routes.pop()

        assert response.status_code == 200
        [row] = await outbox_jobs(session, "test.later")
        assert row.relayed_at is not None
        [job] = await redis.queued_jobs()  # type: ignore[attr-defined]  # ArqRedis
        assert (job.function, job.job_id, job.kwargs) == ("test.later", "later", {"n": 1})
