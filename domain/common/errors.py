"""Domain errors carry their HTTP-agnostic status and a stable machine code; api/ renders them."""

from typing import Any, ClassVar


class DomainError(Exception):
    status: ClassVar[int] = 400
    code: ClassVar[str] = "bad_request"
    title: ClassVar[str] = "Bad request"
    # When True the transaction is committed before the error is answered (e.g. revoking a
    # stolen token family must outlive the 401 that reports it).
    keeps_changes: ClassVar[bool] = False

    def __init__(self, detail: str | None = None, **extra: Any) -> None:
        self.detail = detail or self.title
        self.extra = extra
        super().__init__(self.detail)


class NotFound(DomainError):
    status = 404
    code = "not_found"
    title = "Not found"


class Conflict(DomainError):
    """A well-formed request at odds with what is stored: a taken name, a cycle, a record it
    names that is missing or unfit, a stored value it contradicts."""

    status = 409
    code = "conflict"
    title = "Conflict"


class Forbidden(DomainError):
    status = 403
    code = "forbidden"
    title = "Forbidden"


class Unauthorized(DomainError):
    status = 401
    code = "unauthorized"
    title = "Not authenticated"


class RuleViolation(DomainError):
    """A request that is wrong whatever is stored: a type, range or format, or its own fields
    contradicting each other."""

    status = 422
    code = "rule_violation"
    title = "Rule violation"


class TooManyRequests(DomainError):
    status = 429
    code = "too_many_requests"
    title = "Too many requests"

    def __init__(self, detail: str | None = None, *, retry_after: int) -> None:
        super().__init__(detail, retry_after=retry_after)
        self.retry_after = retry_after


class RaceLost(Conflict):
    """A record this write believed new was created by a concurrent request meanwhile."""

    code = "concurrent_write"
    title = "Another request wrote the same record at the same moment; send it again"


class InvalidBatch(DomainError):
    """A batch's envelope is wrong (not JSON, not an object, no list of items): nothing of it
    can be read. A wrong record is reported in the result instead."""

    status = 422
    code = "invalid_batch"
    title = "Invalid batch"


class BatchTooLarge(DomainError):
    status = 413
    code = "batch_too_large"
    title = "Too many items in one batch"


class RecordRefused(RuleViolation):
    """The one record of a single-record call was refused (a batch reports it per item)."""

    code = "record_refused"
    title = "Record refused"
