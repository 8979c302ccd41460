"""Marking accounts as changed, from every write path that changes an input of a figure.

A service calls `note(...)` with the accounts its write touched; the marks gather in the
session and are written by one ordered upsert when the transaction commits (so two writers
never lock the same rows in different orders, and a rolled-back write marks nothing). The
change number is taken at the first note of a transaction and returned, so the write's
answer can carry it (`GET /freshness/changes/{change}` tells when it is reflected).
"""

import uuid
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from sqlalchemy import event, text
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import Session

_KEY = "tenure_account_changes"


@dataclass
class _Marks:
    seq: int
    org_id: uuid.UUID
    # account -> earliest usage day changed (None: usage unchanged)
    usage_from: dict[uuid.UUID, date | None] = field(default_factory=dict)
    revenue: set[uuid.UUID] = field(default_factory=set)


# What a change does to a row already there: a failed row starts again from now; a row being
# run (claimed) that changes again for the first time notes when (`rechanged_at`), as the run
# leaves it for that newer change.
_AGAIN = """
    changed_at = CASE WHEN c.failed_at IS NULL THEN c.changed_at ELSE now() END,
    rechanged_at = CASE WHEN c.last_seq = c.claimed_seq THEN now() ELSE c.rechanged_at END,
    attempts = 0,
    failed_at = NULL,
    error = NULL"""

_UPSERT = text(
    """
INSERT INTO account_changes AS c (account_id, org_id, first_seq, last_seq, usage_from, revenue)
SELECT v.account_id, CAST(:org_id AS uuid), CAST(:seq AS bigint), CAST(:seq AS bigint),
       v.usage_from, v.revenue
FROM unnest(CAST(:account_ids AS uuid[]), CAST(:usage_from AS date[]), CAST(:revenue AS bool[]))
    AS v(account_id, usage_from, revenue)
ORDER BY v.account_id
ON CONFLICT (account_id) DO UPDATE SET
    last_seq = EXCLUDED.last_seq,
    usage_from = LEAST(c.usage_from, EXCLUDED.usage_from),
    revenue = c.revenue OR EXCLUDED.revenue,"""
    + _AGAIN
)

# Every account of the organisation with revenue (an exchange rate changed), marked in SQL.
_UPSERT_REVENUE_ACCOUNTS = text(
    """
INSERT INTO account_changes AS c (account_id, org_id, first_seq, last_seq, revenue)
SELECT DISTINCT s.account_id, CAST(:org_id AS uuid), CAST(:seq AS bigint),
       CAST(:seq AS bigint), true
FROM subscriptions s
WHERE s.org_id = CAST(:org_id AS uuid) AND s.account_id IS NOT NULL
ORDER BY s.account_id
ON CONFLICT (account_id) DO UPDATE SET
    last_seq = EXCLUDED.last_seq, revenue = true,"""
    + _AGAIN
)

# Every live account of the organisation (its "today" moved): usage from :usage_from, revenue
# for those with subscriptions.
_UPSERT_ORGANISATION_ACCOUNTS = text(
    """
INSERT INTO account_changes AS c (account_id, org_id, first_seq, last_seq, usage_from, revenue)
SELECT a.id, CAST(:org_id AS uuid), CAST(:seq AS bigint), CAST(:seq AS bigint),
       CAST(:usage_from AS date),
       EXISTS (
           SELECT 1 FROM subscriptions s
           WHERE s.org_id = CAST(:org_id AS uuid) AND s.account_id = a.id
       )
FROM accounts a
WHERE a.org_id = CAST(:org_id AS uuid) AND a.deleted_at IS NULL
ORDER BY a.id
ON CONFLICT (account_id) DO UPDATE SET
    last_seq = EXCLUDED.last_seq,
    usage_from = LEAST(c.usage_from, EXCLUDED.usage_from),
    revenue = c.revenue OR EXCLUDED.revenue,"""
    + _AGAIN
)


async def note(
    session: AsyncSession,
    org_id: uuid.UUID,
    account_ids: Iterable[uuid.UUID | None],
    *,
    revenue: bool = False,
) -> int | None:
    """Mark these accounts changed once this transaction commits (`revenue`: their MRR inputs
    changed); returns the transaction's change number, None while it has marked nothing."""
    accounts = [a for a in account_ids if a is not None]
    if not accounts:
        return issued(session)
    marks = await _marks(session, org_id)
    for account_id in accounts:
        marks.usage_from.setdefault(account_id, None)
        if revenue:
            marks.revenue.add(account_id)
    return marks.seq


def issued(session: AsyncSession) -> int | None:
    """The change number this transaction has taken so far (None: it changed no input)."""
    marks: _Marks | None = session.info.get(_KEY)
    return marks.seq if marks is not None else None


async def note_usage(
    session: AsyncSession, org_id: uuid.UUID, days: Iterable[tuple[uuid.UUID | None, date]]
) -> int | None:
    """Mark accounts whose usage changed on these (account, day) pairs."""
    pairs = [(a, d) for a, d in days if a is not None]
    if not pairs:
        return issued(session)
    marks = await _marks(session, org_id)
    for account_id, day in pairs:
        before = marks.usage_from.get(account_id)
        marks.usage_from[account_id] = day if before is None else min(before, day)
    return marks.seq


async def note_revenue_of_organisation(session: AsyncSession, org_id: uuid.UUID) -> int:
    """Every account with subscriptions: an exchange rate changed their MRR."""
    marks = await _marks(session, org_id)
    await session.execute(_UPSERT_REVENUE_ACCOUNTS, {"org_id": org_id, "seq": marks.seq})
    return marks.seq


async def note_organisation(session: AsyncSession, org_id: uuid.UUID, *, usage_from: date) -> int:
    """Every live account: the organisation's days moved (its time zone changed), so usage from
    `usage_from`, revenue (today's MRR, the current month) and metrics are brought up to
    date."""
    marks = await _marks(session, org_id)
    await session.execute(
        _UPSERT_ORGANISATION_ACCOUNTS,
        {"org_id": org_id, "seq": marks.seq, "usage_from": usage_from},
    )
    return marks.seq


async def _marks(session: AsyncSession, org_id: uuid.UUID) -> _Marks:
    marks: _Marks | None = session.info.get(_KEY)
    if marks is None or marks.org_id != org_id:
        if marks is not None:
            # Another organisation's marks (a job working for several): written now, as they
            # would be at commit.
            await session.run_sync(_write)
        seq = await session.scalar(text("SELECT nextval('account_change_seq')"))
        marks = _Marks(seq=int(seq or 0), org_id=org_id)
        session.info[_KEY] = marks
    return marks


def _write(session: Session) -> None:
    marks: _Marks | None = session.info.pop(_KEY, None)
    if marks is None or not marks.usage_from:
        return
    ids = sorted(marks.usage_from)
    params: dict[str, Any] = {
        "org_id": marks.org_id,
        "seq": marks.seq,
        "account_ids": ids,
        "usage_from": [marks.usage_from[a] for a in ids],
        "revenue": [a in marks.revenue for a in ids],
    }
    session.execute(_UPSERT, params)


# Savepoints (a retried upsert) neither write nor forget the marks: a mark noted inside a
# savepoint that rolled back only costs the account an extra recompute.
@event.listens_for(Session, "before_commit")
def _write_before_commit(session: Session) -> None:
    if not session.in_nested_transaction():
        _write(session)


@event.listens_for(Session, "after_rollback")
def _forget_after_rollback(session: Session) -> None:
    if not session.in_nested_transaction():
        session.info.pop(_KEY, None)
