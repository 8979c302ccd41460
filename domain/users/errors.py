from domain.common.errors import (
    Conflict,
    Forbidden,
    NotFound,
    RuleViolation,
    TooManyRequests,
    Unauthorized,
)
from domain.tenancy.errors import PermissionDenied as PermissionDenied


class InvalidCredentials(Unauthorized):
    code = "invalid_credentials"
    title = "Email or password is incorrect"


class WrongPassword(Forbidden):
    """A signed-in user's password, asked for again before a change that needs it, is wrong.
    Not a 401: the session is fine, and clients take a 401 for one that ended."""

    code = "wrong_password"
    title = "The password is incorrect"


class InvalidMfaCode(Unauthorized):
    code = "invalid_mfa_code"
    title = "The authentication code is not valid"


class WrongMfaCode(Forbidden):
    """A signed-in user's code (enrolling, new recovery codes, turning 2FA off) is wrong: the
    sign-in's code, with a 403, since the session is fine (a 401 reads as one that ended)."""

    code = InvalidMfaCode.code
    title = InvalidMfaCode.title


class RefreshTokenReused(Unauthorized):
    code = "refresh_token_reused"
    title = "This session was signed out because its refresh token was used twice"
    keeps_changes = True


class MfaEnrolmentRequired(Forbidden):
    code = "mfa_enrolment_required"
    title = "Your organisation requires two-factor authentication; enrol to continue"


class UserNotFound(NotFound):
    code = "user_not_found"
    title = "User not found"


class RoleNotFound(NotFound):
    code = "role_not_found"
    title = "Role not found"


class UnknownRole(Conflict):
    """A user given a role the organisation does not have: the user exists, the role does not."""

    code = RoleNotFound.code
    title = "The organisation has no such role"


class EmailTaken(Conflict):
    code = "email_taken"
    title = "A user with this email already exists"


class RoleNameTaken(Conflict):
    code = "role_name_taken"
    title = "A role with this name already exists"


class BuiltinRoleImmutable(Conflict):
    code = "builtin_role_immutable"
    title = "Built-in roles cannot be changed or deleted"


class RoleInUse(Conflict):
    code = "role_in_use"
    title = "The role is assigned to users"


class InvalidLinkToken(Conflict):
    code = "invalid_link_token"
    title = "This link is invalid, already used or expired"


class WeakPassword(RuleViolation):
    code = "weak_password"
    title = "Password too weak"


class MfaAlreadyEnabled(Conflict):
    code = "mfa_already_enabled"
    title = "Two-factor authentication is already enabled"


class MfaNotEnrolling(Conflict):
    code = "mfa_not_enrolling"
    title = "Start two-factor enrolment first"


class MfaNotEnabled(Conflict):
    code = "mfa_not_enabled"
    title = "Two-factor authentication is not enabled"


class CannotChangeSelf(Conflict):
    code = "cannot_change_self"
    title = "You cannot deactivate yourself or remove your own admin rights"


class CannotResetOwnMfa(Conflict):
    """An admin's reset of a user's 2FA asks for nothing more: on themselves it would let a
    stolen session remove the second factor."""

    code = "cannot_reset_own_mfa"
    title = "You cannot reset your own two-factor authentication"


class UserNotActive(Conflict):
    code = "user_not_active"
    title = "The user is not active"


class LoginThrottled(TooManyRequests):
    code = "login_throttled"
    title = "Too many failed attempts"


class InvalidToken(Unauthorized):
    code = "invalid_token"
    title = "Invalid or expired token"


class ManagerNotFound(Conflict):
    code = "manager_not_found"
    title = "The manager is not another user of the organisation"
