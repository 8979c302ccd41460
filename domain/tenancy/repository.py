"""The organisation facts every area needs, read for one organisation."""

import uuid

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from domain.orgs.models import Organisation
from domain.users.models import User


class TenancyRepository:
    def __init__(self, session: AsyncSession, org_id: uuid.UUID) -> None:
        self.session = session
        self.org_id = org_id

    async def has_user(self, user_id: uuid.UUID) -> bool:
        found = select(User.id).where(User.org_id == self.org_id, User.id == user_id)
        return await self.session.scalar(found) is not None

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
