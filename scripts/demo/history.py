"""History over time: status updates, CSM scores and NPS answers, so trends and timelines
have something to show."""

import random
from datetime import datetime, timedelta

from sqlalchemy.ext.asyncio import AsyncSession

from domain.accounts import service as accounts_service
from domain.accounts.models import Account, CsmScoreEntry, StatusUpdate
from domain.accounts.schemas import NpsResponseCreate
from domain.orgs.models import Organisation
from domain.users.actor import Actor
from domain.users.models import User
from domain.users.permissions import Permission
from scripts.demo.shared import CONTACTS, OWN_STORY

_STATUSES = [
    ("Healthy and growing", "Adoption up across teams; expansion likely at renewal."),
    (
        "Renewal at risk",
        "Sponsor left and usage is falling; recovery plan agreed with the CSM manager.",
    ),
    ("Onboarding on track", "Admins trained, integration live, first dashboards shared."),
    ("Waiting on budget approval", "Renewal quote sent; finance signs off at month end."),
    ("Escalation resolved", "The export outage is fixed and the customer confirmed it."),
    ("New champion found", "{contact} takes over from the previous admin."),
]


async def status_story(
    session: AsyncSession,
    org: Organisation,
    accounts: list[Account],
    owners: list[User | None],
    admin: User,
    now: datetime,
) -> None:
    """Status updates over time on a third of the book; the newest is the account's status."""
    rng = random.Random(31)
    contacts = [name for name, _, _ in CONTACTS]
    for index, account in enumerate(accounts):
        if index in OWN_STORY or index % 3:
            continue
        author = owners[index] or admin
        posted = sorted(now - timedelta(days=rng.randint(1, 150)) for _ in range(rng.randint(1, 3)))
        for at in posted:
            title, details = rng.choice(_STATUSES)
            details = details.format(contact=rng.choice(contacts))
            session.add(
                StatusUpdate(
                    org_id=org.id,
                    account_id=account.id,
                    title=title,
                    details=details,
                    posted_at=at,
                    changed_by_id=author.id,
                )
            )
            account.status_title, account.status_details = title, details
            account.status_at, account.status_author_id = at, author.id
    await session.flush()


async def score_story(
    session: AsyncSession,
    org: Organisation,
    accounts: list[Account],
    owners: list[User | None],
    admin: User,
    now: datetime,
) -> None:
    """CSM score history leading to each account's current score, and NPS responses from
    contacts over the last months, recorded as the survey tool's import would (the account's
    NPS is then the service's average of the latest 30 days)."""
    rng = random.Random(37)
    for index, account in enumerate(accounts):
        if account.csm_score is None:
            continue
        author = owners[index] or admin
        earlier = [rng.choice([30, 45, 55, 65, 75, 85]) for _ in range(rng.randint(1, 3))]
        scores = [*earlier, account.csm_score]
        for step, score in enumerate(scores):
            session.add(
                CsmScoreEntry(
                    org_id=org.id,
                    account_id=account.id,
                    score=score,
                    recorded_at=now - timedelta(days=(len(scores) - 1 - step) * 45 + 2),
                    changed_by_id=author.id,
                )
            )
    await session.flush()
    survey = Actor(org_id=org.id, user_id=None, permissions=frozenset(Permission))
    contacts = [name for name, _, _ in CONTACTS]
    for index, account in enumerate(accounts):
        # Every other account; Acme Corp (index 0) has several answers.
        if index in OWN_STORY - {0} or index % 2:
            continue
        for _ in range(1 if index else 4):
            await accounts_service.record_nps(
                session,
                survey,
                account.id,
                NpsResponseCreate(
                    score=rng.choices(range(11), weights=[1, 1, 1, 1, 2, 2, 3, 5, 8, 9, 7])[0],
                    contact=rng.choice(contacts),
                    responded_at=now - timedelta(days=rng.randint(1, 150)),
                ),
            )
