"""Signing in and out: passwords, the second factor, rotating refresh tokens, emailed links."""

import functools
import uuid
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import TypeVar

from sqlalchemy.ext.asyncio import AsyncSession

from domain.audit import service as audit
from domain.common import clock, jobs
from domain.common.errors import DomainError
from domain.common.settings import Settings
from domain.emails import service as emails
from domain.orgs.models import Organisation
from domain.users import mfa, repository, tokens
from domain.users.actor import Actor
from domain.users.errors import (
    EmailTaken,
    InvalidCredentials,
    InvalidLinkToken,
    InvalidMfaCode,
    MfaEnrolmentRequired,
    RefreshTokenReused,
    WrongPassword,
)
from domain.users.models import (
    OneTimeToken,
    OneTimeTokenPurpose,
    RefreshToken,
    User,
    UserStatus,
)
from domain.users.passwords import hash_password_in_thread, verify_password_in_thread
from domain.users.permissions import Permission
from domain.users.repository import Principal, PrincipalCheck, UserRepository
from domain.users.schemas import LoginResult, MeRead
from domain.users.throttle import LoginThrottle, PasswordResetThrottle, SingleUse

SEND_PASSWORD_RESET_JOB = "users.send_password_reset"

T = TypeVar("T")


@dataclass(frozen=True)
class AuthConfig:
    secret_key: str
    access_token_ttl: timedelta
    refresh_token_ttl: timedelta
    mfa_challenge_ttl: timedelta
    password_reset_ttl: timedelta
    invitation_ttl: timedelta
    public_url: str


def auth_config(settings: Settings) -> AuthConfig:
    a = settings.auth
    return AuthConfig(
        secret_key=a.secret_key.get_secret_value(),
        access_token_ttl=timedelta(minutes=a.access_token_minutes),
        refresh_token_ttl=timedelta(days=a.refresh_token_days),
        mfa_challenge_ttl=timedelta(minutes=a.mfa_challenge_minutes),
        password_reset_ttl=timedelta(minutes=a.password_reset_minutes),
        invitation_ttl=timedelta(days=a.invitation_days),
        public_url=settings.public_url.rstrip("/"),
    )


@dataclass(frozen=True)
class SignedIn:
    result: LoginResult
    refresh_token: str | None


def _access_token(config: AuthConfig, user: User, *, sign_in: uuid.UUID, now: datetime) -> str:
    claims = tokens.TokenClaims(
        user_id=user.id,
        org_id=user.org_id,
        purpose="access",
        version=user.token_version,
        sign_in=sign_in,
    )
    return tokens.encode(claims, secret=config.secret_key, now=now, ttl=config.access_token_ttl)


async def _start_session(
    session: AsyncSession, config: AuthConfig, user: User, *, now: datetime
) -> SignedIn:
    org = await session.get_one(Organisation, user.org_id)
    enrol = org.requires_mfa and not user.mfa_enabled
    refresh = tokens.new_opaque_token()
    sign_in = uuid.uuid4()
    session.add(
        RefreshToken(
            org_id=user.org_id,
            user_id=user.id,
            family_id=sign_in,
            token_hash=tokens.hash_opaque_token(refresh),
            created_at=now,
            expires_at=now + config.refresh_token_ttl,
        )
    )
    user.last_login_at = now
    return SignedIn(
        result=LoginResult(
            status="authenticated",
            access_token=_access_token(config, user, sign_in=sign_in, now=now),
            expires_in=int(config.access_token_ttl.total_seconds()),
            mfa_enrolment_required=enrol,
        ),
        refresh_token=refresh,
    )


