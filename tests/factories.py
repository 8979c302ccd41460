"""Plain async builders: fill defaults, add, flush, return. They compose by taking objects."""

import uuid
from typing import Any

import pyotp
from httpx import AsyncClient
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from domain.accounts.models import Account, AccountCsm
from domain.common import clock
from domain.orgs import service as orgs
from domain.orgs.models import Organisation
from domain.users.models import Role, User, UserStatus
from domain.users.passwords import hash_password

PASSWORD = "correct-horse-battery"


def _email(prefix: str) -> str:
    return f"{prefix}-{uuid.uuid4().hex[:10]}@example.com"


async def create_org(
    session: AsyncSession, *, name: str = "Org", **overrides: Any
) -> tuple[Organisation, User]:
    org, admin = await orgs.create_organisation(
        session,
        name=name,
        admin_email=_email("admin"),
        admin_name="Admin",
        admin_password=PASSWORD,
    )
    for key, value in overrides.items():
        setattr(org, key, value)
    await session.flush()
    return org, admin


async def role(session: AsyncSession, org: Organisation, name: str) -> Role:
    return await orgs.role_named(session, org.id, name)


async def create_user(
    session: AsyncSession,
    org: Organisation,
    *,
    role_name: str = "CSM",
    status: UserStatus = UserStatus.ACTIVE,
    mfa_secret: str | None = None,
    **overrides: Any,
) -> User:
    r = await role(session, org, role_name)
    user = User(
        org_id=org.id,
        email=overrides.pop("email", _email(role_name.lower().replace(" ", "-"))),
        full_name=overrides.pop("full_name", f"{role_name} User"),
        password_hash=hash_password(overrides.pop("password", PASSWORD)),
        role_id=r.id,
        status=status,
        mfa_secret=mfa_secret,
        **overrides,
    )
    if mfa_secret:
        user.mfa_enabled_at = clock.now()
    session.add(user)
    await session.flush()
    return user


async def user_by_role(session: AsyncSession, org: Organisation, role_name: str) -> User:
    r = await role(session, org, role_name)
    user = await session.scalar(select(User).where(User.org_id == org.id, User.role_id == r.id))
    assert user is not None
    return user


async def create_account(
    session: AsyncSession,
    org: Organisation,
    *,
    csms: list[User] | None = None,
    **overrides: Any,
) -> Account:
    n = uuid.uuid4().hex[:8]
    account = Account(
        id=uuid.uuid4(),
        org_id=org.id,
        external_id=overrides.pop("external_id", f"ext-{n}"),
        name=overrides.pop("name", f"Account {n}"),
        csm_assignments=[AccountCsm(org_id=org.id, user_id=u.id) for u in csms or []],
        **overrides,
    )
    session.add(account)
    await session.flush()
    return account


async def login(client: AsyncClient, user: User, password: str = PASSWORD) -> dict[str, str]:
    """Sign in through the API (answering the TOTP challenge if needed); return auth headers."""
    response = await client.post(
        "/api/v1/auth/login", json={"email": user.email, "password": password}
    )
    assert response.status_code == 200, response.text
    body = response.json()
    if body["status"] == "mfa_required":
        assert user.mfa_secret
        response = await client.post(
            "/api/v1/auth/login/mfa",
            json={"mfa_token": body["mfa_token"], "code": pyotp.TOTP(user.mfa_secret).now()},
        )
        assert response.status_code == 200, response.text
        body = response.json()
    return {"Authorization": f"Bearer {body['access_token']}"}
