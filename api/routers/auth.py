from typing import Annotated

from fastapi import Cookie, Response, status

from api.deps import (
    AuthConfigDep,
    ClientIp,
    LoginThrottleDep,
    PasswordResetThrottleDep,
    Session,
    SettingsDep,
    SingleUseDep,
)
from api.errors import problem
from api.routing import AreaRouter
from domain.users import auth
from domain.users.auth import SignedIn
from domain.users.schemas import (
    InvitationAccept,
    InvitationPreview,
    LoginRequest,
    LoginResult,
    MfaLoginRequest,
    PasswordResetConfirm,
    PasswordResetRequest,
)
from domain.users.tokens import InvalidToken

router = AreaRouter(prefix="/auth", tags=["auth"])

REFRESH_COOKIE = "tenure_refresh"
REFRESH_COOKIE_PATH = "/api/v1/auth"
# Beside the refresh cookie, which scripts cannot read: tells the SPA there is a session to
# resume, so a visitor who never signed in is not sent through a refresh that must fail. It
# holds nothing secret ("1").
SIGNED_IN_COOKIE = "tenure_signed_in"


def _answer(response: Response, signed_in: SignedIn, settings: SettingsDep) -> LoginResult:
    if signed_in.refresh_token:
        response.set_cookie(
            REFRESH_COOKIE,
            signed_in.refresh_token,
            max_age=settings.auth.refresh_token_days * 86400,
            path=REFRESH_COOKIE_PATH,
            httponly=True,
            secure=settings.secure_refresh_cookie,
            samesite="strict",
        )
        response.set_cookie(
            SIGNED_IN_COOKIE,
            "1",
            max_age=settings.auth.refresh_token_days * 86400,
            path="/",
            secure=settings.secure_refresh_cookie,
            samesite="strict",
        )
    return signed_in.result


@router.post("/login", response_model=LoginResult, responses=problem(401, 422, 429))
async def login(
    data: LoginRequest,
    response: Response,
    session: Session,
    config: AuthConfigDep,
    throttle: LoginThrottleDep,
    ip: ClientIp,
    settings: SettingsDep,
) -> LoginResult:
    """Sign in with email and password. Answers `mfa_required` with an `mfa_token` when the
    user has two-factor authentication; finish with `/auth/login/mfa`."""
    signed_in = await auth.login(
        session, config, throttle, email=data.email, password=data.password, ip=ip
    )
    return _answer(response, signed_in, settings)


@router.post("/login/mfa", response_model=LoginResult, responses=problem(401, 422, 429))
async def login_mfa(
    data: MfaLoginRequest,
    response: Response,
    session: Session,
    config: AuthConfigDep,
    throttle: LoginThrottleDep,
    challenges: SingleUseDep,
    ip: ClientIp,
    settings: SettingsDep,
) -> LoginResult:
    """Finish signing in with a TOTP code or a single-use recovery code. A TOTP code works
    once, and an `mfa_token` starts one session at most (wrong codes do not use it up)."""
    signed_in = await auth.login_mfa(
        session,
        config,
        throttle,
        challenges,
        mfa_token=data.mfa_token,
        code=data.code,
        recovery_code=data.recovery_code,
        ip=ip,
    )
    return _answer(response, signed_in, settings)


@router.post("/refresh", response_model=LoginResult, responses=problem(401, 422))
async def refresh_session(
    response: Response,
    session: Session,
    config: AuthConfigDep,
    settings: SettingsDep,
    tenure_refresh: Annotated[str | None, Cookie(max_length=200)] = None,
) -> LoginResult:
    """Exchange the refresh cookie for a new access token (and a new refresh cookie).
    A refresh token works once: presenting it again more than 20 seconds after it was used
    revokes every refresh token of that sign-in (401 `refresh_token_reused`). Within those 20
    seconds it refreshes again, so tabs refreshing at once, or a reload while a refresh is in
    flight, do not sign the user out."""
    if not tenure_refresh:
        raise InvalidToken("No refresh token")
    signed_in = await auth.refresh(session, config, refresh_token=tenure_refresh)
    return _answer(response, signed_in, settings)


@router.post("/logout", status_code=status.HTTP_204_NO_CONTENT, responses=problem(422))
async def logout(
    response: Response,
    session: Session,
    tenure_refresh: Annotated[str | None, Cookie(max_length=200)] = None,
) -> None:
    """Sign out: the refresh token and every token rotated from it stop working, and so does
    every access token of the user (other devices get a new one on their next refresh)."""
    await auth.logout(session, refresh_token=tenure_refresh)
    response.delete_cookie(REFRESH_COOKIE, path=REFRESH_COOKIE_PATH)
    response.delete_cookie(SIGNED_IN_COOKIE, path="/")


@router.post(
    "/password-reset",
    status_code=status.HTTP_202_ACCEPTED,
    response_class=Response,
    responses={202: {"description": "Accepted (no body)"}, **problem(422)},
)
async def request_password_reset(
    data: PasswordResetRequest, session: Session, throttle: PasswordResetThrottleDep, ip: ClientIp
) -> Response:
    """Email a single-use reset link if the address belongs to an active user.
    Always answers 202, so it does not reveal which addresses exist; a few emails per address
    and per client an hour at most (more requests are answered alike and send nothing)."""
    await auth.request_password_reset(session, throttle, email=data.email, ip=ip)
    return Response(status_code=status.HTTP_202_ACCEPTED)


@router.post(
    "/password-reset/confirm", status_code=status.HTTP_204_NO_CONTENT, responses=problem(409, 422)
)
async def confirm_password_reset(
    data: PasswordResetConfirm, session: Session, throttle: LoginThrottleDep
) -> None:
    """Set a new password with the token from the emailed link; signs out every session and
    lifts a lock on the address from wrong passwords (the link proves its owner)."""
    await auth.confirm_password_reset(
        session, throttle, token=data.token, new_password=data.new_password
    )


@router.get("/invitations/{token}", response_model=InvitationPreview, responses=problem(409, 422))
async def get_invitation(token: str, session: Session) -> InvitationPreview:
    """Who an invitation link is for, to greet them before they choose a password."""
    user, org = await auth.preview_invitation(session, token=token)
    return InvitationPreview(email=user.email, full_name=user.full_name, organisation_name=org.name)


@router.post("/invitations/accept", response_model=LoginResult, responses=problem(409, 422))
async def accept_invitation(
    data: InvitationAccept,
    response: Response,
    session: Session,
    config: AuthConfigDep,
    settings: SettingsDep,
) -> LoginResult:
    """Accept an invitation: choose a password and sign in. `409 email_taken` if the address
    already signs in to another organisation."""
    signed_in = await auth.accept_invitation(
        session, config, token=data.token, password=data.password, full_name=data.full_name
    )
    return _answer(response, signed_in, settings)
