"""Users, roles and a user's own profile (password, two-factor)."""

import uuid
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from domain.audit import service as audit
from domain.common import clock
from domain.emails import service as emails
from domain.integration import service as integration
from domain.orgs.models import Organisation
from domain.users import mfa, tokens
from domain.users.actor import Actor, require
from domain.users.auth import (
    AuthConfig,
    confirm_password,
    end_access_tokens,
    issue_link,
    send_password_reset,
    use_totp_code,
)

# GET /me reads its user as every signed-in request does (domain/users/auth.py).
from domain.users.auth import describe_me as describe_me
from domain.users.errors import (
    BuiltinRoleImmutable,
    CannotChangeSelf,
    CannotResetOwnMfa,
    EmailTaken,
    ManagerNotFound,
    MfaAlreadyEnabled,
    MfaNotEnabled,
    MfaNotEnrolling,
    RoleInUse,
    RoleNameTaken,
    RoleNotFound,
    UnknownRole,
    UserNotActive,
    UserNotFound,
    WrongMfaCode,
)
from domain.users.models import OneTimeTokenPurpose, RecoveryCode, Role, User, UserStatus
from domain.users.passwords import hash_password_in_thread
from domain.users.permissions import BUILTIN_ROLES, Permission
from domain.users.repository import (
    RoleRepository,
    UserRepository,
    find_active_user_by_email,
)
from domain.users.schemas import (
    InvitationCreate,
    RoleCreate,
    RoleUpdate,
    UserUpdate,
)
from domain.users.throttle import LoginThrottle


def actor_for(user: User) -> Actor:
    return Actor(
        org_id=user.org_id,
        user_id=user.id,
        permissions=frozenset(Permission(p) for p in user.role.permissions),
    )


def _user_snapshot(user: User) -> dict[str, Any]:
    return {
        "email": user.email,
        "full_name": user.full_name,
        "role_id": str(user.role_id),
        "status": str(user.status),
        "mfa_enabled": user.mfa_enabled,
        "manager_id": str(user.manager_id) if user.manager_id else None,
    }


def _role_snapshot(role: Role) -> dict[str, Any]:
    return {
        "name": role.name,
        "description": role.description,
        "permissions": sorted(role.permissions),
        "landing_page": role.landing_page,
    }


# --- users ------------------------------------------------------------------------------------


async def get_user(session: AsyncSession, actor: Actor, user_id: uuid.UUID) -> User:
    user = await UserRepository(session, actor.org_id).get(user_id)
    if user is None:
        raise UserNotFound()
    return user


async def list_users(
    session: AsyncSession, actor: Actor, *, status: UserStatus | None = None, q: str | None = None
) -> list[User]:
    return await UserRepository(session, actor.org_id).search(status=status, q=q)


async def _get_role(
    session: AsyncSession, actor: Actor, role_id: uuid.UUID, *, named: bool = False
) -> Role:
    """The role at `role_id`; `named` when a body names it (a conflict, not a missing page)."""
    role = await RoleRepository(session, actor.org_id).get(role_id)
    if role is None:
        raise UnknownRole() if named else RoleNotFound()
    return role


async def invite_user(
    session: AsyncSession, actor: Actor, config: AuthConfig, data: InvitationCreate
) -> User:
    require(actor, Permission.MANAGE_USERS)
    role = await _get_role(session, actor, data.role_id, named=True)
    # Only this organisation's users are checked: whether the address signs in elsewhere must
    # not show here (accepting the invitation is where that is refused, to its owner).
    if await UserRepository(session, actor.org_id).find_by_email(data.email) is not None:
        raise EmailTaken()
    now = clock.now()
    user = User(
        org_id=actor.org_id,
        email=data.email,
        full_name=data.full_name,
        role_id=role.id,
        status=UserStatus.INVITED,
        invited_at=now,
    )
    session.add(user)
    await session.flush()
    await _send_invitation(session, actor, config, user, now=now)
    audit.record_for(session, actor, "user.invited", "user", user.id, after=_user_snapshot(user))
    return await get_user(session, actor, user.id)


async def _send_invitation(
    session: AsyncSession, actor: Actor, config: AuthConfig, user: User, *, now: Any
) -> None:
    org = await session.get_one(Organisation, actor.org_id)
    token = await issue_link(session, config, user, OneTimeTokenPurpose.INVITATION, now=now)
    link = f"{config.public_url}/accept-invitation?token={token}"
    days = config.invitation_ttl.days
    await emails.queue_email(
        session,
        org_id=actor.org_id,
        to=user.email,
        subject=f"You are invited to {org.name} on Tenure",
        text=(
            f"Hello {user.full_name},\n\nYou have been invited to join {org.name} on Tenure. "
            f"Open this link within {days} days to choose your password:\n\n{link}\n"
        ),
    )


