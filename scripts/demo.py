"""The demo organisation `make run` loads into an empty database (and the e2e tests rely on)."""

import json
import random
import uuid
from datetime import date, datetime, timedelta

from pydantic import TypeAdapter
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from domain.accounts import configuration, triggers, views
from domain.accounts import service as accounts_service
from domain.accounts.models import (
    Account,
    AccountCsm,
    CsmAssignmentPeriod,
    CsmScoreEntry,
    CustomFieldType,
    LifecycleStage,
    StagePeriod,
    StatusUpdate,
    Tier,
    TriggerTarget,
)
from domain.accounts.schemas import (
    AccountCreate,
    AccountSort,
    AccountViewWrite,
    AttributeTriggerWrite,
    ChurnCreate,
    CustomFieldCreate,
    NpsResponseCreate,
)
from domain.common import clock
from domain.filters.schemas import Condition
from domain.interactions.models import (
    Interaction,
    InteractionType,
    Note,
    Ticket,
    TicketPriority,
    TicketStatus,
)
from domain.metrics import service as metrics
from domain.metrics.models import MetricFormat
from domain.metrics.schemas import ComputedMetricCreate
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
    org, admin = await orgs.create_organisation(
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
    # The people as the services see them: changes made "by" them are recorded as theirs.
    as_admin = Actor(org_id=org.id, user_id=admin.id, permissions=frozenset(Permission))
    as_csm = Actor(
        org_id=org.id,
        user_id=csm.id,
        permissions=frozenset(Permission(p) for p in csm_role.permissions),
    )
    as_manager = Actor(
        org_id=org.id,
        user_id=manager.id,
        permissions=frozenset(Permission(p) for p in manager_role.permissions),
    )
    await _custom_fields(session, as_admin)

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
    today = date.today()
    now = clock.now()
    created: list[Account] = []
    owners: list[User | None] = []
    for i, name in enumerate(_account_names(accounts)):
        slug = name.lower().replace(" ", "-")
        external_id = "acme" if i == 0 else f"{slug}-{i:03d}"
        # The first 40 (Acme Corp among them) belong to the demo CSM, the rest are shared out.
        owner = csm if i < 40 else rng.choice([second_csm, manager, None])
        values = _custom_values(custom_rng, i, today)
        # Only an account without a plan or a subscription yet is on trial.
        on_trial_allowed = not values.get("plan") and i >= _REVENUE_ACCOUNTS
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
    # Churned before the revenue story, whose subscriptions end for churned accounts.
    await _churn_story(session, as_admin, created, today)
    await _acme_story(session, org, created[0], csm, now)
    await _hierarchy_story(session, org, created[30:34], csm, now)
    await _revenue_story(session, org, created, today)
    # Usage on Acme Corp and the three accounts after it, and on the hierarchy's children (not
    # the parent itself: its Usage tab shows usage only once it includes child accounts).
    await _usage_story(session, org, [*created[:_USAGE_ACCOUNTS], *created[31:34]], now)
    await _activity_story(session, org, created, owners, admin, now)
    await _status_story(session, org, created, owners, admin, now)
    await _score_story(session, org, created, owners, admin, now)
    await _deleted_account(session, as_admin)
    await _views(session, as_admin, as_csm, as_manager)
    await _attribute_triggers(session, as_admin)
    await metrics.create_computed(
        session,
        as_admin,
        ComputedMetricCreate(
            key="mrr_per_seat",
            label="MRR per seat",
            format=MetricFormat.CURRENCY,
            formula="mrr / seats",
            description="Monthly recurring revenue for each licensed seat",
        ),
    )
    # What the hourly and nightly jobs would have done, so the metrics card, the trends and the
    # triggers page are not empty (and a first hourly trigger run finds nothing to change).
    await triggers.run_triggers(session, org.id)
    await _metrics_story(session, org, now)
    return org


# Custom fields: dimensions (plan, region, industry, SSO, go-live date, billing status) and
# metrics (seats, licence utilisation), with values on most accounts.

_PLANS = ["Starter", "Team", "Business", "Enterprise"]
_REGIONS = ["EMEA", "North America", "APAC", "LATAM"]
_BILLING = ["active", "past_due", "cancelled"]
_INDUSTRIES = ["Retail", "Healthcare", "Financial services", "Manufacturing", "Media", "Software"]
# Accounts churned by hand (index -> days ago, reason), and one churned then won back.
_CHURNED = {
    5: (120, "Budget cuts"),
    42: (45, "Moved to a competitor"),
    79: (200, "Acquired; the parent company uses another tool"),
    116: (15, "Product no longer needed after a reorganisation"),
    140: (75, "Budget cuts"),
}
_REACTIVATED = 60
# Accounts with subscriptions: Acme Corp and the 29 after it.
_REVENUE_ACCOUNTS = 30
# Cancelled in the billing system but not yet churned: the churn trigger picks it up.
_CANCELLED_IN_BILLING = 96


async def _custom_fields(session: AsyncSession, actor: Actor) -> None:
    for key, label, kind, fmt, options in [
        ("plan", "Plan", CustomFieldType.CATEGORY, None, _PLANS),
        ("region", "Region", CustomFieldType.CATEGORY, None, _REGIONS),
        ("industry", "Industry", CustomFieldType.TEXT, None, []),
        ("has_sso", "SSO enabled", CustomFieldType.BOOLEAN, None, []),
        ("go_live_on", "Go-live date", CustomFieldType.DATE, None, []),
        ("billing_status", "Billing status", CustomFieldType.CATEGORY, None, _BILLING),
        ("seats", "Seats", CustomFieldType.NUMBER, "integer", []),
        ("licence_utilisation", "Licence utilisation", CustomFieldType.NUMBER, "percent", []),
    ]:
        await configuration.create_custom_field(
            session,
            actor,
            CustomFieldCreate(key=key, label=label, type=kind, format=fmt, options=options),
        )


def _custom_values(rng: random.Random, index: int, today: date) -> dict[str, object]:
    """Most accounts have most values; a few have none, as in a real book."""
    if index % 11 == 7:
        return {}
    plan = "Enterprise" if index == 0 else rng.choices(_PLANS, weights=[3, 4, 3, 2])[0]
    seats = {"Starter": (3, 15), "Team": (10, 60), "Business": (40, 180), "Enterprise": (120, 600)}
    values: dict[str, object] = {
        "plan": plan,
        "region": "EMEA" if index == 0 else rng.choice(_REGIONS),
        "seats": rng.randint(*seats[plan]),
        "licence_utilisation": round(rng.uniform(18, 98), 1),
        "has_sso": plan in ("Business", "Enterprise") and rng.random() < 0.8,
        "billing_status": "active" if rng.random() < 0.9 else "past_due",
    }
    if rng.random() < 0.8:
        values["industry"] = rng.choice(_INDUSTRIES)
    if index % 9 == 2:
        # Still being rolled out: the stage trigger keeps these in Onboarding.
        values["go_live_on"] = (today + timedelta(days=rng.randint(3, 40))).isoformat()
    elif rng.random() < 0.6:
        values["go_live_on"] = (today - timedelta(days=rng.randint(30, 900))).isoformat()
    if index in _CHURNED or index == _CANCELLED_IN_BILLING:
        values["billing_status"] = "cancelled"
    return values


async def _churn_story(
    session: AsyncSession, actor: Actor, accounts: list[Account], today: date
) -> None:
    """Lost customers, churned through the accounts service (so each has its churn event, audit
    entry and timeline item), and one that churned and came back."""
    for index, (days_ago, reason) in _CHURNED.items():
        await accounts_service.churn_account(
            session,
            actor,
            accounts[index].id,
            ChurnCreate(churned_on=today - timedelta(days=days_ago), reason=reason),
        )
    won_back = accounts[_REACTIVATED].id
    await accounts_service.churn_account(
        session,
        actor,
        won_back,
        ChurnCreate(churned_on=today - timedelta(days=160), reason="Paused the contract"),
    )
    await accounts_service.reactivate_account(
        session, actor, won_back, on=today - timedelta(days=100)
    )


async def _acme_story(
    session: AsyncSession, org: Organisation, acme: Account, csm: User, now: datetime
) -> None:
    """A believable history on Acme Corp: interactions, notes, tickets and a status."""
    acme.status_title = "Expansion in discussion"
    acme.status_details = "Wants 20 more seats for the EMEA team after the Q3 QBR."
    acme.status_at = now - timedelta(days=2)
    acme.status_author_id = csm.id
    # The Business plan its subscription bills; its utilisation is set with its users.
    acme.custom_values = {
        "plan": "Business",
        "region": "EMEA",
        "industry": "Manufacturing",
        "seats": 6,
        "has_sso": True,
        "billing_status": "active",
        "go_live_on": (now.date() - timedelta(days=700)).isoformat(),
    }
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
        (9, InteractionType.MEETING, "EMEA rollout", "Planned onboarding for 20 new seats."),
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


def _batch(records: list[dict[str, object]]) -> bytes:
    """Records as the body of a batch request."""
    return json.dumps({"items": records}).encode()


async def _revenue_story(
    session: AsyncSession, org: Organisation, accounts: list[Account], today: date
) -> None:
    """Subscriptions, invoices and an FX rate for the first 30 accounts, sent the way an
    integrator would, then the MRR the recompute job would store."""
    ingester = Actor(org_id=org.id, user_id=None, permissions=frozenset({Permission.INGEST_DATA}))
    rng = random.Random(7)
    year_ago = date(today.year - 1, today.month, 1)
    rate = {"currency": "EUR", "effective_on": str(year_ago - timedelta(days=400)), "rate": "1.08"}
    await revenue.ingest_fx_rates(session, ingester, _batch([rate]))
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
    # A customer joins when it starts paying, if not before.
    accounts[0].joined_on = min(accounts[0].joined_on or today, year_ago - timedelta(days=365))
    for account in accounts[1:_REVENUE_ACCOUNTS]:
        start = year_ago - timedelta(days=rng.randint(0, 500))
        account.joined_on = min(account.joined_on or today, start)
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
    await revenue.ingest_subscriptions(session, ingester, _batch(subscriptions))
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
    await revenue.ingest_invoices(session, ingester, _batch(invoices))
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


def _licence_users(account: Account, users: int) -> None:
    """Seats and their utilisation that agree with the users the account has in the demo."""
    values = dict(account.custom_values or {})
    seats = values.get("seats")
    if not isinstance(seats, int):
        return
    seats = max(seats, users)
    values["seats"] = seats
    values["licence_utilisation"] = round(100 * users / seats, 1)
    account.custom_values = values


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
        _licence_users(account, len(people))
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


# Day-to-day work across the book: interactions, notes and tickets on most accounts, status
# updates, CSM score and NPS history, so search, timelines and trends have plenty to show.

# (type, subject, body, outcome)
_INTERACTIONS: list[tuple[InteractionType, str, str, str | None]] = [
    (
        InteractionType.CALL,
        "Renewal check-in",
        "Walked through the renewal timeline and the budget approval steps on their side.",
        "Renewal on track",
    ),
    (
        InteractionType.CALL,
        "Pricing questions",
        "Asked about volume discounts and moving from monthly to annual billing.",
        "Sent a revised quote",
    ),
    (
        InteractionType.MEETING,
        "Onboarding workshop",
        "Trained the admins on dashboards, alerts and user roles; recorded the session.",
        "Admins trained",
    ),
    (
        InteractionType.MEETING,
        "Integration planning",
        "Mapped the Salesforce fields and agreed on a nightly sync schedule.",
        "Integration plan agreed",
    ),
    (
        InteractionType.EMAIL,
        "Single sign-on setup",
        "Shared the SAML metadata and the steps to switch on SSO for every user.",
        None,
    ),
    (
        InteractionType.EMAIL,
        "Invoice question",
        "Explained the prorated charge for the seats added mid-cycle.",
        "Resolved",
    ),
    (
        InteractionType.QBR,
        "Quarterly business review",
        "Reviewed adoption, open tickets and goals for next quarter with the sponsor.",
        "Expansion opportunity identified",
    ),
    (
        InteractionType.CALL,
        "Escalation follow-up",
        "Followed up on the data export outage; the customer confirmed the fix works.",
        "Escalation closed",
    ),
    (
        InteractionType.MEETING,
        "Executive sponsor sync",
        "Met the new VP to confirm priorities, success criteria and the renewal owner.",
        "Sponsor engaged",
    ),
    (
        InteractionType.EMAIL,
        "Feature request: scheduled exports",
        "Logged their request for scheduled PDF exports of the weekly usage report.",
        "Shared with product",
    ),
    (
        InteractionType.CALL,
        "Usage health check",
        "Logins dipped last month after a team change; agreed on a training refresher.",
        "Training booked",
    ),
    (
        InteractionType.MEETING,
        "Security review",
        "Answered the security questionnaire: data retention, encryption and sub-processors.",
        "Review passed",
    ),
    (
        InteractionType.CALL,
        "API limits and webhooks",
        "Discussed webhook retries and API rate limits for their nightly data sync.",
        None,
    ),
    (
        InteractionType.EMAIL,
        "Expansion proposal",
        "Sent a proposal for 25 more seats and the analytics add-on.",
        "Awaiting signature",
    ),
    (
        InteractionType.OTHER,
        "Customer advisory board invite",
        "Invited their operations lead to the spring customer advisory board.",
        "Accepted",
    ),
]
_NOTES = [
    "<p><b>Champion:</b> {contact}. Prefers short calls and a written summary afterwards.</p>",
    "<p>Budget is set in <b>October</b>; raise expansion before then.</p>",
    "<p>Procurement needs a signed DPA before any new order form.</p>",
    "<p>{contact} asked to be copied on every renewal email.</p>",
    "<p>Uses the API heavily for a nightly warehouse sync; watch the rate limits.</p>",
    "<p>Competitor evaluation rumoured; keep the QBR on the calendar.</p>",
    "<ul><li>Wants SSO for all regions</li><li>Interested in the analytics add-on</li></ul>",
]
_TICKETS = [
    ("Data export times out for large date ranges", TicketPriority.HIGH),
    ("Dashboard slow to load in the morning", TicketPriority.NORMAL),
    ("Cannot invite new users from the admin page", TicketPriority.HIGH),
    ("Wrong currency shown on the invoice", TicketPriority.LOW),
    ("Webhook deliveries failing with 401", TicketPriority.URGENT),
    ("Password reset email not received", TicketPriority.NORMAL),
    ("Report totals do not match the CSV export", TicketPriority.NORMAL),
    ("Request to raise the API rate limit", TicketPriority.LOW),
]
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
# Accounts whose history is told elsewhere (Acme Corp and the hierarchy) keep only that.
_OWN_STORY = {0, 30, 31, 32, 33}


async def _activity_story(
    session: AsyncSession,
    org: Organisation,
    accounts: list[Account],
    owners: list[User | None],
    admin: User,
    now: datetime,
) -> None:
    """Interactions on nearly every account over the last six months, notes on many, and
    support tickets (open and solved) on some."""
    rng = random.Random(23)
    contacts = [name for name, _, _ in _CONTACTS]
    for index, account in enumerate(accounts):
        if index in _OWN_STORY:
            continue
        author = owners[index] or admin
        for _ in range(rng.randint(2, 6)):
            kind, subject, body, outcome = rng.choice(_INTERACTIONS)
            session.add(
                Interaction(
                    org_id=org.id,
                    account_id=account.id,
                    type=kind,
                    subject=subject,
                    body=body,
                    outcome=outcome,
                    occurred_at=now - timedelta(days=rng.randint(1, 180), hours=rng.randint(0, 8)),
                    author_id=author.id,
                    participant_user_ids=[author.id],
                    participant_contacts=rng.sample(contacts, rng.randint(1, 2)),
                )
            )
        if rng.random() < 0.45:
            session.add(
                Note(
                    org_id=org.id,
                    account_id=account.id,
                    author_id=author.id,
                    is_pinned=rng.random() < 0.3,
                    body=rng.choice(_NOTES).format(contact=rng.choice(contacts)),
                )
            )
        if rng.random() < 0.35:
            subject, priority = rng.choice(_TICKETS)
            opened = now - timedelta(days=rng.randint(1, 90), hours=rng.randint(0, 23))
            status = rng.choice(list(TicketStatus))
            closed = status in (TicketStatus.SOLVED, TicketStatus.CLOSED)
            session.add(
                Ticket(
                    org_id=org.id,
                    account_id=account.id,
                    external_id=f"ZD-{3000 + index}",
                    source="zendesk",
                    subject=subject,
                    status=status,
                    priority=priority,
                    opened_at=opened,
                    closed_at=min(opened + timedelta(days=rng.randint(1, 10)), now)
                    if closed
                    else None,
                )
            )
    await session.flush()


async def _status_story(
    session: AsyncSession,
    org: Organisation,
    accounts: list[Account],
    owners: list[User | None],
    admin: User,
    now: datetime,
) -> None:
    """Status updates over time on a third of the book; the newest is the account's status."""
    rng = random.Random(31)
    contacts = [name for name, _, _ in _CONTACTS]
    for index, account in enumerate(accounts):
        if index in _OWN_STORY or index % 3:
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


async def _score_story(
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
    contacts = [name for name, _, _ in _CONTACTS]
    for index, account in enumerate(accounts):
        # Every other account; Acme Corp (index 0) has several answers.
        if index in _OWN_STORY - {0} or index % 2:
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


async def _deleted_account(session: AsyncSession, actor: Actor) -> None:
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


_CONDITION: TypeAdapter[Condition] = TypeAdapter(Condition)


async def _views(session: AsyncSession, admin: Actor, csm: Actor, manager: Actor) -> None:
    """Saved views: shared ones for the whole team, and personal ones."""
    for actor, name, shared, columns, condition, sort, descending in [
        (
            admin,
            "Renewals in the next 90 days",
            True,
            ["name", "renewal_on", "days_to_renewal", "tier", "csm", "metric.mrr", "csm_score"],
            {"kind": "date", "field": "renewal_on", "op": "within_next_days", "days": 90},
            AccountSort.RENEWAL_ON,
            False,
        ),
        (
            admin,
            "Enterprise accounts",
            True,
            ["name", "custom.plan", "custom.seats", "custom.region", "tier", "csm", "nps"],
            {"kind": "compare", "field": "custom.plan", "op": "eq", "value": "Enterprise"},
            AccountSort.NAME,
            False,
        ),
        (
            admin,
            "At risk: low CSM score",
            True,
            ["name", "csm_score", "nps", "status_title", "csm", "renewal_on"],
            {"kind": "compare", "field": "csm_score", "op": "lt", "value": 50},
            AccountSort.CSM_SCORE,
            False,
        ),
        (
            csm,
            "My onboarding accounts",
            False,
            ["name", "stage", "custom.go_live_on", "csm_score", "renewal_on"],
            {"kind": "compare", "field": "stage", "op": "eq", "value": "Onboarding"},
            AccountSort.NAME,
            False,
        ),
        (
            manager,
            "Low licence utilisation",
            False,
            ["name", "custom.licence_utilisation", "custom.seats", "csm", "tier"],
            {"kind": "compare", "field": "custom.licence_utilisation", "op": "lt", "value": 40},
            AccountSort.NAME,
            False,
        ),
    ]:
        await views.create_view(
            session,
            actor,
            AccountViewWrite(
                name=name,
                is_shared=shared,
                columns=columns,
                filter=_CONDITION.validate_python(condition),
                sort=sort,
                descending=descending,
            ),
        )


async def _attribute_triggers(session: AsyncSession, actor: Actor) -> None:
    """Rules that keep tiers, stages and churn in step with the custom fields (run once at the
    end of loading, as the hourly job would)."""
    tiers = {t.name: t.id for t in await configuration.list_items(session, actor, Tier)}
    stages = {s.name: s.id for s in await configuration.list_items(session, actor, LifecycleStage)}
    for position, (name, target, value, condition) in enumerate(
        [
            (
                "Enterprise plan is Tier 1",
                TriggerTarget.TIER,
                tiers["Tier 1"],
                {"kind": "compare", "field": "custom.plan", "op": "eq", "value": "Enterprise"},
            ),
            # Overlaps the one above: an Enterprise account with 100+ seats stays Tier 1.
            (
                "100+ seats is Tier 2",
                TriggerTarget.TIER,
                tiers["Tier 2"],
                {"kind": "compare", "field": "custom.seats", "op": "gte", "value": 100},
            ),
            (
                "Starter plan is Tier 3",
                TriggerTarget.TIER,
                tiers["Tier 3"],
                {"kind": "compare", "field": "custom.plan", "op": "eq", "value": "Starter"},
            ),
            (
                "Going live soon is Onboarding",
                TriggerTarget.STAGE,
                stages["Onboarding"],
                {
                    "kind": "date",
                    "field": "custom.go_live_on",
                    "op": "within_next_days",
                    "days": 45,
                },
            ),
            (
                "Cancelled in billing",
                TriggerTarget.CHURNED,
                "Subscription cancelled in the billing system",
                {
                    "kind": "compare",
                    "field": "custom.billing_status",
                    "op": "eq",
                    "value": "cancelled",
                },
            ),
        ]
    ):
        await triggers.create_trigger(
            session,
            actor,
            AttributeTriggerWrite(
                name=name,
                target=target,
                tier_id=value if target == TriggerTarget.TIER else None,
                stage_id=value if target == TriggerTarget.STAGE else None,
                churn_reason=value if target == TriggerTarget.CHURNED else None,
                condition=_CONDITION.validate_python(condition),
                position=position,
            ),
        )


async def _metrics_story(session: AsyncSession, org: Organisation, now: datetime) -> None:
    """A month of the nightly metrics runs, as if Tenure had been running: a daily activity
    rank for every account and contact (the 30 points each trend regresses over) and a daily
    snapshot (so every metric has a history)."""
    for days_ago in range(TREND_WINDOW_DAYS - 1, -1, -1):
        at = now - timedelta(days=days_ago)
        await metrics.refresh(session, org.id, now=at)
        await metrics.snapshot(session, org.id, now=at)
