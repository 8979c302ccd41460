"""How fresh an organisation's figures are, and the live chain's claims on changed accounts
(the chain itself, which calls every area, is `domain.live`)."""

import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy.ext.asyncio import AsyncSession

from domain.common import clock
from domain.common.errors import DomainError
from domain.freshness import repository
from domain.freshness.errors import ChangeNotFound
from domain.freshness.repository import (
    REFRESH_STAGE,
    ClaimedAccount,
    FreshnessRepository,
    StageDone,
)
from domain.freshness.schemas import ChangeState, FreshnessRead, FreshnessStageRead
from domain.tenancy.actor import Actor
from domain.tenancy.errors import PermissionDenied
from domain.tenancy.permissions import Permission

# A claim older than this is taken over: its worker died (a batch takes seconds).
LEASE = timedelta(minutes=5)
# Accounts brought up to date in one transaction; a run with a backlog grows its batches up
# to MAX_BATCH_ACCOUNTS, as each batch has a fixed cost (about thirty statements, temporary
# tables) that a larger one spreads over more accounts.
BATCH_ACCOUNTS = 500
MAX_BATCH_ACCOUNTS = 2000
# Tries of one account before it is reported failed (retried again after RETRY_FAILED_AFTER).
MAX_ATTEMPTS = 3
RETRY_FAILED_AFTER = timedelta(hours=1)


async def claim(
    session: AsyncSession,
    org_id: uuid.UUID,
    run: uuid.UUID,
    *,
    now: datetime | None = None,
    limit: int = BATCH_ACCOUNTS,
) -> list[ClaimedAccount]:
    """Take up to `limit` of the organisation's changed accounts, oldest change first, for
    `run` (commit before working on them, so other workers skip them)."""
    now = now or clock.now()
    return await FreshnessRepository(session, org_id).claim(
        run,
        limit=limit,
        now=now,
        stale_before=now - LEASE,
        max_attempts=MAX_ATTEMPTS,
    )


async def clear(
    session: AsyncSession, org_id: uuid.UUID, run: uuid.UUID, accounts: list[uuid.UUID]
) -> None:
    """In the transaction that wrote the results: the changes of these claimed accounts are
    done (an account changed again meanwhile stays, for its newer change)."""
    await FreshnessRepository(session, org_id).clear(run, accounts)


async def release(
    session: AsyncSession,
    org_id: uuid.UUID,
    run: uuid.UUID,
    claimed: list[ClaimedAccount],
    *,
    failure: Exception,
) -> None:
    """The chain failed on these accounts: free them for another try, or report them failed
    after MAX_ATTEMPTS, saying why as anyone reading their change may see it: a rule's own
    words, else only the kind of error (the worker's log has the rest, SQL included)."""
    if isinstance(failure, DomainError):
        error = failure.detail
    else:
        error = f"An internal error ({type(failure).__name__}); the worker's log has its details"
    repo = FreshnessRepository(session, org_id)
    now = clock.now()
    for failed in (True, False):
        accounts = [c.account_id for c in claimed if (c.attempts >= MAX_ATTEMPTS) == failed]
        if accounts:
            await repo.release(run, accounts, now=now, failed=failed, error=error[:2000])


async def record_stages(session: AsyncSession, org_id: uuid.UUID, stages: list[StageDone]) -> None:
    """When each stage of a batch completed, written last in the batch's transaction."""
    await FreshnessRepository(session, org_id).record_stages(stages)


async def organisations_with_work(session: AsyncSession) -> list[tuple[uuid.UUID, int]]:
    """Organisations with changed accounts to bring up to date (every organisation, for the
    scheduler), the longest waiting first, with how many accounts each."""
    return await repository.all_organisations_with_work(session, stale_before=clock.now() - LEASE)


async def retry_failed(session: AsyncSession) -> int:
    return await repository.retry_failed_in_all_organisations(
        session, retry_before=clock.now() - RETRY_FAILED_AFTER
    )


async def freshness(session: AsyncSession, actor: Actor) -> FreshnessRead:
    """The organisation's backlog of changes and when each stage of the chain last ran: for
    who runs the organisation (the admin page) and for the integrations that send it data."""
    if not (actor.can(Permission.MANAGE_ORGANISATION) or actor.can(Permission.INGEST_DATA)):
        raise PermissionDenied(
            "The organisation's data freshness is for who manages the organisation or sends "
            "it data; a write's own state is at /api/v1/freshness/changes/{change}"
        )
    repo = FreshnessRepository(session, actor.org_id)
    now = clock.now()
    backlog = await repo.backlog(stale_before=now - LEASE)
    oldest = backlog["oldest_change_at"]
    return FreshnessRead(
        pending_accounts=backlog["pending"],
        running_accounts=backlog["running"],
        failed_accounts=backlog["failed"],
        oldest_change_at=oldest,
        oldest_change_seconds=round((now - oldest).total_seconds(), 1) if oldest else None,
        last_change=await repo.last_issued(),
        stages=[FreshnessStageRead.model_validate(s) for s in await repo.stages()],
    )


async def record_refresh(
    session: AsyncSession, org_id: uuid.UUID, *, at: datetime, accounts: int, seconds: float
) -> None:
    """The refresh of every account's figures (as of `at`) completed."""
    done = StageDone(REFRESH_STAGE, completed_at=at, accounts=accounts, seconds=seconds)
    await FreshnessRepository(session, org_id).record_stages([done])


@dataclass(frozen=True)
class AccountFreshness:
    # A change to the account waits for the live chain (a failed one does not: it is retried
    # later, and the figures stay as they are meanwhile).
    updating: bool
    # When the refresh of every account last completed (None before the first).
    refreshed_at: datetime | None


async def account_freshness(
    session: AsyncSession, org_id: uuid.UUID, account_id: uuid.UUID
) -> AccountFreshness:
    return AccountFreshness(*await FreshnessRepository(session, org_id).account(account_id))


async def change_state(session: AsyncSession, actor: Actor, change: int) -> ChangeState:
    """Whether everything the organisation changed up to change number `change` (a write's
    answer carries its own) is reflected in its figures."""
    repo = FreshnessRepository(session, actor.org_id)
    if change < 1 or change > await repo.last_issued():
        raise ChangeNotFound(f"No change has the number {change}")
    up_to = await repo.up_to(change, stale_before=clock.now() - LEASE)
    if up_to["failed"]:
        state = "failed"
    elif up_to["running"]:
        state = "running"
    elif up_to["pending"]:
        state = "queued"
    else:
        state = "done"
    return ChangeState(
        change=change,
        state=state,
        pending_accounts=up_to["pending"],
        error=up_to["error"] if state == "failed" else None,
    )
