"""The demo organisation and the people who sign in to it, with their logins."""

from dataclasses import dataclass

from sqlalchemy.ext.asyncio import AsyncSession

from domain.common import clock
from domain.orgs import service as orgs
from domain.orgs.models import Organisation
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


@dataclass
class People:
    org: Organisation
    admin: User
    csm: User
    manager: User
    second_csm: User
    # The people as the services see them: changes made "by" them are recorded as theirs.
    as_admin: Actor
    as_csm: Actor
    as_manager: Actor


async def create_people(session: AsyncSession) -> People:
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
    # Morgan leads the two CSMs: "My team's" tasks and team reports, and playbook steps for
    # the CSM's manager, have someone.
    csm.manager_id = second_csm.manager_id = manager.id
    await session.flush()
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
    return People(
        org=org,
        admin=admin,
        csm=csm,
        manager=manager,
        second_csm=second_csm,
        as_admin=as_admin,
        as_csm=as_csm,
        as_manager=as_manager,
    )
