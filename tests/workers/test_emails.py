"""Email delivery through the outbox: a real arq worker, a real Redis and a real SMTP server."""

import time
import uuid
from datetime import timedelta
from email.message import EmailMessage
from typing import Any

import pytest
from arq.worker import Worker
from fastapi import FastAPI
from httpx import AsyncClient
from redis.asyncio import Redis
from sqlalchemy import update
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from api.deps import Session
from domain.common import clock
from domain.common.errors import Conflict
from domain.common.settings import Settings
from domain.emails import service as emails
from domain.emails.models import OutboundEmail, OutboxStatus
from domain.emails.service import SmtpConfig
from domain.orgs.models import Organisation
from domain.users.models import User
from scripts.stack import free_port
from tests.helpers import Inbox, emails_to, outbox_count
from workers import queue
from workers.jobs import emails as email_jobs


@pytest.fixture
def closed_smtp() -> SmtpConfig:
    # Nothing listens here: every delivery attempt is refused.
    return SmtpConfig(host="127.0.0.1", port=free_port(), from_address="no-reply@tenure.test")


async def _run_worker(
    settings: Settings,
    sessionmaker: async_sessionmaker[AsyncSession],
    smtp: SmtpConfig,
    **options: Any,
) -> Any:
    """Run a real burst worker until the queue is empty (or `max_burst_jobs` have started)."""
    worker = Worker(
        functions=queue.worker_functions(),
        redis_settings=queue.redis_settings(settings.redis_url),
        burst=True,
        handle_signals=False,
        poll_delay=0.01,
        ctx={"sessionmaker": sessionmaker, "smtp": smtp},
        **options,
    )
    try:
        await worker.main()
    finally:
        await worker.close()
    return worker


async def _queue_and_commit(
    session: AsyncSession, redis: Redis, org: Organisation, **fields: Any
) -> OutboundEmail:
    email = await emails.queue_email(
        session,
        org_id=org.id,
        to=fields.get("to", "csm@example.com"),
        subject=fields.get("subject", "Your weekly digest"),
        text=fields.get("text", "Three accounts need you this week.\n"),
        html=fields.get("html"),
    )
    await session.commit()
    await queue.relay_committed(redis, session)
    return email


async def _reload(session: AsyncSession, email_id: uuid.UUID) -> OutboundEmail:
    return await session.get_one(OutboundEmail, email_id, populate_existing=True)


