"""Transactional email through the outbox: written with the change, delivered by a job."""

import uuid
from dataclasses import dataclass
from email.message import EmailMessage
from enum import StrEnum

import aiosmtplib
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from domain.common import clock, jobs
from domain.emails.models import OutboundEmail, OutboxStatus

MAX_ATTEMPTS = 5


@dataclass(frozen=True)
class SmtpConfig:
    host: str
    port: int
    from_address: str
    username: str | None = None
    password: str | None = None
    starttls: bool = False


def header_value(text: str) -> str:
    """`text` made safe for one email header: control characters (a CR or LF would start a
    new header, and the email library refuses them) become spaces."""
    return " ".join("".join(" " if ord(c) < 32 or ord(c) == 127 else c for c in text).split())


async def queue_email(
    session: AsyncSession,
    *,
    org_id: uuid.UUID,
    to: str,
    subject: str,
    text: str,
    html: str | None = None,
) -> OutboundEmail:
    email = OutboundEmail(
        id=uuid.uuid4(),
        org_id=org_id,
        to_address=header_value(to),
        subject=header_value(subject),
        text_body=text,
        html_body=html,
    )
    session.add(email)
    await session.flush()
    jobs.enqueue(session, "emails.deliver", job_id=f"email:{email.id}", email_id=str(email.id))
    return email


def build_message(email: OutboundEmail, smtp: SmtpConfig) -> EmailMessage:
    msg = EmailMessage()
    msg["From"] = header_value(smtp.from_address)
    msg["To"] = header_value(email.to_address)
    msg["Subject"] = header_value(email.subject)
    # A stable Message-ID lets receivers discard a duplicate if a retried job resends.
    # (make_msgid would add a timestamp and randomness, a new id on every attempt.)
    msg["Message-ID"] = f"<{email.id}@tenure>"
    msg.set_content(email.text_body)
    if email.html_body:
        msg.add_alternative(email.html_body, subtype="html")
    return msg


class Delivery(StrEnum):
    SENT = "sent"
    NOTHING_TO_DO = "nothing_to_do"
    RETRY = "retry"
    FAILED = "failed"


async def deliver(session: AsyncSession, *, email_id: uuid.UUID, smtp: SmtpConfig) -> Delivery:
    """Send one outbox email. Idempotent: an email already sent (or being sent) is left alone.

    On an SMTP failure the attempt is recorded and RETRY returned, so the caller commits the
    attempt and retries later; after MAX_ATTEMPTS the email is marked failed.
    """
    email = await session.scalar(
        select(OutboundEmail).where(OutboundEmail.id == email_id).with_for_update(skip_locked=True)
    )
    if email is None or email.status != OutboxStatus.PENDING:
        return Delivery.NOTHING_TO_DO
    email.attempts += 1
    try:
        await aiosmtplib.send(
            build_message(email, smtp),
            hostname=smtp.host,
            port=smtp.port,
            username=smtp.username,
            password=smtp.password,
            start_tls=smtp.starttls,
            timeout=30,
        )
    except (aiosmtplib.SMTPException, OSError) as exc:
        email.last_error = str(exc)[:2000] or type(exc).__name__
        if email.attempts >= MAX_ATTEMPTS:
            email.status = OutboxStatus.FAILED
            return Delivery.FAILED
        return Delivery.RETRY
    email.status = OutboxStatus.SENT
    email.sent_at = clock.now()
    return Delivery.SENT


async def pending_email_ids(session: AsyncSession) -> list[uuid.UUID]:
    """Outbox rows still waiting, for the sweep that re-enqueues anything a crash left behind."""
    rows = await session.scalars(
        select(OutboundEmail.id).where(OutboundEmail.status == OutboxStatus.PENDING).limit(1000)
    )
    return list(rows)
