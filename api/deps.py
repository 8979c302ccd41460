"""Dependencies declared once and used as plain parameters: Session, CurrentUser, Actor, ..."""

import asyncio
import base64
import json
from collections.abc import Callable
from dataclasses import dataclass
from typing import Annotated

from fastapi import Depends, Request
from fastapi.openapi.models import HTTPBase as HTTPBaseModel
from fastapi.openapi.models import HTTPBearer as HTTPBearerModel
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from fastapi.security.base import SecurityBase
from fastapi.security.utils import get_authorization_scheme_param
from redis.asyncio import Redis
from sqlalchemy.ext.asyncio import AsyncSession

from domain.common.errors import DomainError
from domain.common.settings import Settings
from domain.integration import keys
from domain.integration import service as integration
from domain.integration.schemas import CallOutcome
from domain.orgs.models import Organisation
from domain.users import auth, tokens
from domain.users.actor import Actor
from domain.users.auth import AuthConfig
from domain.users.errors import MfaEnrolmentRequired
from domain.users.models import User
from domain.users.throttle import LoginThrottle, PasswordResetThrottle, SingleUse
from domain.users.tokens import TokenClaims
from workers import queue

# Dependencies are `async def` even when they await nothing: FastAPI runs a plain `def` one in
# its thread pool, a thread hop for every request that uses it.


async def get_settings(request: Request) -> Settings:
    settings: Settings = request.app.state.settings
    return settings


SettingsDep = Annotated[Settings, Depends(get_settings)]


async def get_session(request: Request) -> AsyncSession:
    """One transaction per request, ended by its route (`api.routing.InSession`, `end_session`)
    once the handler has returned and before the response is sent. GET and HEAD requests only
    read: their session runs each statement in autocommit, without BEGIN and COMMIT round
    trips. A dependency with `yield` would end it at the same point, at a tenth of `GET /me`'s
    CPU for FastAPI's exit stacks and cancel scopes."""
    state = request.app.state
    sessionmaker = state.read_sessionmaker if request.method in _READS else state.sessionmaker
    session: AsyncSession = sessionmaker()
    request.scope[_SESSION] = session
    return session


_READS = ("GET", "HEAD")
_SESSION = "tenure.session"

Session = Annotated[AsyncSession, Depends(get_session)]


async def end_session(request: Request, error: BaseException | None) -> None:
    """Commit the request's session after its handler returned (or raised a domain error that
    keeps its changes), else roll it back. The jobs it wrote to the outbox are relayed to the
    queue after the commit; a Redis failure only delays them (the worker's sweep relays them)
    and the response still reports the committed write. A write's ending runs to completion
    even if the request is cancelled meanwhile; a read's waits for nothing (`ReadSession`)."""
    session: AsyncSession | None = request.scope.pop(_SESSION, None)
    if session is None:
        return
    ending = _end(request, session, error)
    await (ending if request.method in _READS else asyncio.shield(ending))


async def _end(request: Request, session: AsyncSession, error: BaseException | None) -> None:
    # Closed in this task (not `async with`, which closes in a task of its own): a write's
    # ending is a task no cancellation reaches already, and a read's closing waits for nothing.
    try:
        if error is None or (isinstance(error, DomainError) and error.keeps_changes):
            await session.commit()
            await queue.relay_committed(request.app.state.redis, session)
        else:
            await session.rollback()
            queue.discard(session)
    finally:
        await session.close()


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

_bearer = HTTPBearer(
    scheme_name="AccessToken",
    auto_error=False,
    description="A signed-in user's access token, from /api/v1/auth/login",
)


# Sign-in resolves as few dependencies as it can: FastAPI's per-dependency overhead, paid on
# every request, was a tenth of the account list's CPU. The secret is read from the app's
# settings directly rather than through SettingsDep and AuthConfigDep.
def _access_claims(
    request: Request, credentials: HTTPAuthorizationCredentials | None
) -> TokenClaims:
    if credentials is None:
        raise tokens.InvalidToken("Sign in to continue")
    if keys.looks_like_key(credentials.credentials):
        # Not "invalid or expired": the key may well be valid, for the API's other routes.
        raise tokens.InvalidToken(
            "API keys are not accepted here: this route is for signed-in users (an access "
            "token from /api/v1/auth/login)"
        )
    secret = request.app.state.settings.auth.secret_key.get_secret_value()
    return tokens.decode(credentials.credentials, secret=secret, purpose="access")


async def _signed_in_claims(
    request: Request,
    credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)],
) -> TokenClaims:
    return _access_claims(request, credentials)


# What a valid access token says, before its user is read: `GET /me` reads the user itself,
# with the same checks (domain/users/auth.py).
AccessClaims = Annotated[TokenClaims, Depends(_signed_in_claims)]


async def _authenticated_user(session: Session, claims: AccessClaims) -> User:
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


# The signed-in user as an entity (the routes that change it), even if they still have to
# enrol in 2FA (profile and enrolment routes).
EnrollingUser = Annotated[User, Depends(_authenticated_user)]
# The signed-in user as an entity, fully authorised.
CurrentUser = Annotated[User, Depends(_enrolled_user)]


