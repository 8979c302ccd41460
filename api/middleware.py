"""Pure ASGI middleware (no BaseHTTPMiddleware): request ids, access logs, body size limits,
texts PostgreSQL cannot store, the API log, the limit of requests a process works on at once."""

import asyncio
import json
import logging
import time
import uuid
import zlib
from datetime import datetime
from typing import Any
from urllib.parse import parse_qsl

import structlog
from pydantic import BaseModel
from starlette.exceptions import HTTPException
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from api.errors import FieldError, problem_response, unexpected_error
from domain.common import clock
from domain.common.types import JsonPath, json_problem, may_be_unstorable, text_problem
from domain.integration import service as integration
from domain.integration.schemas import CallOutcome

log = logging.getLogger("tenure.access")


class RequestContext:
    """Give every request an id (or keep the caller's X-Request-ID), bind it to every log line
    written while handling it, echo it in the response, and log one access line."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        incoming = dict(scope["headers"]).get(b"x-request-id", b"").decode("latin-1")
        request_id = incoming[:64] if incoming.isprintable() and incoming else uuid.uuid4().hex
        started = time.perf_counter()
        status = 500
        responded = False

        async def send_with_id(message: Message) -> None:
            nonlocal status, responded
            if message["type"] == "http.response.start":
                responded = True
                status = message["status"]
                message.setdefault("headers", [])
                message["headers"].append((b"x-request-id", request_id.encode()))
            await send(message)

        with structlog.contextvars.bound_contextvars(request_id=request_id):
            try:
                await self.app(scope, receive, send_with_id)
            except Exception as exc:
                if responded:
                    raise  # the answer had begun: the server can only close the connection
                # Answered here, not re-raised as Starlette's outermost handler does after its
                # 500: the server would then close the connection, and a client's next request
                # on it (a pooled one, unrelated) would fail.
                await unexpected_error(exc)(scope, receive, send_with_id)
            finally:
                log.info(
                    "request",
                    extra={
                        "method": scope["method"],
                        "path": scope["path"],
                        "status": status,
                        "ms": round((time.perf_counter() - started) * 1000, 1),
                    },
                )


class ActiveRequestLimit:
    """Work on at most `limit` requests at once in this process; the rest wait their turn, first
    come first served. Every database round trip of a request waits behind the others' Python
    work, so with 25 requests in flight on a busy core a write of twelve statements took three
    times a read's time (p99 0.79 s at 50 clients, reads 0.2 s); with a few at once each round
    trip is short, the queue is shared fairly by all, and every endpoint's p99 stayed under
    250 ms. A request takes its turn once its body has arrived (BodySizeLimit, outside, bounds
    it), so a slow upload holds no turn while it trickles in."""

    def __init__(self, app: ASGIApp, *, limit: int) -> None:
        self.app = app
        self.turns = asyncio.Semaphore(limit)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        if scope["method"] not in ("GET", "HEAD"):
            body, connected = await _read_body(receive)
            receive = _replay(body, connected, receive)
        async with self.turns:
            await self.app(scope, receive, send)


class BodySizeLimit:
    """Refuse bodies over the limit with 413 before reading them into memory."""

    def __init__(self, app: ASGIApp, *, max_bytes: int) -> None:
        self.app = app
        self.max_bytes = max_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        declared = dict(scope["headers"]).get(b"content-length")
        if declared is not None and (not declared.isdigit() or int(declared) > self.max_bytes):
            await self._refuse(scope, receive, send)
            return
        received = 0

        async def limited_receive() -> Message:
            nonlocal received
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > self.max_bytes:
                    raise _TooLarge(self._detail())
            return message

        try:
            await self.app(scope, limited_receive, send)
        except _TooLarge:
            await self._refuse(scope, receive, send)

    def _detail(self) -> str:
        return f"Request bodies are limited to {self.max_bytes // 1_000_000} MB"

    async def _refuse(self, scope: Scope, receive: Receive, send: Send) -> None:
        await problem_response(413, detail=self._detail())(scope, receive, send)


class _TooLarge(HTTPException):
    """An HTTPException, because FastAPI turns any other error raised while it reads the body
    into a 400; this one it re-raises, and the handler renders the 413."""

    def __init__(self, detail: str) -> None:
        super().__init__(413, detail)


class GzipRequests:
    """Read `Content-Encoding: gzip` bodies (Segment's SDKs with `gzip=True`, RudderStack's by
    default) as the JSON they hold. Inside BodySizeLimit, which bounds the bytes on the wire;
    this bounds the bytes they inflate to by the same limit, chunk by chunk, so a small body
    that inflates to gigabytes is a 413 once past the limit, never held in memory."""

    _GZIP = (b"gzip", b"x-gzip")

    def __init__(self, app: ASGIApp, *, max_bytes: int) -> None:
        self.app = app
        self.max_bytes = max_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        encoding = dict(scope["headers"]).get(b"content-encoding", b"").strip().lower()
        if encoding in (b"", b"identity"):
            await self.app(scope, receive, send)
            return
        if encoding not in self._GZIP:
            detail = "Only gzip request bodies are accepted (Content-Encoding: gzip)"
            await problem_response(415, detail=detail)(scope, receive, send)
            return
        try:
            body, connected = await self._inflate(receive)
        except _TooLarge as exc:
            await problem_response(413, detail=str(exc.detail))(scope, receive, send)
            return
        except zlib.error:
            await problem_response(400, detail="The body is not valid gzip")(scope, receive, send)
            return
        headers = [
            (name, value)
            for name, value in scope["headers"]
            if name not in (b"content-encoding", b"content-length")
        ]
        headers.append((b"content-length", str(len(body)).encode()))
        await self.app({**scope, "headers": headers}, _replay(body, connected, receive), send)

    async def _inflate(self, receive: Receive) -> tuple[bytes, bool]:
        inflated = bytearray()
        # 16 + MAX_WBITS: the gzip container. A body may hold several gzip members in a row.
        inflater = zlib.decompressobj(16 + zlib.MAX_WBITS)
        connected = True
        received = False
        while True:
            message = await receive()
            if message["type"] != "http.request":
                connected = False
                break
            pending = message.get("body", b"")
            received = received or bool(pending)
            while pending:
                if inflater.eof:
                    inflater = zlib.decompressobj(16 + zlib.MAX_WBITS)
                # At most one byte past the limit: enough to know the body is too large.
                inflated += inflater.decompress(pending, self.max_bytes + 1 - len(inflated))
                if len(inflated) > self.max_bytes:
                    raise _TooLarge(
                        f"Request bodies are limited to {self.max_bytes // 1_000_000} MB "
                        "once decompressed"
                    )
                pending = inflater.unconsumed_tail or inflater.unused_data
            if not message.get("more_body", False):
                break
        # No body at all is an empty one, not a broken gzip stream.
        if received and not inflater.eof:
            raise zlib.error("truncated gzip body")
        return bytes(inflated), connected


class SegmentAnswers:
    """Errors under Segment's URLs also carry the members Segment's HTTP API answers with and
    its SDKs read (`"success": false`, `message`), beside the problem's own: the SDKs report
    `message` on failure, and RudderStack's crashes without it. Every error, wherever it was
    raised (the body size limit, auth, validation), passes here."""

    def __init__(self, app: ASGIApp, *, prefix: str) -> None:
        self.app = app
        self.prefix = prefix

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        path = scope.get("path", "")
        if scope["type"] != "http" or not (
            path == self.prefix or path.startswith(self.prefix + "/")
        ):
            await self.app(scope, receive, send)
            return
        start: Message | None = None
        body = bytearray()

        async def send_segment(message: Message) -> None:
            nonlocal start
            if message["type"] == "http.response.start":
                content_type = dict(message.get("headers", [])).get(b"content-type", b"")
                if message["status"] >= 400 and content_type.startswith(b"application/problem"):
                    start = message  # held until the body is complete
                    return
            elif message["type"] == "http.response.body" and start is not None:
                body.extend(message.get("body", b""))
                if message.get("more_body", False):
                    return
                rewritten = _with_segment_members(bytes(body))
                headers = [(k, v) for k, v in start.get("headers", []) if k != b"content-length"]
                headers.append((b"content-length", str(len(rewritten)).encode()))
                await send({**start, "headers": headers})
                await send({"type": "http.response.body", "body": rewritten})
                return
            await send(message)

        await self.app(scope, receive, send_segment)


def _with_segment_members(body: bytes) -> bytes:
    try:
        problem = json.loads(body)
    except ValueError:
        return body
    if not isinstance(problem, dict):
        return body
    message = problem.get("detail") or problem.get("title") or ""
    return json.dumps({**problem, "success": False, "message": message}).encode()


class StorableText:
    """Refuse, with one 422 before any route runs, a request whose path, query or JSON body
    holds a text PostgreSQL cannot store: a NUL, or an unpaired surrogate (which JSON's \\u
    escapes can carry), or a number that is not finite. Every route, present and future, is
    covered in this one place, except a batch's records, which are refused one by one."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        found = self._in_url(scope)
        headers = dict(scope["headers"])
        content_type = headers.get(b"content-type", b"").split(b";")[0].strip().lower()
        is_json = content_type == b"application/json" or content_type.endswith(b"+json")
        if found is None and is_json and scope["method"] in ("POST", "PUT", "PATCH", "DELETE"):
            body, connected = await _read_body(receive)
            found = _in_json_body(body)
            receive = _replay(body, connected, receive)
        if found is not None:
            loc, message = found
            error = FieldError(loc=list(loc), msg=message, type="value_error")
            detail = f"{'.'.join(str(p) for p in loc)}: {message}"
            await problem_response(422, detail=detail, errors=[error])(scope, receive, send)
            return
        await self.app(scope, receive, send)

    @staticmethod
    def _in_url(scope: Scope) -> tuple[JsonPath, str] | None:
        problem = text_problem(scope["path"])
        if problem is not None:
            return ("path",), problem
        query = scope.get("query_string", b"").decode("latin-1")
        for name, value in parse_qsl(query, keep_blank_values=True):
            problem = text_problem(name) or text_problem(value)
            if problem is not None:
                return ("query", name), problem
        return None


