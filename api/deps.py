"""Dependencies declared once and used as plain parameters: Session, CurrentUser, Actor, ..."""

import base64
from collections.abc import AsyncIterator
from typing import Annotated

from fastapi import Depends, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from redis.asyncio import Redis
from sqlalchemy.ext.asyncio import AsyncSession

from domain.common.errors import DomainError
from domain.common.settings import Settings
from domain.integration import keys
from domain.integration import service as integration
from domain.integration.schemas import CallOutcome
from domain.orgs.models import Organisation
from domain.users import auth, tokens
from domain.users import service as users
from domain.users.actor import Actor
from domain.users.auth import AuthConfig
from domain.users.errors import MfaEnrolmentRequired
from domain.users.models import User
from domain.users.throttle import LoginThrottle, PasswordResetThrottle, SingleUse
from workers import queue

# Dependencies are `async def` even when they await nothing: FastAPI runs a plain `def` one in
# its thread pool, a thread hop for every request that uses it.


async def get_settings(request: Request) -> Settings:
    settings: Settings = request.app.state.settings
    return settings


SettingsDep = Annotated[Settings, Depends(get_settings)]


async def get_session(request: Request) -> AsyncIterator[AsyncSession]:
    """One transaction per request: committed after the handler returns and before the response
    is sent (scope="function"), rolled back on error. The jobs it wrote to the outbox are relayed
    to the queue after the commit; a Redis failure only delays them (the worker's sweep relays
    them) and the response still reports the committed write."""
    async with request.app.state.sessionmaker() as session:
        try:
            yield session
        except DomainError as exc:
            if exc.keeps_changes:
                await session.commit()
                await queue.relay_committed(request.app.state.redis, session)
            else:
                await session.rollback()
                queue.discard(session)
            raise
        except BaseException:
            await session.rollback()
            queue.discard(session)
            raise
        else:
            await session.commit()
            await queue.relay_committed(request.app.state.redis, session)


Session = Annotated[AsyncSession, Depends(get_session, scope="function")]


async def get_redis(request: Request) -> Redis:
    redis: Redis = request.app.state.redis
    return redis


RedisDep = Annotated[Redis, Depends(get_redis)]


async def get_auth_config(settings: SettingsDep) -> AuthConfig:
    return auth.auth_config(settings)


AuthConfigDep = Annotated[AuthConfig, Depends(get_auth_config)]


async def get_login_throttle(settings: SettingsDep, redis: RedisDep) -> LoginThrottle:
    a = settings.auth
    return LoginThrottle(
        redis,
        per_email=a.max_failures_per_email,
        per_ip=a.max_failures_per_ip,
        window_seconds=a.failure_window_seconds,
    )


LoginThrottleDep = Annotated[LoginThrottle, Depends(get_login_throttle)]


async def get_password_reset_throttle(
    settings: SettingsDep, redis: RedisDep
) -> PasswordResetThrottle:
    a = settings.auth
    return PasswordResetThrottle(
        redis,
        per_email=a.password_resets_per_email,
        per_ip=a.password_resets_per_ip,
        window_seconds=a.password_reset_window_seconds,
    )


PasswordResetThrottleDep = Annotated[PasswordResetThrottle, Depends(get_password_reset_throttle)]


async def get_single_use(redis: RedisDep) -> SingleUse:
    return SingleUse(redis)


SingleUseDep = Annotated[SingleUse, Depends(get_single_use)]


async def client_ip(request: Request) -> str:
    return request.client.host if request.client else "unknown"


ClientIp = Annotated[str, Depends(client_ip)]

_bearer = HTTPBearer(auto_error=False, description="Access token from /api/v1/auth/login")


async def _authenticated_user(
    session: Session,
    config: AuthConfigDep,
    credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)],
) -> User:
    if credentials is None:
        raise tokens.InvalidToken("Sign in to continue")
    claims = tokens.decode(credentials.credentials, secret=config.secret_key, purpose="access")
    return await auth.load_principal(session, claims)


async def _enrolled_user(
    session: Session, user: Annotated[User, Depends(_authenticated_user)]
) -> User:
    """Users of an organisation that requires 2FA may only enrol until they have."""
    if not user.mfa_enabled:
        org = await session.get_one(Organisation, user.org_id)
        if org.requires_mfa:
            raise MfaEnrolmentRequired()
    return user


# The signed-in user, even if they still have to enrol in 2FA (profile and enrolment routes).
EnrollingUser = Annotated[User, Depends(_authenticated_user)]
# The signed-in user, fully authorised.
CurrentUser = Annotated[User, Depends(_enrolled_user)]


async def _actor(user: CurrentUser) -> Actor:
    return users.actor_for(user)


# A signed-in user (the SPA).
CurrentActor = Annotated[Actor, Depends(_actor)]


def _api_key_credential(
    request: Request, bearer: HTTPAuthorizationCredentials | None
) -> str | None:
    """An API key sent as a bearer token, or as the user name of HTTP Basic auth (how
    Segment sends its write key)."""
    if bearer is not None and keys.looks_like_key(bearer.credentials):
        return bearer.credentials
    scheme, _, value = request.headers.get("authorization", "").partition(" ")
    if scheme.lower() == "basic":
        try:
            user_name = base64.b64decode(value.strip(), validate=True).decode().split(":")[0]
        except (ValueError, UnicodeDecodeError):
            return None
        return user_name if keys.looks_like_key(user_name) else None
    return None


async def _api_actor(
    request: Request,
    session: Session,
    config: AuthConfigDep,
    bearer: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)],
) -> Actor:
    key = _api_key_credential(request, bearer)
    if key is None:
        user = await _enrolled_user(session, await _authenticated_user(session, config, bearer))
        return users.actor_for(user)
    actor = await integration.authenticate(session, key)
    # The API log (api/middleware.py) records calls made with a key.
    request.state.api_key = (actor.org_id, actor.api_key_id)
    return actor


# A signed-in user or an integrator's API key (its scopes become permissions).
ApiActor = Annotated[Actor, Depends(_api_actor)]


async def _call_outcome(request: Request) -> CallOutcome:
    outcome = CallOutcome()
    request.state.api_outcome = outcome
    return outcome


# What an ingestion call accepted and rejected, filled by the router for the API log.
ApiCallOutcome = Annotated[CallOutcome, Depends(_call_outcome)]
