import uuid
from typing import Any

from domain.common import clock, jobs
from domain.revenue import service as revenue
from workers import queue
from workers.context import transaction


@queue.job(revenue.RECOMPUTE_ORG_JOB, max_tries=3, timeout_seconds=3600)
async def recompute_org(ctx: dict[str, Any], org_id: str) -> int:
    """Recompute every account with revenue of one organisation (daily, since today's MRR and
    the current month move with the calendar; changed accounts are the live chain's)."""
    async with transaction(ctx) as session:
        done = await revenue.recompute(session, uuid.UUID(org_id))
    return done.accounts


@queue.job("revenue.schedule_daily_recompute", max_tries=1)
async def schedule_daily_recompute(ctx: dict[str, Any]) -> int:
    """Daily: one recompute per organisation with subscriptions (ids collapse duplicates)."""
    async with transaction(ctx) as session:
        org_ids = await revenue.organisations_with_revenue(session)
        day = clock.now()
        for org_id in org_ids:
            jobs.enqueue(
                session,
                revenue.RECOMPUTE_ORG_JOB,
                job_id=f"revenue:{org_id}:{day:%Y%m%d}",
                org_id=str(org_id),
            )
    return len(org_ids)


@queue.job("revenue.link_late_accounts", max_tries=1)
async def link_late_accounts(ctx: dict[str, Any]) -> int:
    """Link subscriptions and invoices that arrived before their account, and recompute the
    accounts that now have them."""
    async with transaction(ctx) as session:
        return await revenue.link_late_accounts(session)
