"""The organisation facts every area needs, read for one organisation."""

import uuid
from typing import Any

from sqlalchemy import Select, exists, select
from sqlalchemy.ext.asyncio import AsyncSession

from domain.accounts.models import Account, AccountCsm
from domain.orgs.models import Organisation
from domain.users.models import User


class TenancyRepository:
    def __init__(self, session: AsyncSession, org_id: uuid.UUID) -> None:
        self.session = session
        self.org_id = org_id

    def team(self, viewer_id: uuid.UUID | None) -> Select[Any]:
        """The viewer and everyone whose manager, or manager's manager and so on, they are
        (UNION, not UNION ALL: a loop of managers ends)."""
        team = (
            select(User.id)
            .where(User.org_id == self.org_id, User.id == viewer_id)
            .cte("team", recursive=True)
        )
        below = select(User.id).join(team, User.manager_id == team.c.id)
        team = team.union(below.where(User.org_id == self.org_id))
        return select(team.c.id)

    async def user_in(self, user_id: uuid.UUID, team: Select[Any] | None) -> bool:
        """Whether the user is of the organisation and, when `team` is given, among it."""
        stmt = select(User.id).where(User.org_id == self.org_id, User.id == user_id)
        if team is not None:
            stmt = stmt.where(User.id.in_(team))
        return await self.session.scalar(stmt) is not None

    def assigned_account_ids(self, user_id: uuid.UUID) -> Select[uuid.UUID]:
        """The live accounts assigned to the user now."""
        return select(Account.id).where(
            Account.org_id == self.org_id,
            Account.deleted_at.is_(None),
            exists().where(
                AccountCsm.org_id == self.org_id,
                AccountCsm.account_id == Account.id,
                AccountCsm.user_id == user_id,
            ),
        )

    async def time_zone(self) -> str | None:
        return await self.session.scalar(
            select(Organisation.time_zone).where(Organisation.id == self.org_id)
        )


async def all_organisations_with_time_zones(session: AsyncSession) -> list[tuple[uuid.UUID, str]]:
    """Every organisation, across organisations, with its time zone (for the scheduled jobs)."""
    rows = await session.execute(
        select(Organisation.id, Organisation.time_zone).order_by(Organisation.id)
    )
    return [(org_id, tz) for org_id, tz in rows]
