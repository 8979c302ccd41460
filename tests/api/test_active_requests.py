"""An API process works on a bounded number of requests at once, the rest waiting their turn in
the order they came (issue 10: at 50 clients, a write's dozen round trips each waited behind
every other request in flight)."""

import asyncio
from typing import Any

import pytest
from httpx import ASGITransport, AsyncClient
from starlette.types import Receive, Scope, Send

from api.middleware import ActiveRequestLimit, StorableText
from domain.common.settings import Settings


async def test_requests_beyond_the_limit_wait_their_turn_in_order() -> None:
    inside: list[int] = []
    started: list[int] = []
    release = asyncio.Event()

    async def endpoint(scope: Scope, receive: Receive, send: Send) -> None:
        n = int(scope["path"].strip("/"))
        started.append(n)
        inside.append(n)
        await release.wait()
        inside.remove(n)
        await send({"type": "http.response.start", "status": 200, "headers": []})
        await send({"type": "http.response.body", "body": str(n).encode()})

    client = AsyncClient(
        transport=ASGITransport(app=ActiveRequestLimit(endpoint, limit=2)), base_url="http://t"
    )
    calls = []
    for n in range(6):
        calls.append(asyncio.create_task(client.get(f"/{n}")))
        await asyncio.sleep(0.01)  # each arrives after the one before
    assert started == [0, 1], "only two at once"

    release.set()
    answers = await asyncio.gather(*calls)

    assert [r.text for r in answers] == [str(n) for n in range(6)]
    assert started == [0, 1, 2, 3, 4, 5], "first come, first served"
    assert inside == []


async def test_a_request_that_fails_gives_its_turn_back() -> None:
    async def endpoint(scope: Scope, receive: Receive, send: Send) -> None:
        raise RuntimeError("broken")

    limit = ActiveRequestLimit(endpoint, limit=1)
    for _ in range(3):  # each would wait forever if the first kept its turn
        with pytest.raises(RuntimeError, match="broken"):
            await asyncio.wait_for(limit({"type": "http", "method": "GET"}, _no_body, _discard), 1)
    assert not limit.turns.locked()


async def test_a_body_still_arriving_holds_no_turn() -> None:
    """A slow upload waits for its body outside the limit: the one turn goes to the request
    behind it, and the upload takes it once its body is complete."""
    answered: list[str] = []
    body_sent = asyncio.Event()

    async def endpoint(scope: Scope, receive: Receive, send: Send) -> None:
        message = await receive()
        await send({"type": "http.response.start", "status": 200, "headers": []})
        await send({"type": "http.response.body", "body": message.get("body", b"")})
        answered.append(scope["method"])

    async def slow_body() -> dict[str, Any]:
        await body_sent.wait()
        return {"type": "http.request", "body": b"csv,rows", "more_body": False}

    sent: list[dict[str, Any]] = []

    async def keep(message: Any) -> None:
        sent.append(message)

    limit = ActiveRequestLimit(endpoint, limit=1)
    upload = asyncio.create_task(limit({"type": "http", "method": "POST"}, slow_body, keep))
    await asyncio.sleep(0.01)
    await asyncio.wait_for(limit({"type": "http", "method": "GET"}, _no_body, _discard), 1)
    assert answered == ["GET"], "the read went first, the upload's body still arriving"

    body_sent.set()
    await asyncio.wait_for(upload, 1)
    assert answered == ["GET", "POST"]
    assert sent[-1]["body"] == b"csv,rows", "the body reached the route whole"


async def _no_body() -> dict[str, Any]:
    return {"type": "http.request", "body": b"", "more_body": False}


async def _discard(message: Any) -> None:
    pass


def test_the_app_takes_turns_innermost_with_the_configured_limit(
    app_instance: Any, settings: Settings
) -> None:
    stack = [(m.cls, m.kwargs) for m in app_instance.user_middleware]
    # The last is the innermost: a request takes its turn with its body received and checked.
    assert stack[-1] == (ActiveRequestLimit, {"limit": settings.web_active_requests})
    assert stack[-2][0] is StorableText
