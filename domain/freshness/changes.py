"""Marking accounts as changed, from every write path that changes an input of a figure.

A service calls `note(...)` with the accounts its write touched; the marks gather in the
session and are written by one ordered upsert when the transaction commits (so two writers
never lock the same rows in different orders, and a rolled-back write marks nothing). The
transaction's change number is taken when a write's answer asks for it (`issued`), so the
answer can carry it (`GET /freshness/changes/{change}` tells when it is reflected), or else by
that upsert itself: a write whose answer does not carry it (an edit in the SPA) sends no
statement for it.
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
    org_id: uuid.UUID
    seq: int | None = None
    # account -> earliest usage day changed (None: usage unchanged)
    usage_from: dict[uuid.UUID, date | None] = field(default_factory=dict)
    revenue: set[uuid.UUID] = field(default_factory=set)
    # accounts whose events moved between their contacts: their days recomputed whole
    rebuild: set[uuid.UUID] = field(default_factory=set)


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
WITH s AS MATERIALIZED (
    SELECT COALESCE(CAST(:seq AS bigint), nextval('account_change_seq')) AS seq
)
INSERT INTO account_changes AS c (
    account_id, org_id, first_seq, last_seq, usage_from, revenue, usage_rebuild
)
SELECT v.account_id, CAST(:org_id AS uuid), s.seq, s.seq, v.usage_from, v.revenue, v.rebuild
FROM s, unnest(CAST(:account_ids AS uuid[]), CAST(:usage_from AS date[]),
               CAST(:revenue AS bool[]), CAST(:rebuild AS bool[]))
    AS v(account_id, usage_from, revenue, rebuild)
ORDER BY v.account_id
ON CONFLICT (account_id) DO UPDATE SET
    last_seq = EXCLUDED.last_seq,
    usage_from = LEAST(c.usage_from, EXCLUDED.usage_from),
    revenue = c.revenue OR EXCLUDED.revenue,
    usage_rebuild = c.usage_rebuild OR EXCLUDED.usage_rebuild,"""
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
) -> None:
    """Mark these accounts changed once this transaction commits (`revenue`: their MRR inputs
    changed)."""
    accounts = [a for a in account_ids if a is not None]
    if not accounts:
        return
    marks = await _marks(session, org_id)
    for account_id in accounts:
        marks.usage_from.setdefault(account_id, None)
        if revenue:
            marks.revenue.add(account_id)


async def issued(session: AsyncSession) -> int | None:
    """This transaction's change number, taken now if not yet (None: it changed no input)."""
    marks: _Marks | None = session.info.get(_KEY)
    return await _seq(session, marks) if marks is not None else None


async def _seq(session: AsyncSession, marks: _Marks) -> int:
    if marks.seq is None:
        marks.seq = int(await session.scalar(text("SELECT nextval('account_change_seq')")) or 0)
    return marks.seq


async def note_usage(
    session: AsyncSession,
    org_id: uuid.UUID,
    days: Iterable[tuple[uuid.UUID | None, date]],
    *,
    rebuild: bool = False,
) -> None:
    """Mark accounts whose usage changed on these (account, day) pairs: events added to them
    (or linked to them), or, with `rebuild`, events of theirs moved to another contact."""
    pairs = [(a, d) for a, d in days if a is not None]
    if not pairs:
        return
    marks = await _marks(session, org_id)
    for account_id, day in pairs:
        before = marks.usage_from.get(account_id)
        marks.usage_from[account_id] = day if before is None else min(before, day)
        if rebuild:
            marks.rebuild.add(account_id)


async def note_revenue_of_organisation(session: AsyncSession, org_id: uuid.UUID) -> int:
    """Every account with subscriptions: an exchange rate changed their MRR."""
    marks = await _marks(session, org_id)
    seq = await _seq(session, marks)
    await session.execute(_UPSERT_REVENUE_ACCOUNTS, {"org_id": org_id, "seq": seq})
    return seq


async def note_organisation(session: AsyncSession, org_id: uuid.UUID, *, usage_from: date) -> int:
    """Every live account: the organisation's days moved (its time zone changed), so usage from
    `usage_from`, revenue (today's MRR, the current month) and metrics are brought up to
    date."""
    marks = await _marks(session, org_id)
    seq = await _seq(session, marks)
    await session.execute(
        _UPSERT_ORGANISATION_ACCOUNTS, {"org_id": org_id, "seq": seq, "usage_from": usage_from}
    )
    return seq


async def _marks(session: AsyncSession, org_id: uuid.UUID) -> _Marks:
    marks: _Marks | None = session.info.get(_KEY)
    if marks is None or marks.org_id != org_id:
        if marks is not None:
            # Another organisation's marks (a job working for several): written now, as they
            # would be at commit.
            await session.run_sync(_write)
        marks = _Marks(org_id=org_id)
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
        "rebuild": [a in marks.rebuild for a in ids],
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
