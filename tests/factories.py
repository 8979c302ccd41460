"""Plain async builders: fill defaults, add, flush, return. They compose by taking objects."""

import functools
import uuid
from datetime import timedelta
from typing import Any

import pyotp
from httpx import AsyncClient
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from domain.accounts import service as accounts
from domain.accounts.models import Account, AccountCsm
from domain.common import clock
from domain.common.settings import Settings
from domain.integration import service as integration
from domain.integration.models import ApiKey, ApiScope
from domain.integration.schemas import ApiKeyCreate
from domain.orgs import service as orgs
from domain.orgs.models import Organisation
from domain.users import service as users
from domain.users import tokens
from domain.users.actor import Actor
from domain.users.models import Role, User, UserStatus
from domain.users.passwords import hash_password
from domain.users.permissions import Permission

PASSWORD = "correct-horse-battery"

# Text and custom values that JSON must escape or keep exactly (quotes, backslashes, control
# characters, line separators, astral characters, numbers beyond 64 bits).
AWKWARD_TEXT = 'Ünïcode "quoted" \\ back\\slash \x01\x1f\x7f\t\n\r\b\f / \u2028 😀 <b>'
AWKWARD_CUSTOM_VALUES: dict[str, Any] = {
    "plan": "pro",
    "seats": 12,
    "ratio": 0.5,
    "big": 12345678901234567890,
    "vip": True,
    "since": None,
    "note": AWKWARD_TEXT,
    "nested": {"list": [1, "two", None, 3.25]},
}


def _email(prefix: str) -> str:
    return f"{prefix}-{uuid.uuid4().hex[:10]}@example.com"


@functools.cache
def password_hash(password: str = PASSWORD) -> str:
    # argon2 is slow on purpose; one real hash per distinct password keeps the suite fast.
    return hash_password(password)


async def create_org(
    session: AsyncSession, *, name: str = "Org", **overrides: Any
) -> tuple[Organisation, User]:
    """What orgs.create_organisation builds (tested on its own), without hashing every time."""
    org = Organisation(id=uuid.uuid4(), name=name, **overrides)
    session.add(org)
    await session.flush()
    accounts.add_default_configuration(session, org.id)
    roles = users.builtin_roles(org.id)
    session.add_all(roles)
    await session.flush()
    admin = User(
        org_id=org.id,
        email=_email("admin"),
        full_name="Admin",
        password_hash=password_hash(),
        role_id=next(r.id for r in roles if r.name == "Admin"),
        status=UserStatus.ACTIVE,
    )
    session.add(admin)
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
        password_hash=password_hash(overrides.pop("password", PASSWORD)),
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


def auth_headers(settings: Settings, user: User) -> dict[str, str]:
    """A real access token for `user`, minted without a sign-in (and its argon2 check)."""
    claims = tokens.TokenClaims(user_id=user.id, org_id=user.org_id, purpose="access")
    token = tokens.encode(
        claims,
        secret=settings.auth.secret_key.get_secret_value(),
        now=clock.now(),
        ttl=timedelta(minutes=settings.auth.access_token_minutes),
    )
    return {"Authorization": f"Bearer {token}"}


async def create_api_key(
    session: AsyncSession,
    org: Organisation,
    *scopes: ApiScope,
    name: str = "Sync",
    by: User | None = None,
) -> tuple[ApiKey, dict[str, str]]:
    """A real API key of `org`, made by `by` (else the organisation's admin, who may grant
    every scope), and the headers that send it."""
    maker = by or await user_by_role(session, org, "Admin")
    granted = (await session.get_one(Role, maker.role_id)).permissions
    actor = Actor(
        org_id=org.id, user_id=maker.id, permissions=frozenset(Permission(p) for p in granted)
    )
    key, raw = await integration.create_key(
        session, actor, ApiKeyCreate(name=name, scopes=list(scopes) or [ApiScope.FULL])
    )
    return key, {"Authorization": f"Bearer {raw}"}