async def _read_body(receive: Receive) -> tuple[bytes, bool]:
    """The whole body (BodySizeLimit, outside, bounds it) and whether the client is gone."""
    chunks: list[bytes] = []
    while True:
        message = await receive()
        if message["type"] != "http.request":
            return b"".join(chunks), False
        chunks.append(message.get("body", b""))
        if not message.get("more_body", False):
            return b"".join(chunks), True


def _replay(body: bytes, connected: bool, receive: Receive) -> Receive:
    sent = False

    async def replay() -> Message:
        nonlocal sent
        if not sent:
            sent = True
            return {"type": "http.request", "body": body, "more_body": False}
        if connected:
            return await receive()
        return {"type": "http.disconnect"}

    return replay


# A batch (`{"items": [...]}`, Segment's `{"batch": [...]}`) refuses a bad record alone where
# its records are parsed (domain/common/batches.py).
_BATCH_KEYS = ("items", "batch")


def _in_json_body(body: bytes) -> tuple[JsonPath, str] | None:
    if not may_be_unstorable(body):
        return None
    try:
        parsed = json.loads(body)
    except (ValueError, RecursionError):
        return None  # malformed: the route's own parsing answers it
    if isinstance(parsed, dict):
        parsed = {
            k: [] if k in _BATCH_KEYS and isinstance(v, list) else v for k, v in parsed.items()
        }
    found = json_problem(parsed)
    if found is None:
        return None
    path, problem = found
    return ("body", *path), problem


