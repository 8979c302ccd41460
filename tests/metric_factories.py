"""Builders for the usage rollups and revenue the metrics read, written straight into their
tables (the metrics engine only reads them)."""

import uuid
from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from domain.accounts.models import Account
from domain.common import clock
from domain.metrics.models import AccountActivityRank, AccountMetricSnapshot, ContactActivityRank
from domain.revenue.models import AccountMrr
from domain.usage.models import (
    Contact,
    ContactAccount,
    UsageDailyAccount,
    UsageDailyContact,
    UsageDailyFeature,
)

# Jobs read the real clock; organisations here are in UTC.
NOW = clock.now()
TODAY = NOW.date()


async def create_contact(session: AsyncSession, account: Account, **overrides: Any) -> Contact:
    contact = Contact(
        id=uuid.uuid4(),
        org_id=account.org_id,
        external_id=overrides.pop("external_id", f"user-{uuid.uuid4().hex[:8]}"),
        **overrides,
    )
    session.add(contact)
    await session.flush()
    session.add(
        ContactAccount(
            contact_id=contact.id,
            account_external_id=account.external_id,
            org_id=account.org_id,
            account_id=account.id,
        )
    )
    await session.flush()
    return contact


async def add_usage(
    session: AsyncSession,
    account: Account,
    contact: Contact,
    day: date,
    *,
    events: int = 10,
    sessions: int = 1,
    seconds: int = 600,
    features: tuple[str, ...] = (),
) -> None:
    """One contact's day of usage on an account, in the three rollups."""
    org_id = account.org_id
    session.add(
        UsageDailyContact(
            org_id=org_id,
            account_id=account.id,
            contact_id=contact.id,
            day=day,
            events=events,
            sessions=sessions,
            session_seconds=seconds,
            # A working day's events, in UTC.
            first_event_at=datetime.combine(day, time(9), UTC),
            last_event_at=datetime.combine(day, time(9), UTC) + timedelta(seconds=seconds),
        )
    )
    existing = await session.get(UsageDailyAccount, (org_id, account.id, day))
    if existing is None:
        session.add(
            UsageDailyAccount(
                org_id=org_id,
                account_id=account.id,
                day=day,
                events=events,
                active_contacts=1,
                sessions=sessions,
                session_seconds=seconds,
            )
        )
    else:
        existing.events += events
        existing.active_contacts += 1
        existing.sessions += sessions
        existing.session_seconds += seconds
    for feature in features:
        row = await session.get(UsageDailyFeature, (org_id, account.id, day, "", feature))
        if row is None:
            session.add(
                UsageDailyFeature(
                    org_id=org_id,
                    account_id=account.id,
                    day=day,
                    module="",
                    feature=feature,
                    events=1,
                    active_contacts=1,
                )
            )
    await session.flush()


async def set_mrr(session: AsyncSession, account: Account, mrr: int, currency: str = "USD") -> None:
    session.add(
        AccountMrr(
            account_id=account.id,
            org_id=account.org_id,
            currency=currency,
            mrr=mrr,
            arr=mrr * 12,
            as_of=TODAY,
            computed_at=NOW,
        )
    )
    await session.flush()


async def add_snapshot(
    session: AsyncSession, account: Account, day: date, values: dict[str, Any]
) -> None:
    session.add(
        AccountMetricSnapshot(
            account_id=account.id, day=day, org_id=account.org_id, values=values, taken_at=NOW
        )
    )
    await session.flush()


async def add_rank(session: AsyncSession, account: Account, day: date, rank: float) -> None:
    """An account's activity rank on a past day (the history its trend regresses over)."""
    session.add(
        AccountActivityRank(
            account_id=account.id, day=day, org_id=account.org_id, rank=Decimal(str(rank))
        )
    )
    await session.flush()


async def add_contact_rank(
    session: AsyncSession, contact: Contact, day: date, rank: float, seconds: int = 60
) -> None:
    session.add(
        ContactActivityRank(
            contact_id=contact.id,
            day=day,
            org_id=contact.org_id,
            session_seconds_30d=seconds,
            rank=Decimal(str(rank)),
        )
    )
    await session.flush()
