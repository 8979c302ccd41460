from domain.common.errors import NotFound, RuleViolation


class CsmNotFound(NotFound):
    code = "csm_not_found"
    title = "Not a user whose figures you may see"


class InvalidRange(RuleViolation):
    code = "invalid_range"
    title = "Invalid date range"


class InvalidSelection(RuleViolation):
    code = "invalid_selection"
    title = "csm_id and unassigned cannot be asked for together"