class TestDeliver:
    async def test_a_real_worker_sends_the_email_and_marks_it_sent(
        self,
        session: AsyncSession,
        sessionmaker: async_sessionmaker[AsyncSession],
        redis: Redis,
        settings: Settings,
        org: Organisation,
        smtp_server: tuple[Inbox, SmtpConfig],
    ) -> None:
        inbox, smtp = smtp_server
        email = await _queue_and_commit(
            session, redis, org, to="ada@example.com", html="<p>Three accounts</p>"
        )

        worker = await _run_worker(settings, sessionmaker, smtp)

        assert worker.jobs_complete == 1 and worker.jobs_failed == 0
        [message] = inbox.messages
        assert inbox.recipients == [["ada@example.com"]]
        assert message["To"] == "ada@example.com"
        assert message["From"] == "Tenure <no-reply@tenure.test>"
        assert message["Subject"] == "Your weekly digest"
        assert str(email.id) in message["Message-ID"]
        plain = message.get_body(preferencelist=("plain",))
        html = message.get_body(preferencelist=("html",))
        assert plain is not None
        assert plain.get_content().replace("\r\n", "\n") == "Three accounts need you this week.\n"
        assert html is not None and "<p>Three accounts</p>" in html.get_content()
        sent = await _reload(session, email.id)
        assert (sent.status, sent.attempts) == (OutboxStatus.SENT, 1)
        assert sent.sent_at is not None and sent.last_error is None

    async def test_running_the_job_again_sends_nothing(
        self,
        session: AsyncSession,
        sessionmaker: async_sessionmaker[AsyncSession],
        redis: Redis,
        settings: Settings,
        org: Organisation,
        smtp_server: tuple[Inbox, SmtpConfig],
    ) -> None:
        inbox, smtp = smtp_server
        email = await _queue_and_commit(session, redis, org)
        await _run_worker(settings, sessionmaker, smtp)

        # A retry after a crash arrives under a new job id; the outbox row stops it.
        await redis.enqueue_job("emails.deliver", email_id=str(email.id), _job_id="again")
        worker = await _run_worker(settings, sessionmaker, smtp)

        assert worker.jobs_complete == 1
        assert len(inbox.messages) == 1
        assert (await _reload(session, email.id)).attempts == 1

    async def test_the_same_email_is_queued_once(
        self, session: AsyncSession, redis: Redis, org: Organisation
    ) -> None:
        email = await _queue_and_commit(session, redis, org)

        # A second enqueue under the deterministic job id collapses into the first.
        await redis.enqueue_job(
            "emails.deliver", email_id=str(email.id), _job_id=f"email:{email.id}"
        )

        assert [j.job_id for j in await redis.queued_jobs()] == [f"email:{email.id}"]

    async def test_a_failing_server_records_the_attempt_and_retries(
        self,
        session: AsyncSession,
        sessionmaker: async_sessionmaker[AsyncSession],
        redis: Redis,
        settings: Settings,
        org: Organisation,
        closed_smtp: SmtpConfig,
    ) -> None:
        email = await _queue_and_commit(session, redis, org)

        worker = await _run_worker(settings, sessionmaker, closed_smtp, max_burst_jobs=1)

        assert worker.jobs_retried == 1
        failed = await _reload(session, email.id)
        assert (failed.status, failed.attempts) == (OutboxStatus.PENDING, 1)
        assert failed.last_error
        [retry] = await redis.queued_jobs()
        assert (retry.job_id, retry.function) == (f"email:{email.id}", "emails.deliver")
        # Backed off 10 s after the first attempt, not retried at once.
        assert retry.score and retry.score > (time.time() + 5) * 1000

    async def test_gives_up_after_max_attempts(
        self,
        session: AsyncSession,
        redis: Redis,
        org: Organisation,
        job_ctx: dict[str, Any],
        closed_smtp: SmtpConfig,
    ) -> None:
        email = await _queue_and_commit(session, redis, org)
        ctx = {**job_ctx, "smtp": closed_smtp}

        for attempt in range(1, emails.MAX_ATTEMPTS):
            with pytest.raises(queue.RetryLater):
                await email_jobs.deliver({**ctx, "job_try": attempt}, str(email.id))
            assert (await _reload(session, email.id)).attempts == attempt
        outcome = await email_jobs.deliver({**ctx, "job_try": emails.MAX_ATTEMPTS}, str(email.id))

        assert outcome == "failed"
        failed = await _reload(session, email.id)
        assert (failed.status, failed.attempts) == (OutboxStatus.FAILED, emails.MAX_ATTEMPTS)
        # A failed email is left alone from then on.
        assert await email_jobs.deliver(ctx, str(email.id)) == "nothing_to_do"

    async def test_an_unknown_email_is_nothing_to_do(
        self, job_ctx: dict[str, Any], closed_smtp: SmtpConfig
    ) -> None:
        outcome = await email_jobs.deliver({**job_ctx, "smtp": closed_smtp}, str(uuid.uuid4()))

        assert outcome == "nothing_to_do"


class TestCrashBetweenSendAndMark:
    """A run that dies after the SMTP server accepted the message but before the email is
    marked sent: the email stays claimed ("sending"), committed before the send."""

    @pytest.fixture
    def crash_after_send(self, monkeypatch: pytest.MonkeyPatch) -> None:
        real_send = emails.send

        async def send_then_die(message: EmailMessage, smtp: SmtpConfig) -> str | None:
            error = await real_send(message, smtp)
            assert error is None
            raise WorkerDied()

        monkeypatch.setattr(emails, "send", send_then_die)

    async def test_a_recent_claim_is_not_resent_a_stale_one_is_with_the_same_message_id(
        self,
        session: AsyncSession,
        redis: Redis,
        org: Organisation,
        job_ctx: dict[str, Any],
        smtp_server: tuple[Inbox, SmtpConfig],
        monkeypatch: pytest.MonkeyPatch,
        crash_after_send: None,
    ) -> None:
        inbox, smtp = smtp_server
        ctx = {**job_ctx, "smtp": smtp}
        email = await _queue_and_commit(session, redis, org)

        with pytest.raises(WorkerDied):
            await email_jobs.deliver(ctx, str(email.id))
        monkeypatch.undo()

        [first] = inbox.messages
        claimed = await _reload(session, email.id)
        assert (claimed.status, claimed.attempts) == (OutboxStatus.SENDING, 1)
        assert claimed.claimed_at is not None and claimed.sent_at is None

        # The retry comes while the claim is recent: it sends nothing and looks again later.
        with pytest.raises(queue.RetryLater):
            await email_jobs.deliver({**ctx, "job_try": 2}, str(email.id))
        assert len(inbox.messages) == 1
        assert (await _reload(session, email.id)).status == OutboxStatus.SENDING

        # Once the claim is stale, the run that made it is taken for dead: it may have sent,
        # so the email goes again, under the same Message-ID, and is marked sent.
        await _age_claim(session, email.id)
        assert await email_jobs.deliver({**ctx, "job_try": 3}, str(email.id)) == "sent"

        [_, second] = inbox.messages
        assert second["Message-ID"] == first["Message-ID"] == f"<{email.id}@tenure.test>"
        sent = await _reload(session, email.id)
        assert (sent.status, sent.attempts) == (OutboxStatus.SENT, 2)
        assert sent.sent_at is not None
        # From then on nothing sends it again.
        assert await email_jobs.deliver(ctx, str(email.id)) == "nothing_to_do"
        assert len(inbox.messages) == 2