async def login(
    session: AsyncSession,
    config: AuthConfig,
    throttle: LoginThrottle,
    *,
    email: str,
    password: str,
    ip: str,
) -> SignedIn:
    await throttle.attempt(email, ip)
    now = clock.now()
    user = await repository.find_active_user_by_email(session, email)
    matches = await verify_password_in_thread(user.password_hash if user else None, password)
    if not matches or user is None:
        raise InvalidCredentials()
    if user.mfa_enabled:
        await throttle.forgive(email, ip, signed_in=False)
        challenge = tokens.encode(
            tokens.TokenClaims(
                user_id=user.id, org_id=user.org_id, purpose="mfa", version=user.token_version
            ),
            secret=config.secret_key,
            now=now,
            ttl=config.mfa_challenge_ttl,
        )
        return SignedIn(
            result=LoginResult(status="mfa_required", mfa_token=challenge), refresh_token=None
        )
    await throttle.forgive(email, ip, signed_in=True)
    return await _start_session(session, config, user, now=now)


async def login_mfa(
    session: AsyncSession,
    config: AuthConfig,
    throttle: LoginThrottle,
    challenges: SingleUse,
    *,
    mfa_token: str,
    code: str | None,
    recovery_code: str | None,
    ip: str,
) -> SignedIn:
    """Finish a sign-in with its second factor. The challenge (`mfa_token`) survives wrong
    codes (the throttle limits those) but starts one session at most."""
    now = clock.now()
    decoded = tokens.decode_token(mfa_token, secret=config.secret_key, purpose="mfa")
    claims = decoded.claims
    user = await UserRepository(session, claims.org_id).get(claims.user_id)
    if (
        user is None
        or user.status != UserStatus.ACTIVE
        or not user.mfa_secret
        or claims.version != user.token_version
    ):
        raise tokens.InvalidToken()
    await throttle.attempt(user.email, ip)
    if not await _use_second_factor(session, user, code=code, recovery_code=recovery_code, now=now):
        raise InvalidMfaCode()
    if not await challenges.use(f"mfa:{decoded.token_id}", until=decoded.expires_at, now=now):
        raise tokens.InvalidToken("This sign-in challenge was already used; sign in again")
    await throttle.forgive(user.email, ip, signed_in=True)
    return await _start_session(session, config, user, now=now)


async def confirm_password(throttle: LoginThrottle, user: User, password: str, *, ip: str) -> None:
    """Check a signed-in user's password before a change that needs it. Counted as a sign-in
    attempt, before the check as a sign-in is, so a stolen session gets no more guesses than the
    sign-in form gives; the caller forgives it (`throttle.forgive`) once its change is made."""
    await throttle.attempt(user.email, ip)
    if not await verify_password_in_thread(user.password_hash, password):
        raise WrongPassword()


async def use_totp_code(session: AsyncSession, user: User, code: str, *, now: datetime) -> bool:
    """Whether `code` is the user's current TOTP code and not one used before; using it makes
    it, and every older code, invalid."""
    if not user.mfa_secret:
        return False
    step = mfa.accepted_step(user.mfa_secret, code, now=now, after=user.totp_last_step)
    return step is not None and await UserRepository(session, user.org_id).advance_totp_step(
        user.id, step
    )


async def _use_second_factor(
    session: AsyncSession,
    user: User,
    *,
    code: str | None,
    recovery_code: str | None,
    now: datetime,
) -> bool:
    if code and user.mfa_secret:
        return await use_totp_code(session, user, code, now=now)
    if recovery_code:
        wanted = tokens.hash_opaque_token(mfa.normalise_recovery_code(recovery_code))
        for stored in await UserRepository(session, user.org_id).unused_recovery_codes(user.id):
            if stored.code_hash == wanted:
                stored.used_at = clock.now()
                return True
    return False


# A token presented again within seconds of its rotation is a page reloaded (or a second tab)
# while the first refresh was in flight, whose answer the browser never stored: it refreshes
# once more instead of signing the user out.
REFRESH_REUSE_GRACE = timedelta(seconds=20)


