from domain.common.errors import RuleViolation


class InvalidFilter(RuleViolation):
    code = "invalid_filter"
    title = "The filter is not valid"
