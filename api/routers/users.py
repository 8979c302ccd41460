import uuid

from fastapi import status

from api.deps import AuthConfigDep, CurrentActor, Session
from api.errors import problem
from api.routing import AreaRouter
from domain.users import service as users
from domain.users.models import UserStatus
from domain.users.schemas import InvitationCreate, UserRead, UserUpdate

router = AreaRouter(prefix="/users", tags=["users"])


@router.get("", response_model=list[UserRead], responses=problem(401, 422))
async def list_users(
    actor: CurrentActor,
    session: Session,
    status: UserStatus | None = None,
    q: str | None = None,
) -> list[UserRead]:
    """The organisation's team: active, pending (invited) and inactive users. Every signed-in
    member may read it (to pick CSMs and see who did what); changing it needs "manage users"."""
    return [
        UserRead.model_validate(u)
        for u in await users.list_users(session, actor, status=status, q=q)
    ]


@router.post(
    "/invitations",
    response_model=UserRead,
    status_code=status.HTTP_201_CREATED,
    responses=problem(401, 403, 404, 409, 422),
)
async def invite_user(
    data: InvitationCreate, actor: CurrentActor, session: Session, config: AuthConfigDep
) -> UserRead:
    """Invite a teammate by email; they appear as pending until they accept. `409
    email_taken` if the address is already a user of this organisation (whether it signs in
    to another organisation is not told: such an invitation is made like any other)."""
    return UserRead.model_validate(await users.invite_user(session, actor, config, data))


@router.get("/{user_id:id}", response_model=UserRead, responses=problem(401, 404, 422))
async def get_user(user_id: uuid.UUID, actor: CurrentActor, session: Session) -> UserRead:
    """One user of the organisation."""
    return UserRead.model_validate(await users.get_user(session, actor, user_id))


@router.patch("/{user_id:id}", response_model=UserRead, responses=problem(401, 403, 404, 409, 422))
async def update_user(
    user_id: uuid.UUID, data: UserUpdate, actor: CurrentActor, session: Session
) -> UserRead:
    """Rename a user or change their role."""
    return UserRead.model_validate(await users.update_user(session, actor, user_id, data))


@router.post(
    "/{user_id:id}/deactivate", response_model=UserRead, responses=problem(401, 403, 404, 409, 422)
)
async def deactivate_user(user_id: uuid.UUID, actor: CurrentActor, session: Session) -> UserRead:
    """Stop a user from signing in and revoke the API keys they made (in the same change, each
    revocation in the audit log; reactivating the user does not bring the keys back). Their
    history stays."""
    return UserRead.model_validate(await users.deactivate_user(session, actor, user_id))


@router.post(
    "/{user_id:id}/reactivate", response_model=UserRead, responses=problem(401, 403, 404, 409, 422)
)
async def reactivate_user(user_id: uuid.UUID, actor: CurrentActor, session: Session) -> UserRead:
    """Let a deactivated user sign in again (`409 email_taken` if their address now signs in
    to another organisation: an address belongs to one active user)."""
    return UserRead.model_validate(await users.reactivate_user(session, actor, user_id))


@router.post(
    "/{user_id:id}/resend-invitation",
    response_model=UserRead,
    responses=problem(401, 403, 404, 409, 422),
)
async def resend_invitation(
    user_id: uuid.UUID, actor: CurrentActor, session: Session, config: AuthConfigDep
) -> UserRead:
    """Email a fresh invitation link (earlier links stop working)."""
    return UserRead.model_validate(await users.resend_invitation(session, actor, config, user_id))


@router.post(
    "/{user_id:id}/reset-password",
    response_model=UserRead,
    responses=problem(401, 403, 404, 409, 422),
)
async def reset_user_password(
    user_id: uuid.UUID, actor: CurrentActor, session: Session, config: AuthConfigDep
) -> UserRead:
    """Email the user a password-reset link and sign them out everywhere."""
    return UserRead.model_validate(
        await users.admin_reset_password(session, actor, config, user_id)
    )


@router.post(
    "/{user_id:id}/reset-mfa",
    response_model=UserRead,
    responses=problem(401, 403, 404, 409, 422),
)
async def reset_user_mfa(user_id: uuid.UUID, actor: CurrentActor, session: Session) -> UserRead:
    """Turn off another user's two-factor authentication (e.g. a lost phone). Your own is a
    409 `cannot_reset_own_mfa`: turn it off with `/me/mfa/disable`, which asks for your
    password and a code."""
    return UserRead.model_validate(await users.admin_reset_mfa(session, actor, user_id))