async def _actor(
    request: Request,
    session: Session,
    credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)],
) -> Actor:
    return await auth.signed_in_actor(session, _access_claims(request, credentials))


# A signed-in user (the SPA).
CurrentActor = Annotated[Actor, Depends(_actor)]


class _ApiKeyScheme(SecurityBase):
    """One way an integrator's API key is sent. A security dependency of its own, so FastAPI
    declares it as a security scheme and lists it in the `security` of every operation that
    reads it, beside the access token."""

    def __init__(
        self, name: str, model: HTTPBaseModel, read: Callable[[Request], str | None]
    ) -> None:
        self.scheme_name = name
        self.model = model
        self._read = read

    async def __call__(self, request: Request) -> str | None:
        return self._read(request)


def _key_as_bearer(request: Request) -> str | None:
    scheme, value = get_authorization_scheme_param(request.headers.get("authorization"))
    return value if scheme.lower() == "bearer" and keys.looks_like_key(value) else None


def _key_as_basic_user(request: Request) -> str | None:
    scheme, value = get_authorization_scheme_param(request.headers.get("authorization"))
    if scheme.lower() != "basic":
        return None
    try:
        user_name = base64.b64decode(value, validate=True).decode().split(":")[0]
    except (ValueError, UnicodeDecodeError):
        return None
    return user_name if keys.looks_like_key(user_name) else None


_api_key = _ApiKeyScheme(
    "ApiKey",
    HTTPBearerModel(
        bearerFormat="tnr_<prefix>_<secret>",
        description="An API key (Settings → Integration) as the bearer token",
    ),
    _key_as_bearer,
)
_api_key_as_basic_user = _ApiKeyScheme(
    "ApiKeyBasic",
    HTTPBaseModel(
        scheme="basic",
        description="An API key as the HTTP Basic user name, with an empty password (how "
        "Segment sends its write key)",
    ),
    _key_as_basic_user,
)


async def _api_actor(
    request: Request,
    session: Session,
    bearer: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)],
    key_as_bearer: Annotated[str | None, Depends(_api_key)],
    key_as_basic_user: Annotated[str | None, Depends(_api_key_as_basic_user)],
) -> Actor:
    key = key_as_bearer or key_as_basic_user
    if key is None:
        return await auth.signed_in_actor(session, _access_claims(request, bearer))
    return await _key_actor(request, session, key)


async def _key_actor(request: Request, session: AsyncSession, key: str) -> Actor:
    actor = await integration.authenticate(session, key)
    # The API log (api/middleware.py) records calls made with a key.
    request.state.api_key = (actor.org_id, actor.api_key_id)
    if request.method not in _READS:
        # A read runs no transaction to set it for, and writes nothing to audit.
        await integration.attribute_writes(session, actor)
    return actor


# A signed-in user or an integrator's API key (its scopes become permissions).
ApiActor = Annotated[Actor, Depends(_api_actor)]


def _write_key_in_body(body: bytes) -> str | None:
    try:
        data = json.loads(body)
    except (ValueError, RecursionError):
        return None
    key = data.get("writeKey") if isinstance(data, dict) else None
    return key if isinstance(key, str) and keys.looks_like_key(key) else None


async def _segment_actor(
    request: Request,
    session: Session,
    bearer: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)],
    key_as_bearer: Annotated[str | None, Depends(_api_key)],
    key_as_basic_user: Annotated[str | None, Depends(_api_key_as_basic_user)],
) -> Actor:
    """ApiActor, or without credentials the API key as `writeKey` in the JSON body: the
    third way Segment's HTTP API takes the write key, which clients of it may rely on."""
    if bearer is None and key_as_bearer is None and key_as_basic_user is None:
        key = _write_key_in_body(await request.body())
        if key is not None:
            return await _key_actor(request, session, key)
    return await _api_actor(request, session, bearer, key_as_bearer, key_as_basic_user)


# ApiActor for the Segment-compatible routes (api/routers/segment.py).
SegmentActor = Annotated[Actor, Depends(_segment_actor)]


@dataclass(frozen=True)
class Reader:
    """Who reads: `actor`, and when it is a signed-in user as this process last found them
    (not read again), the claims the read checks them by (`auth.presuming`)."""

    actor: Actor
    presumed_for: TokenClaims | None = None


async def _api_reader(
    request: Request,
    session: Session,
    bearer: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)],
    key_as_bearer: Annotated[str | None, Depends(_api_key)],
    key_as_basic_user: Annotated[str | None, Depends(_api_key_as_basic_user)],
) -> Reader:
    if key_as_bearer is None and key_as_basic_user is None:
        claims = _access_claims(request, bearer)
        presumed = auth.presumed_actor(claims)
        if presumed is not None:
            return Reader(presumed, claims)
    return Reader(await _api_actor(request, session, bearer, key_as_bearer, key_as_basic_user))


# ApiActor for a read that checks a signed-in user in its own statement (the account list).
ApiReader = Annotated[Reader, Depends(_api_reader)]


async def _call_outcome(request: Request) -> CallOutcome:
    outcome = CallOutcome()
    request.state.api_outcome = outcome
    return outcome


# What an ingestion call accepted and rejected, filled by the router for the API log.
ApiCallOutcome = Annotated[CallOutcome, Depends(_call_outcome)]
