from domain.common.errors import Forbidden, NotFound


class PermissionDenied(Forbidden):
    code = "permission_denied"
    title = "You do not have permission to do this"


class AccountNotFound(NotFound):
    code = "account_not_found"
    title = "Account not found"
