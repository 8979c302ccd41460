import uuid
from typing import Any

from domain.accounts import imports, triggers
from domain.common import clock, jobs
from workers import queue
from workers.context import transaction


@queue.job("accounts.run_attribute_triggers", max_tries=3)
async def run_attribute_triggers(ctx: dict[str, Any], org_id: str) -> dict[str, int]:
    async with transaction(ctx) as session:
        return await triggers.run_triggers(session, uuid.UUID(org_id))


@queue.job("accounts.schedule_attribute_triggers", max_tries=1)
async def schedule_attribute_triggers(ctx: dict[str, Any]) -> int:
    """Hourly: one run per organisation that has active triggers (ids collapse duplicates)."""
    async with transaction(ctx) as session:
        org_ids = await triggers.organisations_with_triggers(session)
        hour = clock.now()
        for org_id in org_ids:
            jobs.enqueue(
                session,
                "accounts.run_attribute_triggers",
                job_id=f"triggers:{org_id}:{hour:%Y%m%d%H}",
                org_id=str(org_id),
            )
    return len(org_ids)


IMPORT_MAX_TRIES = 3


# About 1,000 rows a second on a small machine: even 200,000-row files finish well within it.
@queue.job("accounts.run_import", max_tries=IMPORT_MAX_TRIES, timeout_seconds=1800)
async def run_import(ctx: dict[str, Any], import_id: str) -> str:
    """Validate and apply one CSV import; a re-run of a finished import does nothing."""
    key = uuid.UUID(import_id)
    # Committed on its own so the SPA sees "running" while the long transaction works.
    async with transaction(ctx) as session:
        if not await imports.begin_import(session, key):
            return "skipped"
    try:
        async with transaction(ctx) as session:
            account_import = await imports.run_import(session, ctx["redis"], key)
            status = str(account_import.status)
    except Exception:
        if ctx.get("job_try", 1) >= IMPORT_MAX_TRIES:
            async with transaction(ctx) as session:
                await imports.fail_import(
                    session, key, "The import stopped unexpectedly; nothing was written"
                )
        raise
    return status