async def refresh(session: AsyncSession, config: AuthConfig, *, refresh_token: str) -> SignedIn:
    """Rotate a refresh token. Presenting an already-rotated token (past the grace) revokes its
    whole family, because one of the two holders is a thief and we cannot tell which."""
    now = clock.now()
    stored = await repository.find_refresh_token(session, tokens.hash_opaque_token(refresh_token))
    if stored is None or stored.expires_at <= now:
        raise tokens.InvalidToken()
    users = UserRepository(session, stored.org_id)
    if stored.revoked_at is not None:
        raise tokens.InvalidToken()
    if stored.rotated_at is not None and now - stored.rotated_at > REFRESH_REUSE_GRACE:
        await users.revoke_family(stored.family_id, now)
        raise RefreshTokenReused()
    user = await users.get(stored.user_id)
    if user is None or user.status != UserStatus.ACTIVE:
        raise tokens.InvalidToken()
    org = await session.get_one(Organisation, user.org_id)
    stored.rotated_at = stored.rotated_at or now
    new_refresh = tokens.new_opaque_token()
    session.add(
        RefreshToken(
            org_id=stored.org_id,
            user_id=stored.user_id,
            family_id=stored.family_id,
            token_hash=tokens.hash_opaque_token(new_refresh),
            created_at=now,
            expires_at=stored.expires_at,
        )
    )
    enrol = org.requires_mfa and not user.mfa_enabled
    return SignedIn(
        result=LoginResult(
            status="authenticated",
            access_token=_access_token(config, user, sign_in=stored.family_id, now=now),
            expires_in=int(config.access_token_ttl.total_seconds()),
            mfa_enrolment_required=enrol,
        ),
        refresh_token=new_refresh,
    )


async def logout(session: AsyncSession, *, refresh_token: str | None) -> None:
    """End this sign-in's refresh tokens, and every access token of the user: an access token
    cannot be revoked alone, so the user's token version moves on. The user's other sign-ins
    keep their refresh tokens and get a new access token on their next refresh."""
    if not refresh_token:
        return
    stored = await repository.find_refresh_token(session, tokens.hash_opaque_token(refresh_token))
    if stored is None:
        return
    users = UserRepository(session, stored.org_id)
    # Only the live token of a sign-in ends the user's access tokens: an old rotated one
    # (someone else may hold it) only ends its own family.
    live = stored.revoked_at is None and stored.rotated_at is None
    await users.revoke_family(stored.family_id, clock.now())
    if live:
        user = await users.get(stored.user_id)
        if user is not None:
            end_access_tokens(user)


def end_access_tokens(user: User) -> None:
    """Every access token issued to the user so far stops working (logout, a new password,
    deactivation). Two concurrent bumps may both write the same number; either way it is not
    the number the old tokens carry."""
    user.token_version += 1


async def issue_link(
    session: AsyncSession,
    config: AuthConfig,
    user: User,
    purpose: OneTimeTokenPurpose,
    *,
    now: datetime,
) -> str:
    """Create a single-use link token (earlier unused ones for the same purpose stop working)."""
    await UserRepository(session, user.org_id).expire_link_tokens(user.id, purpose, now)
    token = tokens.new_opaque_token()
    ttl = (
        config.password_reset_ttl
        if purpose == OneTimeTokenPurpose.PASSWORD_RESET
        else config.invitation_ttl
    )
    session.add(
        OneTimeToken(
            org_id=user.org_id,
            user_id=user.id,
            purpose=purpose,
            token_hash=tokens.hash_opaque_token(token),
            created_at=now,
            expires_at=now + ttl,
        )
    )
    return token