async def resend_invitation(
    session: AsyncSession, actor: Actor, config: AuthConfig, user_id: uuid.UUID
) -> User:
    require(actor, Permission.MANAGE_USERS)
    user = await get_user(session, actor, user_id)
    if user.status != UserStatus.INVITED:
        raise UserNotActive("Only pending invitations can be resent")
    user.invited_at = clock.now()
    await _send_invitation(session, actor, config, user, now=user.invited_at)
    audit.record_for(session, actor, "user.invitation_resent", "user", user.id)
    return user


async def update_user(
    session: AsyncSession, actor: Actor, user_id: uuid.UUID, data: UserUpdate
) -> User:
    require(actor, Permission.MANAGE_USERS)
    user = await get_user(session, actor, user_id)
    before = _user_snapshot(user)
    if data.role_id is not None and data.role_id != user.role_id:
        role = await _get_role(session, actor, data.role_id, named=True)
        if user.id == actor.user_id and Permission.MANAGE_USERS not in role.permissions:
            raise CannotChangeSelf()
        user.role_id = role.id
    if data.full_name is not None:
        user.full_name = data.full_name
    if "manager_id" in data.model_fields_set:
        if data.manager_id is not None:
            manager = await UserRepository(session, actor.org_id).get(data.manager_id)
            if manager is None or manager.id == user.id:
                raise ManagerNotFound()
            # A manager who is kept as they were may have left since; a new one must be active.
            if manager.status != UserStatus.ACTIVE and manager.id != user.manager_id:
                raise ManagerNotFound(
                    f"{manager.full_name} cannot sign in (invitation pending or deactivated): "
                    "choose an active user as the manager"
                )
        user.manager_id = data.manager_id
    await session.flush()
    audit.record_for(
        session, actor, "user.updated", "user", user.id, before=before, after=_user_snapshot(user)
    )
    session.expire(user, ["role"])
    return await get_user(session, actor, user.id)


async def deactivate_user(session: AsyncSession, actor: Actor, user_id: uuid.UUID) -> User:
    """Deactivated users cannot sign in, and the API keys they made are revoked (reactivating
    them does not bring the keys back); their history (accounts, notes, tasks) stays."""
    require(actor, Permission.MANAGE_USERS)
    user = await get_user(session, actor, user_id)
    if user.id == actor.user_id:
        raise CannotChangeSelf()
    before = _user_snapshot(user)
    now = clock.now()
    user.status = UserStatus.INACTIVE
    user.deactivated_at = now
    end_access_tokens(user)
    await UserRepository(session, actor.org_id).revoke_refresh_tokens(user.id, now)
    await integration.revoke_keys_made_by(session, actor, user.id)
    audit.record_for(
        session,
        actor,
        "user.deactivated",
        "user",
        user.id,
        before=before,
        after=_user_snapshot(user),
    )
    return user


async def reactivate_user(session: AsyncSession, actor: Actor, user_id: uuid.UUID) -> User:
    require(actor, Permission.MANAGE_USERS)
    user = await get_user(session, actor, user_id)
    if user.status != UserStatus.INACTIVE:
        return user
    before = _user_snapshot(user)
    # A user deactivated before accepting an invitation goes back to pending.
    if user.password_hash and await find_active_user_by_email(session, user.email) is not None:
        # Their address now signs in to another organisation (they accepted an invitation
        # there meanwhile); only one active user may hold it.
        raise EmailTaken("This user's address now signs in to another Tenure organisation")
    user.status = UserStatus.ACTIVE if user.password_hash else UserStatus.INVITED
    user.deactivated_at = None
    audit.record_for(
        session,
        actor,
        "user.reactivated",
        "user",
        user.id,
        before=before,
        after=_user_snapshot(user),
    )
    return user


async def admin_reset_password(
    session: AsyncSession, actor: Actor, config: AuthConfig, user_id: uuid.UUID
) -> User:
    """Email the user a reset link and sign them out everywhere."""
    require(actor, Permission.MANAGE_USERS)
    user = await get_user(session, actor, user_id)
    if user.status != UserStatus.ACTIVE:
        raise UserNotActive()
    await send_password_reset(session, config, user)
    end_access_tokens(user)
    await UserRepository(session, actor.org_id).revoke_refresh_tokens(user.id, clock.now())
    audit.record_for(session, actor, "user.password_reset_sent", "user", user.id)
    return user


