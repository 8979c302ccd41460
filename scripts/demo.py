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
from domain.metrics import service as metrics
from domain.metrics.trend import TREND_WINDOW_DAYS
from domain.orgs import service as orgs
from domain.orgs.models import Organisation
from domain.revenue import service as revenue
from domain.usage import service as usage
from domain.usage.schemas import ContactUpsert, EventCreate
from domain.users.actor import Actor
from domain.users.models import User, UserStatus
from domain.users.passwords import hash_password
from domain.users.permissions import Permission

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
    await _hierarchy_story(session, org, created[30:34], csm, now)
    await _revenue_story(session, org, created, today)
    # Usage on Acme Corp and the three accounts after it, and on the hierarchy's children (not
    # the parent itself: its Usage tab shows usage only once it includes child accounts).
    await _usage_story(session, org, [*created[:_USAGE_ACCOUNTS], *created[31:34]], now)
    await _metrics_story(session, org, now)
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


async def _hierarchy_story(
    session: AsyncSession, org: Organisation, accounts: list[Account], csm: User, now: datetime
) -> None:
    """A parent with two child accounts and a grandchild (all the demo CSM's, none with
    revenue), with history on the children, so the account page's "Include child accounts"
    switch has something to roll up."""
    parent, regional, subsidiary, branch = accounts
    regional.parent_id = parent.id
    subsidiary.parent_id = parent.id
    branch.parent_id = subsidiary.id
    for account, days, kind, subject in [
        (regional, 12, InteractionType.CALL, "Regional rollout kickoff"),
        (subsidiary, 6, InteractionType.MEETING, "Subsidiary onboarding review"),
        (branch, 4, InteractionType.EMAIL, "Branch office training plan"),
    ]:
        session.add(
            Interaction(
                org_id=org.id,
                account_id=account.id,
                type=kind,
                subject=subject,
                occurred_at=now - timedelta(days=days),
                author_id=csm.id,
                participant_user_ids=[csm.id],
            )
        )
    session.add(
        Note(
            org_id=org.id,
            account_id=subsidiary.id,
            author_id=csm.id,
            body="<p>Subsidiary reports to the parent's procurement team.</p>",
        )
    )
    session.add(
        Ticket(
            org_id=org.id,
            account_id=branch.id,
            external_id="ZD-2077",
            source="zendesk",
            subject="Branch office cannot reach the status page",
            status=TicketStatus.PENDING,
            priority=TicketPriority.NORMAL,
            opened_at=now - timedelta(days=2),
        )
    )
    await session.flush()


async def _revenue_story(
    session: AsyncSession, org: Organisation, accounts: list[Account], today: date
) -> None:
    """Subscriptions, invoices and an FX rate for the first 30 accounts, sent the way an
    integrator would, then the MRR the recompute job would store."""
    ingester = Actor(org_id=org.id, user_id=None, permissions=frozenset({Permission.INGEST_DATA}))
    rng = random.Random(7)
    year_ago = date(today.year - 1, today.month, 1)
    await revenue.ingest_fx_rates(
        session,
        ingester,
        [{"currency": "EUR", "effective_on": str(year_ago - timedelta(days=400)), "rate": "1.08"}],
    )
    # Acme: an annual plan renewed at a higher price, plus an SSO add-on with a launch coupon.
    acme = accounts[0].external_id
    subscriptions: list[dict[str, object]] = [
        {
            "external_id": "sub_acme_2024",
            "account_external_id": acme,
            "currency": "USD",
            "starts_on": str(year_ago - timedelta(days=365)),
            "ends_on": str(year_ago),
            "items": [
                {
                    "external_id": "business",
                    "name": "Business",
                    "unit_price": 1_200_000,
                    "quantity": 1,
                    "interval_months": 12,
                }
            ],
        },
        {
            "external_id": "sub_acme_2025",
            "account_external_id": acme,
            "currency": "USD",
            "starts_on": str(year_ago),
            "items": [
                {
                    "external_id": "business",
                    "name": "Business",
                    "unit_price": 1_500_000,
                    "interval_months": 12,
                },
                {
                    "external_id": "sso",
                    "kind": "add_on",
                    "name": "SSO",
                    "unit_price": 20_000,
                    "starts_on": str(year_ago + timedelta(days=100)),
                    "discount": {
                        "kind": "percent",
                        "percent": "50",
                        "intervals": 3,
                        "coupon_code": "LAUNCH50",
                    },
                },
            ],
        },
    ]
    for account in accounts[1:30]:
        start = year_ago - timedelta(days=rng.randint(0, 500))
        subscriptions.append(
            {
                "external_id": f"sub_{account.external_id}",
                "account_external_id": account.external_id,
                "currency": rng.choice(["USD", "USD", "EUR"]),
                "starts_on": str(start),
                "ends_on": str(today - timedelta(days=rng.randint(5, 90)))
                if account.churned_on
                else None,
                "items": [
                    {
                        "external_id": "plan",
                        "name": "Team",
                        "interval_months": 1,
                        "unit_price": rng.choice([19_900, 49_900, 99_900]),
                        "quantity": rng.randint(1, 5),
                    }
                ],
            }
        )
    await revenue.ingest_subscriptions(session, ingester, subscriptions)
    invoices = [
        {
            "number": f"INV-ACME-{i + 1:03d}",
            "account_external_id": acme,
            "currency": "USD",
            "issued_on": str(year_ago + timedelta(days=30 * i)),
            "due_on": str(year_ago + timedelta(days=30 * i + 30)),
            "paid_on": str(year_ago + timedelta(days=30 * i + 12)) if i < 3 else None,
            "lines": [{"description": "Business plan", "amount": 125_000}],
        }
        for i in range(4)
    ]
    await revenue.ingest_invoices(session, ingester, invoices)
    await revenue.recompute(session, org.id, today=today)


