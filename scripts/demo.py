"""The demo organisation `make run` loads into an empty database (and the e2e tests rely on)."""

import random
import uuid
from datetime import date, datetime, timedelta

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from domain.accounts.models import (
    Account,
    AccountCsm,
    CsmAssignmentPeriod,
    LifecycleStage,
    StagePeriod,
    StatusUpdate,
    Tier,
)
from domain.common import clock
from domain.interactions.models import (
    Interaction,
    InteractionType,
    Note,
    Ticket,
    TicketPriority,
    TicketStatus,
)
from domain.orgs import service as orgs
from domain.orgs.models import Organisation
from domain.users.models import User, UserStatus
from domain.users.passwords import hash_password

ADMIN_EMAIL = "admin@demo.example.com"
ADMIN_PASSWORD = "tenure-demo-admin"
CSM_EMAIL = "csm@demo.example.com"
CSM_PASSWORD = "tenure-demo-csm"
# A fixed secret so a person can add it to an authenticator app and tests can compute codes.
CSM_TOTP_SECRET = "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP"
MANAGER_EMAIL = "manager@demo.example.com"
MANAGER_PASSWORD = "tenure-demo-manager"

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


async def is_empty(session: AsyncSession) -> bool:
    return not await session.scalar(select(func.count()).select_from(Organisation))


async def load(session: AsyncSession, *, accounts: int = 150) -> Organisation:
    org, _admin = await orgs.create_organisation(
        session,
        name="Demo Co",
        admin_email=ADMIN_EMAIL,
        admin_name="Ada Admin",
        admin_password=ADMIN_PASSWORD,
        time_zone="Europe/London",
        base_currency="USD",
    )
    csm_role = await orgs.role_named(session, org.id, "CSM")
    manager_role = await orgs.role_named(session, org.id, "CSM Manager")
    csm = User(
        org_id=org.id,
        email=CSM_EMAIL,
        full_name="Casey CSM",
        role_id=csm_role.id,
        password_hash=hash_password(CSM_PASSWORD),
        status=UserStatus.ACTIVE,
        mfa_secret=CSM_TOTP_SECRET,
        mfa_enabled_at=clock.now(),
    )
    manager = User(
        org_id=org.id,
        email=MANAGER_EMAIL,
        full_name="Morgan Manager",
        role_id=manager_role.id,
        password_hash=hash_password(MANAGER_PASSWORD),
        status=UserStatus.ACTIVE,
    )
    second_csm = User(
        org_id=org.id,
        email="sam@demo.example.com",
        full_name="Sam Second",
        role_id=csm_role.id,
        password_hash=hash_password("tenure-demo-sam"),
        status=UserStatus.ACTIVE,
    )
    session.add_all([csm, manager, second_csm])
    await session.flush()

    tiers = await session.scalars(select(Tier).where(Tier.org_id == org.id).order_by(Tier.position))
    tier_list = list(tiers)
    stage_list = list(
        await session.scalars(
            select(LifecycleStage)
            .where(LifecycleStage.org_id == org.id)
            .order_by(LifecycleStage.position)
        )
    )
    rng = random.Random(42)
    today = date.today()
    now = clock.now()
    created: list[Account] = []
    for i, name in enumerate(_account_names(accounts)):
        slug = name.lower().replace(" ", "-")
        external_id = "acme" if i == 0 else f"{slug}-{i:03d}"
        # The first 40 (Acme Corp among them) belong to the demo CSM, the rest are shared out.
        owner = csm if i < 40 else rng.choice([second_csm, manager, None])
        stage = rng.choice(stage_list)
        account = Account(
            id=uuid.uuid4(),
            org_id=org.id,
            external_id=external_id,
            name=name,
            domain="acme.example" if i == 0 else f"{slug}.example",
            joined_on=today - timedelta(days=rng.randint(30, 1500)),
            renewal_on=today + timedelta(days=rng.randint(-30, 365)),
            tier_id=rng.choice(tier_list).id,
            stage_id=stage.id,
            csm_score=rng.choice([None, 35, 55, 70, 85, 95]),
            # A handful of lost customers, so churn views and reports have something to show.
            churned_on=today - timedelta(days=rng.randint(5, 200)) if i % 37 == 5 else None,
            churn_reason="Budget cuts" if i % 37 == 5 else None,
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
    await session.flush()
    await _acme_story(session, org, created[0], csm, now)
    return org


async def _acme_story(
    session: AsyncSession, org: Organisation, acme: Account, csm: User, now: datetime
) -> None:
    """A believable history on Acme Corp: interactions, notes, tickets and a status."""
    acme.status_title = "Expansion in discussion"
    acme.status_details = "Wants 50 more seats for the EMEA team after the Q3 QBR."
    acme.status_at = now - timedelta(days=2)
    acme.status_author_id = csm.id
    acme.custom_values = {}
    session.add(
        StatusUpdate(
            org_id=org.id,
            account_id=acme.id,
            title=acme.status_title,
            details=acme.status_details,
            posted_at=acme.status_at,
            changed_by_id=csm.id,
        )
    )
    for days, kind, subject, body in [
        (40, InteractionType.QBR, "Q3 business review", "Reviewed adoption; renewal looks safe."),
        (21, InteractionType.CALL, "Pricing call", "Asked about volume pricing for renewal."),
        (9, InteractionType.MEETING, "EMEA rollout", "Planned onboarding for 50 new seats."),
        (3, InteractionType.EMAIL, "Contract draft", "Sent the expansion contract draft."),
    ]:
        session.add(
            Interaction(
                org_id=org.id,
                account_id=acme.id,
                type=kind,
                subject=subject,
                body=body,
                occurred_at=now - timedelta(days=days),
                author_id=csm.id,
                participant_user_ids=[csm.id],
                participant_contacts=["Jordan Buyer"],
            )
        )
    session.add(
        Note(
            org_id=org.id,
            account_id=acme.id,
            author_id=csm.id,
            is_pinned=True,
            body="<p><b>Champion:</b> Jordan Buyer (VP Ops). Prefers email.</p>",
        )
    )
    session.add(
        Ticket(
            org_id=org.id,
            account_id=acme.id,
            external_id="ZD-1042",
            source="zendesk",
            subject="SSO login fails for EMEA users",
            status=TicketStatus.OPEN,
            priority=TicketPriority.HIGH,
            opened_at=now - timedelta(days=1),
        )
    )
    await session.flush()
