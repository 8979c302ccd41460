from fastapi import Response, status

from api.deps import AccessClaims, ClientIp, EnrollingUser, LoginThrottleDep, Session
from api.errors import problem
from api.routing import AreaRouter
from domain.users import service as users
from domain.users.schemas import (
    MeRead,
    MfaConfirm,
    MfaDisable,
    MfaEnrolment,
    PasswordChange,
    RecoveryCodes,
)

router = AreaRouter(prefix="/me", tags=["me"])


@router.get("", response_model=MeRead, responses=problem(401))
async def get_me(claims: AccessClaims, session: Session) -> Response:
    """The signed-in user, their role, permissions and organisation."""
    # Written as it was validated: FastAPI would validate it again to write it.
    me = await users.describe_me(session, claims)
    return Response(me.model_dump_json(), media_type="application/json")


@router.post(
    "/password", status_code=status.HTTP_204_NO_CONTENT, responses=problem(401, 403, 422, 429)
)
async def change_my_password(
    data: PasswordChange,
    user: EnrollingUser,
    claims: AccessClaims,
    session: Session,
    throttle: LoginThrottleDep,
    ip: ClientIp,
) -> None:
    """Change your password; requires the current one. Every other sign-in of yours ends
    (their refresh tokens stop working); this one goes on, with a new access token from
    `/auth/refresh`. A wrong password is a 403 `wrong_password` (the session goes on) and
    counts as a failed sign-in: past the sign-in limit, a 429 `login_throttled` with
    `Retry-After`."""
    await users.change_password(
        session,
        throttle,
        user,
        current_password=data.current_password,
        new_password=data.new_password,
        ip=ip,
        sign_in=claims.sign_in,
    )


@router.post("/mfa/enrolment", response_model=MfaEnrolment, responses=problem(401, 409))
async def start_mfa_enrolment(user: EnrollingUser, session: Session) -> MfaEnrolment:
    """Start enrolling in two-factor authentication: scan the otpauth URI (as a QR code) in an
    authenticator app, then confirm with a code."""
    secret, uri = await users.start_mfa_enrolment(session, user)
    return MfaEnrolment(secret=secret, otpauth_uri=uri)


@router.post(
    "/mfa/confirm", response_model=RecoveryCodes, responses=problem(401, 403, 409, 422, 429)
)
async def confirm_mfa_enrolment(
    data: MfaConfirm,
    user: EnrollingUser,
    session: Session,
    throttle: LoginThrottleDep,
    ip: ClientIp,
) -> RecoveryCodes:
    """Confirm enrolment with a code from the app. Answers the single-use recovery codes,
    shown this once. A wrong code is a 403 `invalid_mfa_code` (the session goes on) and
    counts as a failed sign-in (past the limit, a 429 `login_throttled` with `Retry-After`)."""
    codes = await users.confirm_mfa_enrolment(session, throttle, user, code=data.code, ip=ip)
    return RecoveryCodes(codes=codes)


@router.post(
    "/mfa/recovery-codes",
    response_model=RecoveryCodes,
    responses=problem(401, 403, 409, 422, 429),
)
async def regenerate_recovery_codes(
    data: MfaConfirm,
    user: EnrollingUser,
    session: Session,
    throttle: LoginThrottleDep,
    ip: ClientIp,
) -> RecoveryCodes:
    """Replace your recovery codes (the old ones stop working); needs a current code (a wrong
    one is a 403 `invalid_mfa_code` and counts as a failed sign-in, as above)."""
    codes = await users.regenerate_recovery_codes(session, throttle, user, code=data.code, ip=ip)
    return RecoveryCodes(codes=codes)


@router.post(
    "/mfa/disable",
    status_code=status.HTTP_204_NO_CONTENT,
    responses=problem(401, 403, 409, 422, 429),
)
async def disable_mfa(
    data: MfaDisable,
    user: EnrollingUser,
    session: Session,
    throttle: LoginThrottleDep,
    ip: ClientIp,
) -> None:
    """Turn off two-factor authentication; needs your password and a current code. A wrong
    password is a 403 `wrong_password`, a wrong code a 403 `invalid_mfa_code`; both count as
    failed sign-ins (past the limit, a 429 `login_throttled` with `Retry-After`)."""
    await users.disable_mfa(session, throttle, user, password=data.password, code=data.code, ip=ip)
