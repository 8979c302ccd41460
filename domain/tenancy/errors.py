from domain.common.errors import Forbidden, NotFound


class PermissionDenied(Forbidden):
    code = "permission_denied"
    title = "You do not have permission to do this"


class CsmNotFound(NotFound):
    """A user named to narrow figures to (a CSM) who is not of the organisation, or whose
    figures the caller may not see."""

    code = "csm_not_found"
    title = "Not a user whose figures you may see"


class AccountNotFound(NotFound):
    code = "account_not_found"
    title = "Account not found"
