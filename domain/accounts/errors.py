from domain.common.errors import Conflict, NotFound, RuleViolation


class AccountNotFound(NotFound):
    code = "account_not_found"
    title = "Account not found"


class ExternalIdTaken(Conflict):
    code = "external_id_taken"
    title = "Another account already has this external id"


class NotACsm(RuleViolation):
    code = "not_a_csm"
    title = "Only active users with a CSM seat can be assigned accounts"


class AccountNotDeleted(Conflict):
    code = "account_not_deleted"
    title = "The account is not deleted"
