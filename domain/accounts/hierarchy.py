"""Reads over the account hierarchy for other areas: a parent's view can roll up what
happened on its children (interactions, notes, tickets, the timeline)."""

import uuid

from sqlalchemy.ext.asyncio import AsyncSession

from domain.accounts.repository import AccountRepository
from domain.users.actor import Actor


async def rollup_account_ids(
    session: AsyncSession, actor: Actor, account_id: uuid.UUID
) -> list[uuid.UUID]:
    """The account and every live descendant below it (any depth) that `actor` may see.
    The caller has checked that the account itself is visible."""
    return await AccountRepository(session, actor).subtree_ids(account_id)
