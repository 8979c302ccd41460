"""The organisation's default health model is made by whichever call first needs it; two first
calls at once (two workers' batches of the live chain) make it once, and neither fails."""

import asyncio
import uuid

from sqlalchemy import func, select, text
from sqlalchemy.ext.asyncio import AsyncEngine

from domain.common.db import create_sessionmaker
from domain.health import service as health
from domain.health.models import HealthModel, HealthModelVersion
from domain.health.repository import HealthRepository
from tests.factories import create_org

# Two calls at once both passed the default's index before either wrote in about one round of
# ten: forty rounds meet that case with a chance of about 99 %.
ROUNDS = 40


async def test_two_first_calls_at_once_make_one_default_model(engine: AsyncEngine) -> None:
    sessionmaker = create_sessionmaker(engine)
    orgs: list[uuid.UUID] = []

    async def ensure(org_id: uuid.UUID) -> None:
        async with sessionmaker() as session:
            await HealthRepository(session, org_id).ensure_default(health.DEFAULT_NAME, [])
            await session.commit()

    try:
        for _ in range(ROUNDS):
            async with sessionmaker() as session:
                org, _ = await create_org(session, name=f"health-{uuid.uuid4().hex[:8]}")
                await session.commit()
            orgs.append(org.id)
            await asyncio.gather(ensure(org.id), ensure(org.id))

        async with sessionmaker() as session:
            models = (
                await session.execute(
                    select(HealthModel.org_id, HealthModel.name, HealthModel.filter).where(
                        HealthModel.org_id.in_(orgs)
                    )
                )
            ).all()
            versions = await session.scalar(
                select(func.count())
                .select_from(HealthModelVersion)
                .where(HealthModelVersion.org_id.in_(orgs))
            )
        assert sorted(models) == sorted((org, health.DEFAULT_NAME, None) for org in orgs)
        assert versions == ROUNDS
    finally:
        async with engine.begin() as conn:
            await conn.execute(
                text("DELETE FROM organisations WHERE id = ANY(:ids)"), {"ids": orgs}
            )
