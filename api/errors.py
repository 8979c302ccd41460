"""Every error leaves as RFC 9457 application/problem+json with a stable machine `code`."""

import logging
from collections.abc import Mapping
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from pydantic import BaseModel, Field
from sqlalchemy.exc import DBAPIError
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.formparsers import MultiPartException

from domain.common.batches import reason
from domain.common.errors import (
    BatchTooLarge,
    DomainError,
    InvalidBatch,
    RecordRefused,
    TooManyRequests,
)
from domain.filters.errors import InvalidFilter
from domain.integration.schemas import CallOutcome

log = logging.getLogger(__name__)

PROBLEM_JSON = "application/problem+json"

_HTTP_CODES = {
    400: ("bad_request", "Bad request"),
    401: ("unauthorized", "Not authenticated"),
    403: ("forbidden", "Forbidden"),
    404: ("not_found", "Not found"),
    405: ("method_not_allowed", "Method not allowed"),
    409: ("conflict", "Conflict"),
    413: ("payload_too_large", "Payload too large"),
    415: ("unsupported_media_type", "Unsupported media type"),
    422: ("validation_error", "Invalid request"),
    429: ("too_many_requests", "Too many requests"),
    500: ("internal_error", "Internal server error"),
    503: ("try_again", "Temporarily unavailable"),
}


class FieldError(BaseModel):
    loc: list[str | int] = Field(description="Where the error is, e.g. ['body', 'email']")
    msg: str
    type: str


class ProblemDetail(BaseModel):
    """An RFC 9457 problem document."""

    type: str = "about:blank"
    title: str
    status: int
    detail: str
    code: str = Field(description="Stable machine-readable error code")
    errors: list[FieldError] | None = None


def problem(*statuses: int) -> dict[int | str, dict[str, Any]]:
    """The `responses=` entry for a route's possible problems, so generated clients type them."""
    return {
        status: {
            # `model` puts ProblemDetail in the components (and under application/json);
            # the schema under application/problem+json is what the answers really carry.
            "model": ProblemDetail,
            "content": {PROBLEM_JSON: {"schema": {"$ref": "#/components/schemas/ProblemDetail"}}},
            "description": _HTTP_CODES.get(status, ("", "Error"))[1],
        }
        for status in statuses
    }


def problem_response(
    status: int,
    *,
    code: str | None = None,
    title: str | None = None,
    detail: str | None = None,
    errors: list[FieldError] | None = None,
    headers: Mapping[str, str] | None = None,
) -> JSONResponse:
    default_code, default_title = _HTTP_CODES.get(status, ("error", "Error"))
    body = ProblemDetail(
        title=title or default_title,
        status=status,
        detail=detail or title or default_title,
        code=code or default_code,
        errors=errors,
    )
    return JSONResponse(
        body.model_dump(exclude_none=True),
        status_code=status,
        media_type=PROBLEM_JSON,
        headers=headers,
    )


async def _domain_error(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, DomainError)
    if isinstance(exc, RecordRefused | InvalidBatch | BatchTooLarge) or "records" in exc.extra:
        # A batch refused at its envelope rejected each of its records (when they were read);
        # a single-record call answering a rule's refusal of its record rejected that one.
        _count_refused(request, exc.extra.get("records", 1))
    headers = {}
    if isinstance(exc, TooManyRequests):
        headers["Retry-After"] = str(exc.retry_after)
    if exc.status == 401:
        headers["WWW-Authenticate"] = "Bearer"
    if exc.status >= 500:
        log.error("domain error", exc_info=exc)
    return problem_response(
        exc.status, code=exc.code, title=exc.title, detail=exc.detail, headers=headers or None
    )


def _json_safe_loc(loc: tuple[Any, ...]) -> list[str | int]:
    return [part if isinstance(part, int) else str(part) for part in loc]


def _json_error_message(error: dict[str, Any], document: Any) -> str:
    """Where a body stopped being JSON, as an editor counts: line and column, then why."""
    position = error.get("loc", ("body", 0))[-1]
    reason = str(error.get("ctx", {}).get("error", "not valid JSON"))
    if not isinstance(position, int) or not isinstance(document, str):
        return f"Malformed JSON: {reason}"
    line = document.count("\n", 0, position) + 1
    column = position - (document.rfind("\n", 0, position) + 1) + 1
    return f"Malformed JSON at line {line}, column {column}: {reason}"


def _count_refused(request: Request, records: int) -> None:
    """A call refused whole rejected every record it carried: the API log counts them."""
    outcome = getattr(request.state, "api_outcome", None)
    if outcome is None:
        outcome = request.state.api_outcome = CallOutcome()
    if not outcome.accepted and not outcome.rejected:
        outcome.rejected = records


