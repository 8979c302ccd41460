from domain.common.errors import NotFound, RuleViolation


class ContactNotFound(NotFound):
    code = "contact_not_found"
    title = "Contact not found"


class InvalidItem(RuleViolation):
    """A single event or contact the rules refuse (a batch reports it per item instead)."""

    code = "invalid_item"
    title = "Invalid item"


class InvalidRange(RuleViolation):
    code = "invalid_range"
    title = "Invalid date range"
