from domain.common.errors import Conflict, Forbidden, NotFound


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


class UnknownAccount(Conflict):
    """A record naming an account (by external or another system's id) the organisation does
    not have: the record itself is not what was not found."""

    code = AccountNotFound.code
    title = "No account has this id"