async def send_password_reset(session: AsyncSession, config: AuthConfig, user: User) -> None:
    token = await issue_link(
        session, config, user, OneTimeTokenPurpose.PASSWORD_RESET, now=clock.now()
    )
    link = f"{config.public_url}/reset-password?token={token}"
    minutes = int(config.password_reset_ttl.total_seconds() // 60)
    await emails.queue_email(
        session,
        org_id=user.org_id,
        to=user.email,
        subject="Reset your Tenure password",
        text=(
            f"Hello {user.full_name},\n\nSomeone asked to reset the password of your Tenure "
            f"account. Open this link within {minutes} minutes to choose a new one:\n\n{link}\n\n"
            "If it was not you, ignore this email; your password stays as it is.\n"
        ),
    )


async def request_password_reset(
    session: AsyncSession, throttle: PasswordResetThrottle, *, email: str, ip: str
) -> None:
    """Always succeeds for the caller, and does the same work whether or not the address
    belongs to anyone (a throttle count and a queued job; the job looks the address up), so
    neither the answer nor its timing tells which addresses exist. Past the throttle's limit
    for the address or the client, nothing more is sent."""
    if await throttle.allow(email, ip):
        jobs.enqueue(
            session, SEND_PASSWORD_RESET_JOB, job_id=f"password-reset:{uuid.uuid4()}", email=email
        )


async def send_password_reset_to(session: AsyncSession, config: AuthConfig, *, email: str) -> None:
    """Email a reset link to the active user with this address, if there is one."""
    user = await repository.find_active_user_by_email(session, email)
    if user is not None:
        await send_password_reset(session, config, user)


async def _redeem_link(
    session: AsyncSession, token: str, purpose: OneTimeTokenPurpose, *, consume: bool
) -> User:
    now = clock.now()
    stored = await repository.find_link_token(session, tokens.hash_opaque_token(token), purpose)
    if stored is None or stored.used_at is not None or stored.expires_at <= now:
        raise InvalidLinkToken()
    user = await UserRepository(session, stored.org_id).get(stored.user_id)
    if user is None:
        raise InvalidLinkToken()
    if consume:
        stored.used_at = now
    return user


async def confirm_password_reset(
    session: AsyncSession, throttle: LoginThrottle, *, token: str, new_password: str
) -> None:
    user = await _redeem_link(session, token, OneTimeTokenPurpose.PASSWORD_RESET, consume=True)
    if user.status != UserStatus.ACTIVE:
        raise InvalidLinkToken()
    user.password_hash = await hash_password_in_thread(new_password)
    end_access_tokens(user)
    await UserRepository(session, user.org_id).revoke_refresh_tokens(user.id, clock.now())
    _audit_own(session, user, "user.password_reset")
    # Whoever reset it reads the address's mail: the wrong guesses that may have locked the
    # address (theirs or someone else's) no longer keep them from signing in with the new one.
    await throttle.pardon(user.email)


async def preview_invitation(session: AsyncSession, *, token: str) -> tuple[User, Organisation]:
    user = await _redeem_link(session, token, OneTimeTokenPurpose.INVITATION, consume=False)
    if user.status != UserStatus.INVITED:
        raise InvalidLinkToken()
    return user, await session.get_one(Organisation, user.org_id)


async def accept_invitation(
    session: AsyncSession,
    config: AuthConfig,
    *,
    token: str,
    password: str,
    full_name: str | None,
) -> SignedIn:
    user = await _redeem_link(session, token, OneTimeTokenPurpose.INVITATION, consume=True)
    if user.status != UserStatus.INVITED:
        raise InvalidLinkToken()
    if await repository.find_active_user_by_email(session, user.email) is not None:
        # Only the address's owner has the link, so this tells no one else anything.
        raise EmailTaken(
            "This address already signs in to Tenure with another organisation; "
            "ask for an invitation to a different address"
        )
    user.password_hash = await hash_password_in_thread(password)
    user.status = UserStatus.ACTIVE
    if full_name:
        user.full_name = full_name
    _audit_own(session, user, "user.invitation_accepted")
    return await _start_session(session, config, user, now=clock.now())


def _audit_own(session: AsyncSession, user: User, action: str) -> None:
    """A change users make to themselves through an emailed link: their admins see it in the
    audit log as they see a change of password made signed in."""
    audit.record(
        session,
        org_id=user.org_id,
        actor_user_id=user.id,
        action=action,
        entity_type="user",
        entity_id=user.id,
    )


def _is_current(claims: tokens.TokenClaims, *, status: str, token_version: int) -> bool:
    """A vanished or inactive user, or one whose tokens were revoked since (a new version), makes
    a bad token (401), never a 404."""
    return status == UserStatus.ACTIVE and token_version == claims.version


async def load_principal(session: AsyncSession, claims: tokens.TokenClaims) -> User:
    """The user a valid access token names, as an entity (the routes that change the user)."""
    user = await UserRepository(session, claims.org_id).get(claims.user_id)
    if user is None or not _is_current(
        claims, status=user.status, token_version=user.token_version
    ):
        raise tokens.InvalidToken()
    return user


async def signed_in_actor(session: AsyncSession, claims: tokens.TokenClaims) -> Actor:
    """The actor of every signed-in request, from one row read afresh each time (status, token
    version, 2FA policy, permissions), not from the user's ORM entity: loading that entity with
    its role and organisation was most of `GET /me`'s CPU."""
    principal = await UserRepository(session, claims.org_id).principal(claims.user_id)
    return _actor_of(claims, principal)


def _actor_of(claims: tokens.TokenClaims, principal: Principal | None) -> Actor:
    found = (claims.org_id, claims.user_id, claims.version)
    if principal is None or not _is_current(
        claims, status=principal.status, token_version=principal.token_version
    ):
        # Forgotten, so a refused token is not presumed again: it costs no read before its 401.
        _last_found.pop(found, None)
        raise tokens.InvalidToken()
    # Users of an organisation that requires 2FA may only enrol until they have.
    if principal.org_requires_mfa and not principal.mfa_enabled:
        _last_found.pop(found, None)
        raise MfaEnrolmentRequired()
    actor = Actor(
        org_id=claims.org_id,
        user_id=claims.user_id,
        permissions=permission_set(tuple(principal.permissions)),
    )
    _last_found[found] = actor
    if len(_last_found) > _LAST_FOUND_SIZE:
        del _last_found[next(iter(_last_found))]
    return actor


# Each signed-in user as this process last found them (by token version), for the reads that
# presume them and check them in their own statement: a separate read of the user was a third
# of the account list's time. Never trusted alone: see `presuming`.
_LAST_FOUND_SIZE = 10_000
_last_found: dict[tuple[uuid.UUID, uuid.UUID, int], Actor] = {}


def presumed_actor(claims: tokens.TokenClaims) -> Actor | None:
    """The actor this process last found for these claims, not checked again (None when it has
    not found them yet)."""
    return _last_found.get((claims.org_id, claims.user_id, claims.version))


async def presuming(
    session: AsyncSession,
    claims: tokens.TokenClaims,
    presumed: Actor,
    read: Callable[[Actor, PrincipalCheck | None], Awaitable[T]],
) -> T:
    """`read` as `presumed`, checking the user in the read's own statement: its result stands
    only if the user is what was presumed, as every signed-in request checks them (revoked or
    inactive: 401; 2FA to enrol: 403). A user who changed (another role) is read again as they
    are now, and so is a refusal the read made as presumed: an error is the user's as they are."""
    check = PrincipalCheck.of(claims.org_id, claims.user_id)
    try:
        result = await read(presumed, check)
    except DomainError:
        actor = await signed_in_actor(session, claims)
        if actor == presumed:
            raise
        return await read(actor, None)
    if check.carried:
        actor = _actor_of(claims, check.principal)
    else:
        actor = await signed_in_actor(session, claims)
    return result if actor == presumed else await read(actor, None)


@functools.lru_cache(maxsize=256)
def permission_set(names: tuple[str, ...]) -> frozenset[Permission]:
    """A role's stored permissions as the actor's set: a handful of distinct lists per process."""
    return frozenset(Permission(p) for p in names)


async def describe_me(session: AsyncSession, claims: tokens.TokenClaims) -> MeRead:
    """The signed-in user, their role and organisation (also while they still have to enrol
    in 2FA), from one row checked as every signed-in request is."""
    me = await UserRepository(session, claims.org_id).me(claims.user_id)
    if me is None or not _is_current(
        claims, status=me["status"], token_version=me["token_version"]
    ):
        raise tokens.InvalidToken()
    permissions = sorted(permission_set(tuple(me["role_permissions"])))
    role = {k.removeprefix("role_"): v for k, v in me.items() if k.startswith("role_")}
    return MeRead.model_validate(
        {
            **me,
            "role": {**role, "id": me["role_id"]},
            "permissions": permissions,
            "mfa_enrolment_required": me["organisation_requires_mfa"] and not me["mfa_enabled"],
        }
    )
