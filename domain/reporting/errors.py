from domain.common.errors import RuleViolation


class InvalidRange(RuleViolation):
    code = "invalid_range"
    title = "Invalid date range"


class InvalidSelection(RuleViolation):
    code = "invalid_selection"
    title = "csm_id and unassigned cannot be asked for together"
