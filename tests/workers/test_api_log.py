"""The API log keeps 14 days of calls and inbound webhook ids are kept a week: the daily job
forgets older ones."""

from datetime import timedelta
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from domain.common import clock
from domain.integration import service as integration
from domain.integration.models import ApiCall, WebhookDelivery
from domain.orgs.models import Organisation
from tests.factories import create_api_key
from workers.jobs import integration as integration_jobs


async def test_prune_forgets_calls_and_webhook_ids_older_than_their_retention(
    session: AsyncSession, org: Organisation, job_ctx: dict[str, Any]
) -> None:
    key, _ = await create_api_key(session, org)
    now = clock.now()
    for age in (timedelta(days=15), timedelta(days=13)):
        integration.record_call(
            session,
            org_id=org.id,
            api_key_id=key.id,
            method="POST",
            path="/api/v1/events/batch",
            status=200,
            request_id="r",
            received_at=now - age,
            duration_ms=3,
            accepted=1,
            rejected=0,
            errors=[],
        )
    for webhook_id, age in (("msg_old", timedelta(days=8)), ("msg_new", timedelta(days=6))):
        session.add(
            WebhookDelivery(
                org_id=org.id, webhook_id=webhook_id, type="tickets.upsert", received_at=now - age
            )
        )
    await session.commit()

    assert await integration_jobs.prune(job_ctx) == 2
    assert await integration_jobs.prune(job_ctx) == 0

    kept = await session.scalars(select(ApiCall.received_at).where(ApiCall.api_key_id == key.id))
    assert list(kept) == [now - timedelta(days=13)]
    ids = await session.scalars(
        select(WebhookDelivery.webhook_id).where(WebhookDelivery.org_id == org.id)
    )
    assert list(ids) == ["msg_new"]
