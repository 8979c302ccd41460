"""The email outbox's SQL. The delivery jobs work by email id across organisations (an email
is written in its organisation's transaction; delivering it needs no tenant)."""

import uuid
from datetime import datetime

from sqlalchemy import and_, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from domain.emails.models import OutboundEmail, OutboxStatus


async def lock_any_organisations_email(
    session: AsyncSession, email_id: uuid.UUID
) -> OutboundEmail | None:
    return await session.scalar(
        select(OutboundEmail).where(OutboundEmail.id == email_id).with_for_update()
    )


async def all_organisations_emails_to_send(
    session: AsyncSession, *, claimed_before: datetime
) -> list[uuid.UUID]:
    """Pending emails, and those claimed before `claimed_before` (by a run that died)."""
    rows = await session.scalars(
        select(OutboundEmail.id)
        .where(
            or_(
                OutboundEmail.status == OutboxStatus.PENDING,
                and_(
                    OutboundEmail.status == OutboxStatus.SENDING,
                    OutboundEmail.claimed_at <= claimed_before,
                ),
            )
        )
        .limit(1000)
    )
    return list(rows)