# Product usage: contacts and events, sent through the usage area's own ingestion.

_USAGE_ACCOUNTS = 4  # Acme Corp and the three accounts after it (all the demo CSM's)
_USAGE_DAYS = 60
_CONTACTS: list[tuple[str, str, str]] = [
    ("Jordan Buyer", "VP Operations", "owner"),
    ("Priya Patel", "Analytics Lead", "admin"),
    ("Tom Becker", "Finance Manager", "member"),
    ("Lena Fischer", "Operations Analyst", "member"),
    ("Marco Rossi", "Sales Director", "member"),
    ("Aiko Tanaka", "Data Engineer", "admin"),
    ("Sam Okafor", "Customer Support Lead", "member"),
    ("Nina Kowalski", "Controller", "member"),
]
# (event name, feature, module), the first ones more likely.
_EVENTS: list[tuple[str, str, str | None]] = [
    ("Dashboard Opened", "dashboards", "analytics"),
    ("Report Viewed", "reports", "analytics"),
    ("Search Performed", "search", None),
    ("Report Exported", "reports", "analytics"),
    ("Invoice Created", "invoicing", "billing"),
    ("Integration Synced", "integrations", "admin"),
    ("User Invited", "team", "admin"),
]
_EVENT_WEIGHTS = [30, 25, 15, 10, 10, 6, 4]


async def _usage_story(
    session: AsyncSession, org: Organisation, accounts: list[Account], now: datetime
) -> None:
    """Contacts on the accounts (Acme Corp first) and a few hundred events over the last 60
    days (Acme's use growing towards today), then the rollup the worker would run, so the
    Usage and Contacts tabs have something to show."""
    ingester = Actor(org_id=org.id, user_id=None, permissions=frozenset({Permission.INGEST_DATA}))
    rng = random.Random(11)
    contacts: list[ContactUpsert] = []
    # Contact and account external ids, and how likely the contact is active on a weekday.
    members: list[tuple[str, str, float]] = []
    for a, account in enumerate(accounts):
        domain = account.domain or f"{account.external_id}.example"
        people = _CONTACTS[:5] if a == 0 else rng.sample(_CONTACTS, 3)
        for p, (name, title, role) in enumerate(people):
            external_id = f"{account.external_id}-user-{p + 1}"
            contacts.append(
                ContactUpsert(
                    external_id=external_id,
                    email=f"{name.split()[0].lower()}@{domain}",
                    name=name,
                    title=title,
                    role=role,
                    account_external_ids=[account.external_id],
                    traits={"plan_role": role, "locale": rng.choice(["en-GB", "en-US", "de-DE"])},
                )
            )
            members.append((external_id, account.external_id, 0.35 if a == 0 else 0.1))
    for upsert in contacts:
        await usage.upsert_contact(session, ingester, upsert)

    events: list[EventCreate] = []
    for contact_external_id, account_external_id, activity in members:
        for days_ago in range(_USAGE_DAYS - 1, -1, -1):
            day = now - timedelta(days=days_ago)
            # Busier on weekdays and, for Acme, more and more towards today.
            chance = activity * (0.3 if day.weekday() >= 5 else 1.0)
            if account_external_id == accounts[0].external_id:
                chance *= 0.4 + 0.6 * (1 - days_ago / _USAGE_DAYS)
            if rng.random() >= chance:
                continue
            for _session in range(rng.choice([1, 1, 2])):
                at = day.replace(
                    hour=rng.randint(8, 17), minute=rng.randint(0, 59), second=0, microsecond=0
                )
                for _ in range(rng.randint(2, 6)):
                    if at > now:
                        break
                    name, feature, module = rng.choices(_EVENTS, weights=_EVENT_WEIGHTS)[0]
                    events.append(
                        EventCreate(
                            message_id=f"demo-{len(events):05d}",
                            name=name,
                            feature=feature,
                            module=module,
                            contact_external_id=contact_external_id,
                            account_external_id=account_external_id,
                            occurred_at=at,
                        )
                    )
                    at += timedelta(minutes=rng.randint(1, 9), seconds=rng.randint(0, 59))
    # One at a time through the typed service (a few hundred small inserts, well under a
    # second), rather than a batch body whose JSON envelope this script would have to spell.
    for event in events:
        await usage.ingest_event(session, ingester, event)
    await usage.roll_up(session, org.id)


async def _metrics_story(session: AsyncSession, org: Organisation, now: datetime) -> None:
    """A month of the nightly metrics runs, as if Tenure had been running: a daily activity
    rank for every account and contact (the 30 points each trend regresses over) and a daily
    snapshot (so every metric has a history)."""
    for days_ago in range(TREND_WINDOW_DAYS - 1, -1, -1):
        at = now - timedelta(days=days_ago)
        await metrics.refresh(session, org.id, now=at)
        await metrics.snapshot(session, org.id, now=at)
