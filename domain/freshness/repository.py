"""The live chain's bookkeeping in SQL: claiming changed accounts, clearing them with the
results, and reading the backlog. Every statement is scoped to one organisation, except the
scheduler's list of organisations with work."""

import uuid
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession

# Oldest first, skipping rows another worker holds; a claim older than the lease is taken over.
# The picked rows are updated through the primary key as an array, never joined: the table
# grows from empty within seconds, and on statistics from when it was small the planner joined
# every row of the backlog against every picked one (40 s for 2,000 of 53,000, measured).
_CLAIM = text(
    """
UPDATE account_changes c
SET claimed_by = :run, claimed_at = :now, claimed_seq = c.last_seq, rechanged_at = NULL,
    attempts = c.attempts + 1
WHERE c.account_id = ANY(ARRAY(
    SELECT account_id FROM account_changes
    WHERE org_id = :org_id AND failed_at IS NULL
      AND (claimed_by IS NULL OR claimed_at < :stale_before)
    ORDER BY first_seq
    LIMIT :limit
    FOR UPDATE SKIP LOCKED
))
RETURNING c.account_id, c.usage_from, c.revenue, c.attempts, c.usage_rebuild
"""
)

# A claim taken over too often (its worker died each time) is a failure, not a retry.
_FAIL_ABANDONED = text(
    """
UPDATE account_changes
SET failed_at = :now, claimed_by = NULL, claimed_at = NULL, claimed_seq = NULL,
    error = 'the worker processing it stopped ' || attempts || ' times'
WHERE org_id = :org_id AND failed_at IS NULL AND claimed_at < :stale_before
  AND attempts >= :max_attempts
"""
)

# The run's claimed rows locked in account order before they are deleted or updated: writers
# mark accounts in that order, so an unordered DELETE or UPDATE (physical order) could hold
# one row a writer needs while waiting for another that writer holds (a deadlock).
_LOCK_CLAIMED = text(
    """
SELECT account_id FROM account_changes
WHERE org_id = :org_id AND claimed_by = :run AND account_id = ANY(CAST(:accounts AS uuid[]))
ORDER BY account_id
FOR UPDATE
"""
)

# Done: rows not changed again since the claim go; the others stay for their newer change,
# made when `rechanged_at` says.
_CLEAR = [
    _LOCK_CLAIMED,
    text(
        "DELETE FROM account_changes WHERE org_id = :org_id AND claimed_by = :run "
        "AND account_id = ANY(CAST(:accounts AS uuid[])) AND last_seq = claimed_seq"
    ),
    text(
        """
UPDATE account_changes
SET first_seq = claimed_seq + 1, changed_at = COALESCE(rechanged_at, changed_at),
    rechanged_at = NULL, claimed_by = NULL, claimed_at = NULL, claimed_seq = NULL, attempts = 0
WHERE org_id = :org_id AND claimed_by = :run AND account_id = ANY(CAST(:accounts AS uuid[]))
"""
    ),
]

_RELEASE = text(
    """
UPDATE account_changes
SET claimed_by = NULL, claimed_at = NULL, claimed_seq = NULL, rechanged_at = NULL,
    failed_at = CASE WHEN :failed THEN CAST(:now AS timestamptz) END, error = :error
WHERE org_id = :org_id AND claimed_by = :run AND account_id = ANY(CAST(:accounts AS uuid[]))
"""
)

# One statement for every stage of a batch, at the end of its transaction, in stage order:
# the organisation's rows stay locked only until that commit, not for the whole batch (runs of
# one organisation side by side would otherwise wait for each other's batches).
_RECORD_STAGES = text(
    """
INSERT INTO freshness_stages (org_id, stage, completed_at, accounts, seconds)
SELECT CAST(:org_id AS uuid), s.stage, s.completed_at, s.accounts, s.seconds
FROM unnest(CAST(:stages AS text[]), CAST(:completed_at AS timestamptz[]),
            CAST(:accounts AS int[]), CAST(:seconds AS float8[]))
    AS s(stage, completed_at, accounts, seconds)
ORDER BY s.stage
ON CONFLICT (org_id, stage) DO UPDATE SET
    completed_at = EXCLUDED.completed_at, accounts = EXCLUDED.accounts,
    seconds = EXCLUDED.seconds
"""
)

_ORGANISATIONS_WITH_WORK = text(
    """
SELECT org_id, count(*) FROM account_changes
WHERE failed_at IS NULL AND (claimed_by IS NULL OR claimed_at < :stale_before)
GROUP BY org_id ORDER BY min(changed_at)
"""
)

# Failed changes are tried again after a while (what failed may have been transient).
_RETRY_FAILED = text(
    """
UPDATE account_changes SET failed_at = NULL, attempts = 0, error = NULL
WHERE failed_at < :retry_before
"""
)

_BACKLOG = text(
    """
SELECT count(*) AS pending,
       count(*) FILTER (WHERE claimed_by IS NOT NULL AND claimed_at >= :stale_before) AS running,
       count(*) FILTER (WHERE failed_at IS NOT NULL) AS failed,
       min(changed_at) AS oldest_change_at
FROM account_changes WHERE org_id = :org_id
"""
)

_STAGES = text(
    "SELECT stage, completed_at, accounts, seconds FROM freshness_stages "
    "WHERE org_id = :org_id ORDER BY stage"
)

