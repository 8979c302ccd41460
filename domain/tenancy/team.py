"""Whose figures an actor may narrow a report or a trend to (a `csm_id`): a viewer of every
account, anyone of the organisation; anyone else, themselves and the users they manage
(directly or further down). One check, so the team page's reports and the health trend cannot
answer the same `csm_id` differently."""

import uuid
from typing import Any

from sqlalchemy import Select
from sqlalchemy.ext.asyncio import AsyncSession

from domain.tenancy.actor import Actor, require_account_reader
from domain.tenancy.errors import CsmNotFound
from domain.tenancy.repository import TenancyRepository


def figures_team(session: AsyncSession, actor: Actor) -> Select[Any] | None:
    """The users whose figures `actor` may see, as a query of their ids; None: everyone of
    the organisation."""
    if actor.sees_all_accounts:
        return None
    return TenancyRepository(session, actor.org_id).team(actor.user_id)


async def check_csm(session: AsyncSession, actor: Actor, csm_id: uuid.UUID) -> None:
    """Refuse (404 csm_not_found) a user who is not of the organisation, or whose figures
    `actor` may not see."""
    require_account_reader(actor)
    team = figures_team(session, actor)
    if not await TenancyRepository(session, actor.org_id).user_in(csm_id, team):
        raise CsmNotFound()


async def csm_account_ids(
    session: AsyncSession, actor: Actor, csm_id: uuid.UUID
) -> Select[uuid.UUID]:
    """The live accounts assigned to `csm_id` now, once `actor` may see that CSM's figures
    (`check_csm`): all of them, as the team reports count them, so a manager's report's
    accounts count too where none is assigned to the manager."""
    await check_csm(session, actor, csm_id)
    return TenancyRepository(session, actor.org_id).assigned_account_ids(csm_id)
