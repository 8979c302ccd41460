"""The organisations themselves: queries that span organisations (first-run setup)."""

from sqlalchemy import exists, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from domain.orgs.models import Organisation

# Any fixed key: only first-run setups take it.
_FIRST_RUN_LOCK = 0x7E0E_F125


async def any_organisation_exists(session: AsyncSession) -> bool:
    return bool(await session.scalar(select(exists().where(Organisation.id.is_not(None)))))


async def take_first_run_turn(session: AsyncSession) -> None:
    """Until the transaction ends: two first-run setups sent at once take turns."""
    await session.execute(select(func.pg_advisory_xact_lock(_FIRST_RUN_LOCK)))