async def admin_reset_mfa(session: AsyncSession, actor: Actor, user_id: uuid.UUID) -> User:
    """Turn off a user's two-factor (lost phone); they enrol again at next sign-in if required.
    Not one's own: that is `disable_mfa`, which asks for the password and a code."""
    require(actor, Permission.MANAGE_USERS)
    user = await get_user(session, actor, user_id)
    if user.id == actor.user_id:
        raise CannotResetOwnMfa(
            "Use /api/v1/me/mfa/disable, which asks for your password and a code "
            "(Profile → Two-factor authentication → Turn off)"
        )
    before = _user_snapshot(user)
    await _clear_mfa(session, user)
    audit.record_for(
        session,
        actor,
        "user.mfa_reset",
        "user",
        user.id,
        before=before,
        after=_user_snapshot(user),
    )
    return user


async def _clear_mfa(session: AsyncSession, user: User) -> None:
    user.mfa_secret = None
    user.mfa_enabled_at = None
    await UserRepository(session, user.org_id).delete_recovery_codes(user.id)


# --- roles ------------------------------------------------------------------------------------


async def list_roles(session: AsyncSession, actor: Actor) -> list[Role]:
    return await RoleRepository(session, actor.org_id).all()


async def create_role(session: AsyncSession, actor: Actor, data: RoleCreate) -> Role:
    require(actor, Permission.MANAGE_USERS)
    roles = RoleRepository(session, actor.org_id)
    if await roles.get_by_name(data.name) is not None:
        raise RoleNameTaken()
    role = Role(
        org_id=actor.org_id,
        name=data.name,
        description=data.description,
        permissions=sorted({str(p) for p in data.permissions}),
        landing_page=data.landing_page,
    )
    session.add(role)
    await session.flush()
    audit.record_for(session, actor, "role.created", "role", role.id, after=_role_snapshot(role))
    return role


async def update_role(
    session: AsyncSession, actor: Actor, role_id: uuid.UUID, data: RoleUpdate
) -> Role:
    require(actor, Permission.MANAGE_USERS)
    roles = RoleRepository(session, actor.org_id)
    role = await _get_role(session, actor, role_id)
    if role.is_builtin:
        raise BuiltinRoleImmutable()
    before = _role_snapshot(role)
    if data.name is not None:
        # Only another role's name is taken; changing the case of this one's is fine.
        if data.name.lower() != role.name.lower() and await roles.get_by_name(data.name):
            raise RoleNameTaken()
        role.name = data.name
    if data.description is not None:
        role.description = data.description
    if data.permissions is not None:
        if Permission.MANAGE_USERS not in data.permissions and await _holds_role(
            session, actor, role
        ):
            # As a change of one's own role is refused (`update_user`): taking "manage users"
            # from the role one holds would leave one unable to give it back.
            raise CannotChangeSelf()
        role.permissions = sorted({str(p) for p in data.permissions})
    if data.landing_page is not None:
        role.landing_page = data.landing_page
    await session.flush()
    audit.record_for(
        session, actor, "role.updated", "role", role.id, before=before, after=_role_snapshot(role)
    )
    return role


async def _holds_role(session: AsyncSession, actor: Actor, role: Role) -> bool:
    me = await UserRepository(session, actor.org_id).get(actor.user_id) if actor.user_id else None
    return me is not None and me.role_id == role.id


async def delete_role(session: AsyncSession, actor: Actor, role_id: uuid.UUID) -> None:
    require(actor, Permission.MANAGE_USERS)
    role = await _get_role(session, actor, role_id)
    if role.is_builtin:
        raise BuiltinRoleImmutable()
    # Deactivated users count too: they keep their history, and their role with it.
    if await UserRepository(session, actor.org_id).count_with_role(role.id):
        raise RoleInUse()
    audit.record_for(session, actor, "role.deleted", "role", role.id, before=_role_snapshot(role))
    await session.delete(role)


def builtin_roles(org_id: uuid.UUID) -> list[Role]:
    return [
        Role(
            org_id=org_id,
            name=name,
            permissions=sorted(str(p) for p in perms),
            landing_page=landing,
            is_builtin=True,
            description="Built-in role",
        )
        for name, (perms, landing) in BUILTIN_ROLES.items()
    ]