# The state of everything the organisation changed up to a change number.
_UP_TO = text(
    """
SELECT count(*) AS pending,
       count(*) FILTER (WHERE claimed_by IS NOT NULL AND claimed_at >= :stale_before) AS running,
       count(*) FILTER (WHERE failed_at IS NOT NULL) AS failed,
       min(error) FILTER (WHERE failed_at IS NOT NULL) AS error
FROM account_changes WHERE org_id = :org_id AND first_seq <= :seq
"""
)

# Whether a change to the account waits for the live chain (a failed one waits for its retry,
# not for the chain), and when the refresh of every account last completed.
_ACCOUNT = text(
    """
SELECT EXISTS (SELECT 1 FROM account_changes WHERE org_id = :org_id
               AND account_id = :account_id AND failed_at IS NULL) AS waiting,
       (SELECT completed_at FROM freshness_stages WHERE org_id = :org_id AND stage = :refresh)
           AS refreshed_at"""
)

# Before the first change, last_value is the start value but not yet issued.
_LAST_ISSUED = text("SELECT CASE WHEN is_called THEN last_value ELSE 0 END FROM account_change_seq")


@dataclass(frozen=True)
class ClaimedAccount:
    account_id: uuid.UUID
    usage_from: date | None
    revenue: bool
    attempts: int
    usage_rebuild: bool


# Not a stage of the live chain: the hourly refresh of every account's metrics (the figures
# that change with time alone, such as days since the last interaction, move only with it).
REFRESH_STAGE = "refresh"


@dataclass(frozen=True)
class StageDone:
    """A stage of the live chain that completed for a batch (or the refresh of every
    account, `REFRESH_STAGE`)."""

    stage: str
    completed_at: datetime
    accounts: int
    seconds: float


class FreshnessRepository:
    def __init__(self, session: AsyncSession, org_id: uuid.UUID) -> None:
        self.session = session
        self.org_id = org_id

    async def claim(
        self,
        run: uuid.UUID,
        *,
        limit: int,
        now: datetime,
        stale_before: datetime,
        max_attempts: int,
    ) -> list[ClaimedAccount]:
        params = {"org_id": self.org_id, "now": now, "stale_before": stale_before}
        await self.session.execute(_FAIL_ABANDONED, {**params, "max_attempts": max_attempts})
        rows = await self.session.execute(_CLAIM, {**params, "run": run, "limit": limit})
        return sorted(
            (ClaimedAccount(*row) for row in rows), key=lambda claimed: claimed.account_id
        )

    async def clear(self, run: uuid.UUID, accounts: list[uuid.UUID]) -> None:
        params = {"org_id": self.org_id, "run": run, "accounts": accounts}
        for statement in _CLEAR:
            await self.session.execute(statement, params)

    async def release(
        self,
        run: uuid.UUID,
        accounts: list[uuid.UUID],
        *,
        now: datetime,
        failed: bool,
        error: str | None,
    ) -> None:
        params = {"org_id": self.org_id, "run": run, "accounts": accounts}
        await self.session.execute(_LOCK_CLAIMED, params)
        await self.session.execute(
            _RELEASE,
            {
                "org_id": self.org_id,
                "run": run,
                "accounts": accounts,
                "now": now,
                "failed": failed,
                "error": error,
            },
        )

    async def record_stages(self, stages: list[StageDone]) -> None:
        await self.session.execute(
            _RECORD_STAGES,
            {
                "org_id": self.org_id,
                "stages": [s.stage for s in stages],
                "completed_at": [s.completed_at for s in stages],
                "accounts": [s.accounts for s in stages],
                "seconds": [s.seconds for s in stages],
            },
        )

    async def backlog(self, *, stale_before: datetime) -> dict[str, Any]:
        row = (
            await self.session.execute(
                _BACKLOG, {"org_id": self.org_id, "stale_before": stale_before}
            )
        ).one()
        return dict(row._mapping)

    async def stages(self) -> list[dict[str, Any]]:
        rows = await self.session.execute(_STAGES, {"org_id": self.org_id})
        return [dict(row._mapping) for row in rows]

    async def up_to(self, seq: int, *, stale_before: datetime) -> dict[str, Any]:
        row = (
            await self.session.execute(
                _UP_TO, {"org_id": self.org_id, "seq": seq, "stale_before": stale_before}
            )
        ).one()
        return dict(row._mapping)

    async def account(self, account_id: uuid.UUID) -> tuple[bool, datetime | None]:
        """Whether a change to the account waits, and when the refresh of every account last
        completed."""
        params = {"org_id": self.org_id, "account_id": account_id, "refresh": REFRESH_STAGE}
        waiting, refreshed_at = (await self.session.execute(_ACCOUNT, params)).one()
        return bool(waiting), refreshed_at

    async def last_issued(self) -> int:
        return int(await self.session.scalar(_LAST_ISSUED) or 0)


async def all_organisations_with_work(
    session: AsyncSession, *, stale_before: datetime
) -> list[tuple[uuid.UUID, int]]:
    rows = await session.execute(_ORGANISATIONS_WITH_WORK, {"stale_before": stale_before})
    return [(org_id, int(n)) for org_id, n in rows]


async def retry_failed_in_all_organisations(
    session: AsyncSession, *, retry_before: datetime
) -> int:
    result = await session.execute(_RETRY_FAILED, {"retry_before": retry_before})
    return int(result.rowcount)  # type: ignore[attr-defined]  # CursorResult of a DML
