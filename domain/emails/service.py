"""Transactional email through the outbox: written with the change, delivered by a job."""

import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta
from email.message import EmailMessage
from email.utils import format_datetime, parseaddr
from enum import StrEnum

import aiosmtplib
from sqlalchemy.ext.asyncio import AsyncSession

from domain.common import clock, jobs
from domain.emails.models import OutboundEmail, OutboxStatus
from domain.emails.repository import (
    all_organisations_emails_to_send,
    lock_any_organisations_email,
)

MAX_ATTEMPTS = 5
SMTP_TIMEOUT_SECONDS = 30  # per SMTP command
# The deliver job is stopped after SEND_JOB_TIMEOUT, so a claim older than CLAIM_TIMEOUT belongs
# to a run that died (perhaps after its send).
SEND_JOB_TIMEOUT = timedelta(seconds=90)
CLAIM_TIMEOUT = timedelta(minutes=5)


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
    # When the email was written, the same on every attempt (RFC 5322 requires a Date; servers
    # that do not add one score a message without it as spam).
    msg["Date"] = format_datetime(email.created_at or clock.now())
    # A stable Message-ID lets receivers discard a duplicate if a retried job resends.
    # (make_msgid would add a timestamp and randomness, a new id on every attempt.) Its domain
    # is the sender's, as receivers expect of a message from that domain.
    msg["Message-ID"] = f"<{email.id}@{_domain_of(smtp.from_address)}>"
    msg.set_content(email.text_body)
    if email.html_body:
        msg.add_alternative(email.html_body, subtype="html")
    return msg


def _domain_of(address: str) -> str:
    """The domain of an address such as `Tenure <noreply@acme.com>` (`tenure.invalid`, a name
    reserved never to exist, for an address without one)."""
    _, at, domain = parseaddr(address)[1].rpartition("@")
    return (header_value(domain).replace(" ", "") if at else "") or "tenure.invalid"


class Delivery(StrEnum):
    SENT = "sent"
    NOTHING_TO_DO = "nothing_to_do"
    # Another run claimed the email recently: it may be sending it right now.
    IN_FLIGHT = "in_flight"
    RETRY = "retry"
    FAILED = "failed"


async def claim(
    session: AsyncSession, *, email_id: uuid.UUID, smtp: SmtpConfig, now: datetime
) -> EmailMessage | Delivery:
    """Claim one outbox email for this run to send, and return its message; the caller commits
    the claim before sending, so a run that dies after the send leaves the email "sending".

    An email already sent or failed (or unknown) is NOTHING_TO_DO; one claimed less than
    CLAIM_TIMEOUT ago is IN_FLIGHT and is not sent again. An older claim belongs to a run that
    died, perhaps after its send: the email is claimed again and resent with the same
    Message-ID (at least once, and a duplicate can be told by its Message-ID).
    """
    email = await lock_any_organisations_email(session, email_id)
    if email is None or email.status in (OutboxStatus.SENT, OutboxStatus.FAILED):
        return Delivery.NOTHING_TO_DO
    if (
        email.status == OutboxStatus.SENDING
        and email.claimed_at is not None
        and email.claimed_at > now - CLAIM_TIMEOUT
    ):
        return Delivery.IN_FLIGHT
    email.status = OutboxStatus.SENDING
    email.claimed_at = now
    email.attempts += 1
    return build_message(email, smtp)


async def send(message: EmailMessage, smtp: SmtpConfig) -> str | None:
    """Hand a message to the SMTP server; returns why it failed, or None once it is accepted."""
    try:
        await aiosmtplib.send(
            message,
            hostname=smtp.host,
            port=smtp.port,
            username=smtp.username,
            password=smtp.password,
            start_tls=smtp.starttls,
            timeout=SMTP_TIMEOUT_SECONDS,
        )
    except (aiosmtplib.SMTPException, OSError) as exc:
        return str(exc)[:2000] or type(exc).__name__
    return None


async def finish(
    session: AsyncSession, *, email_id: uuid.UUID, error: str | None, now: datetime
) -> Delivery:
    """Record a claimed email's send: sent; or, on an SMTP failure, back to pending so the
    caller retries later (RETRY), or failed after MAX_ATTEMPTS."""
    email = await session.get_one(OutboundEmail, email_id, with_for_update=True)
    if error is None:
        email.status = OutboxStatus.SENT
        email.sent_at = now
        return Delivery.SENT
    email.last_error = error
    if email.attempts >= MAX_ATTEMPTS:
        email.status = OutboxStatus.FAILED
        return Delivery.FAILED
    email.status = OutboxStatus.PENDING
    email.claimed_at = None
    return Delivery.RETRY


async def pending_email_ids(session: AsyncSession, *, now: datetime) -> list[uuid.UUID]:
    """Emails still to send: pending, or claimed by a run that died (the claim is stale), for
    the sweep that re-enqueues anything a crash left behind."""
    return await all_organisations_emails_to_send(session, claimed_before=now - CLAIM_TIMEOUT)
