import uuid
from datetime import date, datetime

from sqlalchemy.ext.asyncio import AsyncSession

from domain.common import clock
from domain.tenancy.repository import TenancyRepository, all_organisations_with_time_zones


async def org_today(
    session: AsyncSession, org_id: uuid.UUID, *, now: datetime | None = None
) -> date:
    """Today (at `now`, by default the clock's now) in the organisation's time zone."""
    time_zone = await TenancyRepository(session, org_id).time_zone()
    assert time_zone is not None, f"organisation {org_id} missing"
    return clock.today_in(time_zone, now or clock.now())


async def organisations_with_time_zones(session: AsyncSession) -> list[tuple[uuid.UUID, str]]:
    """Every organisation (scheduled jobs run for all, not one actor's) and its time zone."""
    return await all_organisations_with_time_zones(session)