class ApiCallLog:
    """Record every call made with an API key in the API log: status, timing, and which
    records it accepted or rejected (set by the router) or the problem that refused it."""

    # A problem body longer than this is not kept in the log (its status still is).
    MAX_PROBLEM_BYTES = 64_000

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        received_at = clock.now()
        started = time.perf_counter()
        status = 500
        problem_body = bytearray()

        async def capture(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
            elif (
                message["type"] == "http.response.body"
                and status >= 400
                and len(problem_body) < self.MAX_PROBLEM_BYTES
            ):
                problem_body.extend(message.get("body", b""))
            await send(message)

        try:
            await self.app(scope, receive, capture)
        finally:
            state = scope.get("state") or {}
            if "api_key" in state:
                await self._record(scope, state, status, received_at, started, problem_body)

    async def _record(
        self,
        scope: Scope,
        state: dict[str, Any],
        status: int,
        received_at: datetime,
        started: float,
        problem_body: bytearray,
    ) -> None:
        org_id, api_key_id = state["api_key"]
        outcome: CallOutcome = state.get("api_outcome") or CallOutcome()
        # Routers set ApiCallError models; plain dicts are accepted too.
        errors = [e.model_dump() if isinstance(e, BaseModel) else dict(e) for e in outcome.errors]
        if status >= 400:
            errors.insert(0, {"message": _problem_message(bytes(problem_body), status)})
        try:
            async with scope["app"].state.sessionmaker() as session:
                integration.record_call(
                    session,
                    org_id=org_id,
                    api_key_id=api_key_id,
                    method=scope["method"],
                    path=scope["path"],
                    status=status,
                    request_id=structlog.contextvars.get_contextvars().get("request_id", ""),
                    received_at=received_at,
                    duration_ms=round((time.perf_counter() - started) * 1000),
                    accepted=outcome.accepted,
                    rejected=outcome.rejected,
                    errors=errors,
                )
                await session.commit()
        except Exception:  # the call was answered; a lost log line must not turn it into a 500
            log.exception("api_log_failed")


def _problem_message(body: bytes, status: int) -> str:
    try:
        problem = json.loads(body)
        message = str(problem.get("detail") or problem.get("title") or "")
    except (ValueError, AttributeError):
        message = ""
    return (message or f"HTTP {status}")[:1000]
