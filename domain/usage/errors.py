from domain.common.errors import DomainError, NotFound, RuleViolation


class ContactNotFound(NotFound):
    code = "contact_not_found"
    title = "Contact not found"


class InvalidBatch(DomainError):
    """The envelope itself is wrong (not JSON, not an object, no list of items): nothing of it
    can be read. A wrong item is reported in the result instead."""

    status = 422
    code = "invalid_batch"
    title = "Invalid batch"


class BatchTooLarge(DomainError):
    status = 413
    code = "batch_too_large"
    title = "Too many items in one batch"


class InvalidItem(RuleViolation):
    """A single event or contact the rules refuse (a batch reports it per item instead)."""

    code = "invalid_item"
    title = "Invalid item"


class InvalidRange(RuleViolation):
    code = "invalid_range"
    title = "Invalid date range"
