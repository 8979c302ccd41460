"""Builders for interactions, notes and tickets (same shape as tests/factories.py)."""

import uuid
from datetime import UTC, datetime
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from domain.accounts.models import Account
from domain.interactions.models import Interaction, InteractionType, Note, Ticket
from domain.users.models import User


async def create_interaction(
    session: AsyncSession,
    account: Account,
    *,
    author: User | None = None,
    type: InteractionType = InteractionType.CALL,
    occurred_at: datetime | None = None,
    **overrides: Any,
) -> Interaction:
    interaction = Interaction(
        id=uuid.uuid4(),
        org_id=account.org_id,
        account_id=account.id,
        author_id=author.id if author else None,
        type=type,
        occurred_at=occurred_at or datetime(2025, 1, 1, tzinfo=UTC),
        participant_user_ids=overrides.pop("participant_user_ids", []),
        participant_contacts=overrides.pop("participant_contacts", []),
        **overrides,
    )
    session.add(interaction)
    await session.flush()
    return interaction


async def create_note(
    session: AsyncSession, account: Account, *, author: User | None = None, **overrides: Any
) -> Note:
    note = Note(
        id=uuid.uuid4(),
        org_id=account.org_id,
        account_id=account.id,
        author_id=author.id if author else None,
        body=overrides.pop("body", "<p>A note</p>"),
        **overrides,
    )
    session.add(note)
    await session.flush()
    return note


async def create_ticket(session: AsyncSession, account: Account, **overrides: Any) -> Ticket:
    ticket = Ticket(
        id=uuid.uuid4(),
        org_id=account.org_id,
        account_id=account.id,
        subject=overrides.pop("subject", "Cannot log in"),
        opened_at=overrides.pop("opened_at", datetime(2025, 1, 1, tzinfo=UTC)),
        **overrides,
    )
    session.add(ticket)
    await session.flush()
    return ticket