class WorkerDied(Exception):
    """Stands for the worker process dying after the SMTP send."""


async def _age_claim(session: AsyncSession, email_id: uuid.UUID) -> None:
    """Let time pass: the email's claim becomes older than CLAIM_TIMEOUT."""
    await session.execute(
        update(OutboundEmail)
        .where(OutboundEmail.id == email_id)
        .values(claimed_at=OutboundEmail.claimed_at - emails.CLAIM_TIMEOUT - timedelta(seconds=1))
    )
    await session.commit()


class TestSweepOutbox:
    async def test_re_enqueues_pending_emails_and_stale_claims(
        self,
        session: AsyncSession,
        redis: Redis,
        org: Organisation,
        job_ctx: dict[str, Any],
    ) -> None:
        def write(to: str) -> Any:
            return emails.queue_email(session, org_id=org.id, to=to, subject="S", text="T")

        pending = await write("a@example.com")
        sent = await write("b@example.com")
        sent.status = OutboxStatus.SENT
        claimed_now = await write("c@example.com")
        claimed_long_ago = await write("d@example.com")
        for email in (claimed_now, claimed_long_ago):
            email.status = OutboxStatus.SENDING
            email.claimed_at = clock.now()
        await session.commit()
        await queue.relay_committed(redis, session)
        await _age_claim(session, claimed_long_ago.id)
        # Redis lost the queued jobs (say it restarted without persistence).
        await redis.flushdb()

        count = await email_jobs.sweep_outbox(job_ctx)

        assert count == 2
        jobs = await redis.queued_jobs()
        assert sorted((j.job_id, j.kwargs["email_id"]) for j in jobs) == sorted(
            (f"email:{e.id}", str(e.id)) for e in (pending, claimed_long_ago)
        )


class TestEnqueuedOnlyAfterCommit:
    async def test_a_password_reset_queues_one_job(
        self, client: AsyncClient, redis: Redis, admin: User
    ) -> None:
        response = await client.post("/api/v1/auth/password-reset", json={"email": admin.email})

        assert response.status_code == 202
        # The job looks the address up and writes the email (see tests/api/test_auth.py).
        [job] = await redis.queued_jobs()
        assert (job.function, job.kwargs) == ("users.send_password_reset", {"email": admin.email})

    async def test_a_refused_request_queues_nothing(
        self, client: AsyncClient, redis: Redis
    ) -> None:
        response = await client.post(
            "/api/v1/auth/password-reset/confirm",
            json={"token": "x" * 40, "new_password": "y" * 12},
        )

        assert response.status_code == 409
        assert await redis.queued_jobs() == []

    async def test_an_error_after_queueing_drops_the_email_and_its_job(
        self,
        app: FastAPI,
        client: AsyncClient,
        session: AsyncSession,
        redis: Redis,
        org: Organisation,
    ) -> None:
        # A route that writes an email and then fails, to prove the session dependency's
        # contract: roll back, and send no job for the row that never existed.
        class Refused(Conflict):
            code = "refused"

        async def queue_then_fail(session: Session) -> None:
            await emails.queue_email(
                session, org_id=org.id, to="ghost@example.com", subject="S", text="T"
            )
            raise Refused()

        app.add_api_route("/test/queue-then-fail", queue_then_fail, methods=["POST"])
        before = await outbox_count(session)
        try:
            response = await client.post("/test/queue-then-fail")
        finally:
            app.router.routes.pop()

        assert response.status_code == 409
        assert await outbox_count(session) == before
        assert await redis.queued_jobs() == []

    async def test_an_error_that_keeps_its_changes_sends_its_jobs(
        self,
        app: FastAPI,
        client: AsyncClient,
        session: AsyncSession,
        redis: Redis,
        org: Organisation,
    ) -> None:
        class RefusedButKept(Conflict):
            code = "refused_but_kept"
            keeps_changes = True

        async def queue_then_fail(session: Session) -> None:
            await emails.queue_email(
                session, org_id=org.id, to="kept@example.com", subject="S", text="T"
            )
            raise RefusedButKept()

        app.add_api_route("/test/queue-then-fail", queue_then_fail, methods=["POST"])
        try:
            response = await client.post("/test/queue-then-fail")
        finally:
            app.router.routes.pop()

        assert response.status_code == 409
        [email] = await emails_to(session, "kept@example.com")
        assert [j.job_id for j in await redis.queued_jobs()] == [f"email:{email.id}"]
        assert email.status == OutboxStatus.PENDING