# --- my profile -------------------------------------------------------------------------------


async def change_password(
    session: AsyncSession,
    throttle: LoginThrottle,
    user: User,
    *,
    current_password: str,
    new_password: str,
    ip: str,
    sign_in: uuid.UUID | None,
) -> None:
    """A new password ends every other sign-in of the user (whoever knew the old one is out);
    this one (`sign_in`, the access token's) goes on through its refresh token. A token issued
    before sign-ins were named has none: then every sign-in ends."""
    await confirm_password(throttle, user, current_password, ip=ip)
    user.password_hash = await hash_password_in_thread(new_password)
    end_access_tokens(user)
    await UserRepository(session, user.org_id).revoke_refresh_tokens(
        user.id, clock.now(), but=sign_in
    )
    audit.record(
        session,
        org_id=user.org_id,
        actor_user_id=user.id,
        action="user.password_changed",
        entity_type="user",
        entity_id=user.id,
    )
    await throttle.forgive(user.email, ip, signed_in=True)


async def start_mfa_enrolment(session: AsyncSession, user: User) -> tuple[str, str]:
    """Give the user a fresh secret to scan; it takes effect only once confirmed with a code."""
    if user.mfa_enabled:
        raise MfaAlreadyEnabled()
    user.mfa_secret = mfa.new_secret()
    return user.mfa_secret, mfa.provisioning_uri(user.mfa_secret, email=user.email)


async def _replace_recovery_codes(session: AsyncSession, user: User) -> list[str]:
    await UserRepository(session, user.org_id).delete_recovery_codes(user.id)
    codes = mfa.new_recovery_codes()
    for code in codes:
        session.add(
            RecoveryCode(
                org_id=user.org_id, user_id=user.id, code_hash=tokens.hash_opaque_token(code)
            )
        )
    return codes


async def _check_code(
    session: AsyncSession, throttle: LoginThrottle, user: User, code: str, *, ip: str
) -> None:
    """A signed-in user's code, counted as a sign-in attempt (a stolen session may not guess
    codes unchecked) and forgiven once right."""
    await throttle.attempt(user.email, ip)
    if not await use_totp_code(session, user, code, now=clock.now()):
        raise WrongMfaCode()
    await throttle.forgive(user.email, ip, signed_in=True)


async def confirm_mfa_enrolment(
    session: AsyncSession, throttle: LoginThrottle, user: User, *, code: str, ip: str
) -> list[str]:
    if user.mfa_enabled:
        raise MfaAlreadyEnabled()
    if not user.mfa_secret:
        raise MfaNotEnrolling()
    await _check_code(session, throttle, user, code, ip=ip)
    user.mfa_enabled_at = clock.now()
    codes = await _replace_recovery_codes(session, user)
    audit.record(
        session,
        org_id=user.org_id,
        actor_user_id=user.id,
        action="user.mfa_enabled",
        entity_type="user",
        entity_id=user.id,
    )
    return codes


async def regenerate_recovery_codes(
    session: AsyncSession, throttle: LoginThrottle, user: User, *, code: str, ip: str
) -> list[str]:
    if not user.mfa_enabled or not user.mfa_secret:
        raise MfaNotEnabled()
    await _check_code(session, throttle, user, code, ip=ip)
    return await _replace_recovery_codes(session, user)


async def disable_mfa(
    session: AsyncSession,
    throttle: LoginThrottle,
    user: User,
    *,
    password: str,
    code: str,
    ip: str,
) -> None:
    """Needs the password and a current code; a wrong code counts against the throttle as a
    wrong password does (the attempt is forgiven only once both were right)."""
    if not user.mfa_enabled or not user.mfa_secret:
        raise MfaNotEnabled()
    await confirm_password(throttle, user, password, ip=ip)
    if not await use_totp_code(session, user, code, now=clock.now()):
        raise WrongMfaCode()
    await _clear_mfa(session, user)
    audit.record(
        session,
        org_id=user.org_id,
        actor_user_id=user.id,
        action="user.mfa_disabled",
        entity_type="user",
        entity_id=user.id,
    )
    await throttle.forgive(user.email, ip, signed_in=True)


async def csm_ids_among(
    session: AsyncSession, org_id: uuid.UUID, user_ids: list[uuid.UUID]
) -> set[uuid.UUID]:
    """Which of these users may be assigned accounts (active or invited, with a CSM seat)."""
    return await UserRepository(session, org_id).ids_with_permission(user_ids, Permission.CSM_SEAT)