async def _validation_error(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, RequestValidationError)
    # A batch route reads its body itself (`api.batches`): what FastAPI validates is one
    # record, whatever lists it holds (a subscription's items).
    _count_refused(request, 1)
    errors = [
        FieldError(
            loc=_json_safe_loc(tuple(e.get("loc", ()))),
            msg=_json_error_message(e, exc.body) if e.get("type") == "json_invalid" else reason(e),
            type=str(e.get("type", "")),
        )
        for e in exc.errors()
    ]
    summary = "; ".join(f"{'.'.join(str(p) for p in e.loc)}: {e.msg}" for e in errors[:5])
    # A rule of the filter language checked as the body is read (domain.filters.schemas.Filter)
    # answers with the code it has when the compiler checks it, and keeps the error's location.
    if errors and all(e.type == InvalidFilter.code for e in errors):
        return problem_response(
            422,
            code=InvalidFilter.code,
            title=InvalidFilter.title,
            detail=summary,
            errors=errors,
        )
    return problem_response(422, detail=summary or "Invalid request", errors=errors)


async def _http_error(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, StarletteHTTPException)
    if isinstance(exc.__cause__, UnicodeDecodeError):
        # FastAPI answers a JSON body it cannot decode with a bare 400; it is malformed JSON
        # like any other, a 422 saying where.
        _count_refused(request, 1)
        at = exc.__cause__.start
        message = f"Malformed JSON at byte {at + 1}: not UTF-8 text"
        error = FieldError(loc=["body", at], msg=message, type="json_invalid")
        return problem_response(422, detail=f"body: {message}", errors=[error])
    if isinstance(exc.__context__, MultiPartException):
        # Starlette answers a form it cannot parse with a bare 400: the body is malformed.
        _count_refused(request, 1)
        message = f"Malformed form data: {exc.detail}"
        error = FieldError(loc=["body"], msg=message, type="multipart_invalid")
        return problem_response(422, detail=f"body: {message}", errors=[error])
    detail = exc.detail if isinstance(exc.detail, str) else None
    return problem_response(exc.status_code, detail=detail, headers=exc.headers)


# PostgreSQL refuses text containing NUL (\x00) with this SQLSTATE: the caller's bad input,
# wherever it appears (body, query, path), not our failure.
_CHARACTER_NOT_IN_REPERTOIRE = "22021"
# A number or a time past what PostgreSQL holds: request fields are bounded, so only figures
# derived from them (a computed metric over extreme stored values) get here.
_OUT_OF_RANGE = {"22003", "22008"}
# Concurrent writers that met in a deadlock or a serialization conflict: nothing was written,
# and the same request sent again succeeds. Writers take rows in key order to make this rare.
_TRANSIENT = {"40P01", "40001"}
# Two requests that created the same record at once: the services check for duplicates first,
# so only a race gets here; the loser is told what the winner made (nothing of its own was written).
_UNIQUE_VIOLATION = "23505"
# A record referred to was deleted by a concurrent request between the check and the write.
_FOREIGN_KEY_VIOLATION = "23503"


def _constraint_subject(exc: DBAPIError) -> str:
    """ "uq_accounts_org_id_external_id" -> "accounts (external_id)", from the naming convention."""
    name = getattr(exc.orig, "constraint_name", None) or ""
    table = getattr(exc.orig, "table_name", None) or ""
    columns = name.removeprefix("uq_").removeprefix("pk_").removeprefix(f"{table}_")
    columns = columns.removeprefix("org_id_").replace("_org_id", "")
    return f"{table} ({columns})" if table and columns else "record"


async def handle_database_error(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, DBAPIError)
    sqlstate = getattr(exc.orig, "sqlstate", None)
    if sqlstate == _CHARACTER_NOT_IN_REPERTOIRE:
        return problem_response(422, detail="Text must not contain NUL (\\x00) characters")
    if sqlstate in _OUT_OF_RANGE:
        return problem_response(
            422,
            code="out_of_range",
            detail="A number or a date computed for this request is out of range; nothing was "
            "written.",
        )
    if sqlstate == _UNIQUE_VIOLATION:
        return problem_response(
            409,
            code="already_exists",
            detail=f"The same {_constraint_subject(exc)} was created by another request at the "
            "same moment; nothing was written. Read it, or send the request again.",
        )
    if sqlstate == _FOREIGN_KEY_VIOLATION:
        return problem_response(
            409,
            code="reference_gone",
            detail="A record this request refers to was removed by another request at the same "
            "moment; nothing was written.",
        )
    if sqlstate in _TRANSIENT:
        log.warning("transient database conflict (%s); the client may retry", sqlstate)
        return problem_response(
            503,
            detail="A concurrent request changed the same records; nothing was written. "
            "Send the request again.",
            headers={"Retry-After": "1"},
        )
    return await _unexpected_error(request, exc)


def unexpected_error(exc: Exception) -> JSONResponse:
    """The 500 of an error nothing expected, logged with its traceback."""
    log.error("unhandled error", exc_info=exc)
    return problem_response(500, detail="Something went wrong on our side; it has been logged.")


async def _unexpected_error(request: Request, exc: Exception) -> JSONResponse:
    return unexpected_error(exc)


def install(app: FastAPI) -> None:
    app.add_exception_handler(DomainError, _domain_error)
    app.add_exception_handler(RequestValidationError, _validation_error)
    app.add_exception_handler(StarletteHTTPException, _http_error)
    app.add_exception_handler(DBAPIError, handle_database_error)
    app.add_exception_handler(Exception, _unexpected_error)
