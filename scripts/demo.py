"""The demo organisation `make run` loads into an empty database (and the e2e tests rely on)."""

import random
import uuid
from datetime import date, timedelta

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from domain.accounts.models import Account, AccountCsm
from domain.common import clock
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

    rng = random.Random(42)
    today = date.today()
    for i, name in enumerate(_account_names(accounts)):
        slug = name.lower().replace(" ", "-")
        external_id = "acme" if i == 0 else f"{slug}-{i:03d}"
        # The first 40 (Acme Corp among them) belong to the demo CSM, the rest are shared out.
        owner = csm if i < 40 else rng.choice([second_csm, manager, None])
        session.add(
            Account(
                id=uuid.uuid4(),
                org_id=org.id,
                external_id=external_id,
                name=name,
                domain="acme.example" if i == 0 else f"{slug}.example",
                joined_on=today - timedelta(days=rng.randint(30, 1500)),
                renewal_on=today + timedelta(days=rng.randint(-30, 365)),
                csm_assignments=[AccountCsm(org_id=org.id, user_id=owner.id)] if owner else [],
            )
        )
    await session.flush()
    return org
