"""A constructed history for the churn model: accounts whose churn is driven by one metric
(few active users churn), daily snapshots and churn events, written in bulk."""

import random
import uuid
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

from sqlalchemy import insert
from sqlalchemy.ext.asyncio import AsyncSession

from domain.accounts.models import Account, ChurnEvent
from domain.metrics.models import AccountMetricSnapshot, AccountMetricValues
from domain.orgs.models import Organisation

# Training "now": noon UTC, so the organisation's today (UTC) is TODAY.
NOW = datetime(2026, 6, 1, 12, 0, tzinfo=UTC)
TODAY = NOW.date()
HORIZON = 90


@dataclass
class History:
    churned: list[Account] = field(default_factory=list)
    stayed: list[Account] = field(default_factory=list)


async def churn_history(
    session: AsyncSession,
    org: Organisation,
    *,
    accounts: int = 60,
    churners: int = 16,
    days: int = 70,
    seed: int = 7,
) -> History:
    """`days` snapshot days ending HORIZON days before TODAY. Churners have few active users
    (about 4, against about 20) and churn within HORIZON days of the first snapshot, so each
    of their rows is labelled churned; `events_30d` is noise for every account."""
    rng = random.Random(seed)
    last = TODAY - timedelta(days=HORIZON)
    first = last - timedelta(days=days - 1)
    history = History()
    snapshots, events = [], []
    for i in range(accounts):
        churns = i < churners
        churned_on = first + timedelta(days=rng.randint(10, HORIZON - 1)) if churns else None
        account = Account(
            id=uuid.uuid4(),
            org_id=org.id,
            external_id=f"churn-{i}",
            name=f"{'Churner' if churns else 'Stayer'} {i}",
            churned_on=churned_on,
            churn_reason="Budget" if churns else None,
        )
        session.add(account)
        (history.churned if churns else history.stayed).append(account)
        users = rng.gauss(4, 1.5) if churns else rng.gauss(20, 4)
        for d in range(days):
            day = first + timedelta(days=d)
            if churned_on is not None and day >= churned_on:
                break
            snapshots.append(
                {
                    "account_id": account.id,
                    "day": day,
                    "org_id": org.id,
                    "values": {
                        "active_users_30d": max(0, round(users + rng.gauss(0, 1))),
                        "events_30d": rng.randint(0, 500),
                    },
                    "taken_at": NOW,
                }
            )
        if churned_on is not None:
            events.append(
                {
                    "id": uuid.uuid4(),
                    "org_id": org.id,
                    "account_id": account.id,
                    "churned_on": churned_on,
                    "reason": "Budget",
                }
            )
    await session.flush()
    await session.execute(insert(AccountMetricSnapshot), snapshots)
    if events:
        await session.execute(insert(ChurnEvent), events)
    await session.flush()
    return history


async def set_current(
    session: AsyncSession, account: Account, *, active_users_30d: int, events_30d: int
) -> None:
    """The account's current stored metrics (what the churn probability reads now)."""
    session.add(
        AccountMetricValues(
            account_id=account.id,
            org_id=account.org_id,
            active_users_30d=active_users_30d,
            events_30d=events_30d,
            updated_at=NOW,
        )
    )
    await session.flush()
