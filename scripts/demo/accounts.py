"""The book of accounts: their names, owners, tiers and stages, the ones lost (and one won back)
and a deleted duplicate."""

import random
import uuid
from datetime import date, datetime, timedelta

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from domain.accounts import service as accounts_service
from domain.accounts.models import (
    Account,
    AccountCsm,
    CsmAssignmentPeriod,
    LifecycleStage,
    StagePeriod,
    Tier,
)
from domain.accounts.schemas import AccountCreate, ChurnCreate
from domain.users.actor import Actor
from domain.users.models import User
from scripts.demo.custom_fields import custom_values
from scripts.demo.people import People
from scripts.demo.shared import CHURNED, NEVER_ON_TRIAL, REACTIVATED

_PREFIXES = [
    "Acme",
    "Globex",
    "Initech",
    "Umbrella",
    "Stark",
    "Wayne",
    "Hooli",
    "Vandelay",
    "Wonka",
    "Tyrell",
    "Cyberdyne",
    "Soylent",
    "Aperture",
    "Massive",
    "Pied Piper",
    "Gringotts",
    "Monarch",
    "Oscorp",
    "Nakatomi",
    "Bluth",
    "Dunder",
    "Prestige",
    "Sterling",
    "Gekko",
    "Vehement",
    "Krusty",
    "Duff",
    "Olivia",
    "Zorg",
    "Lacuna",
]
_SUFFIXES = [
    "Corp",
    "Labs",
    "Systems",
    "Analytics",
    "Logistics",
    "Health",
    "Retail",
    "Media",
    "Energy",
    "Foods",
    "Robotics",
    "Capital",
    "Cloud",
    "Studios",
    "Works",
]


def _account_names(count: int) -> list[str]:
    names = ["Acme Corp"]
    rng = random.Random(7)
    seen = set(names)
    while len(names) < count:
        name = f"{rng.choice(_PREFIXES)} {rng.choice(_SUFFIXES)}"
        if name not in seen:
            seen.add(name)
            names.append(name)
    return names


async def create_accounts(
    session: AsyncSession, people: People, count: int, today: date, now: datetime
) -> tuple[list[Account], list[User | None]]:
    """The accounts and, for each, its owner (if it has one)."""
    org, csm, manager, second_csm = people.org, people.csm, people.manager, people.second_csm
    tiers = await session.scalars(select(Tier).where(Tier.org_id == org.id).order_by(Tier.position))
    tier_list = list(tiers)
    stage_list = list(
        await session.scalars(
            select(LifecycleStage)
            .where(LifecycleStage.org_id == org.id)
            .order_by(LifecycleStage.position)
        )
    )
    paid_stages = [s for s in stage_list if s.name != "Trial"]
    rng = random.Random(42)
    # Its own generator, so the custom values do not shift the accounts' other random choices.
    custom_rng = random.Random(5)
    created: list[Account] = []
    owners: list[User | None] = []
    for i, name in enumerate(_account_names(count)):
        slug = name.lower().replace(" ", "-")
        external_id = "acme" if i == 0 else f"{slug}-{i:03d}"
        # The first 40 (Acme Corp among them) belong to the demo CSM, the rest are shared out.
        owner = csm if i < 40 else rng.choice([second_csm, manager, None])
        values = custom_values(custom_rng, i, today)
        # Only an account without a plan (and so without a subscription) is on trial.
        on_trial_allowed = not values.get("plan") and i >= NEVER_ON_TRIAL
        stage = rng.choice(stage_list if on_trial_allowed else paid_stages)
        # Older than every story told about it: its churn, activity and subscriptions.
        joined_on = today - timedelta(days=rng.randint(240, 1500))
        go_live = values.get("go_live_on")
        if isinstance(go_live, str) and date.fromisoformat(go_live) < joined_on:
            values["go_live_on"] = joined_on.isoformat()
        account = Account(
            id=uuid.uuid4(),
            org_id=org.id,
            external_id=external_id,
            name=name,
            domain="acme.example" if i == 0 else f"{slug}.example",
            joined_on=joined_on,
            renewal_on=today + timedelta(days=rng.randint(-30, 365)),
            tier_id=rng.choice(tier_list).id,
            stage_id=stage.id,
            csm_score=rng.choice([None, 35, 55, 70, 85, 95]),
            custom_values=values,
            csm_assignments=[AccountCsm(org_id=org.id, user_id=owner.id)] if owner else [],
        )
        session.add(account)
        session.add(
            StagePeriod(
                org_id=org.id,
                account_id=account.id,
                stage_id=stage.id,
                stage_name=stage.name,
                entered_at=now - timedelta(days=rng.randint(1, 200)),
            )
        )
        if owner:
            session.add(
                CsmAssignmentPeriod(
                    org_id=org.id,
                    account_id=account.id,
                    user_id=owner.id,
                    assigned_at=now - timedelta(days=rng.randint(200, 400)),
                )
            )
        created.append(account)
        owners.append(owner)
    await session.flush()
    return created, owners


async def churn_story(
    session: AsyncSession, actor: Actor, accounts: list[Account], today: date
) -> None:
    """Lost customers, churned through the accounts service (so each has its churn event, audit
    entry and timeline item), and one that churned and came back."""
    for index, (days_ago, reason) in CHURNED.items():
        await accounts_service.churn_account(
            session,
            actor,
            accounts[index].id,
            ChurnCreate(churned_on=today - timedelta(days=days_ago), reason=reason),
        )
    won_back = accounts[REACTIVATED].id
    await accounts_service.churn_account(
        session,
        actor,
        won_back,
        ChurnCreate(churned_on=today - timedelta(days=160), reason="Paused the contract"),
    )
    await accounts_service.reactivate_account(
        session, actor, won_back, on=today - timedelta(days=100)
    )


async def deleted_account(session: AsyncSession, actor: Actor) -> None:
    """A duplicate someone created by mistake and deleted: an admin can restore it."""
    duplicate = await accounts_service.create_account(
        session,
        actor,
        AccountCreate(
            external_id="globex-duplicate",
            name="Globex Labs (duplicate)",
            domain="globex-labs.example",
        ),
    )
    await accounts_service.delete_account(session, actor, duplicate.id)
