"""Assertions and readers the API and worker tests share."""

import re
from email import message_from_bytes, policy
from email.message import EmailMessage
from typing import Any

from arq.worker import Worker
from httpx import Response
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from domain.common.jobs import OutboundJob
from domain.common.settings import Settings
from domain.emails.models import OutboundEmail
from scripts.stack import free_port
from workers import queue

PROBLEM_JSON = "application/problem+json"


class Inbox:
    """An aiosmtpd handler that keeps every message it accepts (the `smtp_server` fixture)."""

    def __init__(self) -> None:
        self.messages: list[EmailMessage] = []
        self.recipients: list[list[str]] = []

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        message = message_from_bytes(envelope.content, policy=policy.default)
        assert isinstance(message, EmailMessage)
        self.messages.append(message)
        self.recipients.append(list(envelope.rcpt_tos))
        return "250 Message accepted"


def assert_problem(response: Response, status: int, code: str | None = None) -> dict[str, Any]:
    """An RFC 9457 problem with this status (and code); returns the body."""
    assert response.status_code == status, response.text
    assert response.headers["content-type"] == PROBLEM_JSON
    body: dict[str, Any] = response.json()
    assert body["status"] == status
    assert body["title"] and body["detail"] and body["code"]
    if code is not None:
        assert body["code"] == code, body
    return body


async def emails_to(session: AsyncSession, address: str) -> list[OutboundEmail]:
    """The outbox rows addressed to `address`, freshly read (the app writes them in its own
    sessions)."""
    rows = await session.scalars(
        select(OutboundEmail)
        .where(func.lower(OutboundEmail.to_address) == address.lower())
        .execution_options(populate_existing=True)
    )
    return list(rows)


async def outbox_count(session: AsyncSession) -> int:
    return await session.scalar(select(func.count()).select_from(OutboundEmail)) or 0


def link_token(email: OutboundEmail, path: str) -> str:
    """The token of the `<public_url><path>?token=...` link in an email's text."""
    match = re.search(
        rf"http://tenure\.test{re.escape(path)}\?token=([A-Za-z0-9_-]+)", email.text_body
    )
    assert match, f"no {path} link in: {email.text_body}"
    return match.group(1)


async def only_link_token(session: AsyncSession, address: str, path: str) -> str:
    """The link token of the one email sent to `address`."""
    sent = await emails_to(session, address)
    assert len(sent) == 1, [e.subject for e in sent]
    return link_token(sent[0], path)


def unreachable_redis() -> queue.ArqRedis:
    """A queue client whose Redis is down: nothing listens on its port, so every command fails
    (the pool is made without the ping `queue.connect` does)."""
    return queue.ArqRedis(host="127.0.0.1", port=free_port(), socket_connect_timeout=1)


async def run_burst_worker(
    settings: Settings,
    sessionmaker: async_sessionmaker[AsyncSession],
    extra_ctx: dict[str, Any] | None = None,
    **options: Any,
) -> Worker:
    """A real arq worker in burst mode: runs until its queue is empty, then returns."""
    # Late: WorkerSettings reads the environment's settings when it is defined.
    from workers.settings import WorkerSettings

    # One job at a time: the test's sessions share one connection, and two jobs at once would
    # interleave their savepoints (a sweep's release then finds its savepoint gone, seen in CI).
    options.setdefault("max_jobs", 1)
    worker = queue.QueueWorker(
        functions=WorkerSettings.functions,
        redis_settings=queue.redis_settings(settings.redis_url),
        burst=True,
        handle_signals=False,
        poll_delay=0.01,
        ctx={"sessionmaker": sessionmaker, **(extra_ctx or {})},
        **options,
    )
    try:
        await worker.main()
    finally:
        await worker.close()
    return worker


async def outbox_jobs(session: AsyncSession, name: str) -> list[OutboundJob]:
    """The job outbox rows of job `name`, freshly read."""
    rows = await session.scalars(
        select(OutboundJob)
        .where(OutboundJob.name == name)
        .order_by(OutboundJob.created_at)
        .execution_options(populate_existing=True)
    )
    return list(rows)
