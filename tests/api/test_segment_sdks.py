"""Segment's and RudderStack's official Python SDKs, with their defaults (RudderStack's
compresses; Segment's with `gzip=True` too), sending to a real Tenure server on a free port:
what they send is stored, and what Tenure answers is what they read."""

import asyncio
import socket
from collections.abc import AsyncIterator, Callable
from typing import Any

import pytest
import uvicorn
from rudderstack.analytics import Client as RudderClient
from segment.analytics import Client as SegmentClient
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from domain.integration.models import ApiScope
from domain.orgs.models import Organisation
from domain.usage.models import Contact, ContactAccount, UsageEvent
from tests.factories import create_account, create_api_key

SdkClient = Callable[..., Any]
SDKS = [
    pytest.param(lambda **kw: SegmentClient(gzip=True, **kw), id="segment"),
    pytest.param(lambda **kw: RudderClient(**kw), id="rudderstack"),
]


@pytest.fixture
async def segment_url(app: Any) -> AsyncIterator[str]:
    """Tenure served by uvicorn in the test's event loop, on the test's database connection
    (the SDKs post with `requests`, from their own threads)."""
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    port = sock.getsockname()[1]
    server = uvicorn.Server(
        uvicorn.Config(app, lifespan="off", log_level="warning", access_log=False)
    )
    serving = asyncio.create_task(server.serve(sockets=[sock]))
    while not server.started:  # noqa: ASYNC110 - uvicorn's Server has a flag, not an event
        await asyncio.sleep(0.01)
    yield f"http://127.0.0.1:{port}/api/v1/segment"
    server.should_exit = True
    await serving
    sock.close()


@pytest.fixture
async def write_key(session: AsyncSession, org: Organisation) -> str:
    _, headers = await create_api_key(session, org, ApiScope.INGEST)
    return headers["Authorization"].removeprefix("Bearer ")


async def rows(session: AsyncSession, model: Any, org: Organisation) -> list[Any]:
    result = await session.scalars(
        select(model).where(model.org_id == org.id).execution_options(populate_existing=True)
    )
    return list(result)


async def send(make: SdkClient, calls: Callable[[Any], None], **config: Any) -> list[Any]:
    """Make the SDK's calls and flush them, in a thread (the SDK blocks); returns the errors
    its `on_error` was given."""
    errors: list[Any] = []

    def run() -> None:
        client = make(on_error=lambda exc, batch: errors.append(exc), max_retries=1, **config)
        calls(client)
        client.flush()
        client.join()

    await asyncio.to_thread(run)
    return errors


@pytest.mark.parametrize("make", SDKS)
async def test_what_the_sdk_sends_is_stored(
    make: SdkClient,
    segment_url: str,
    write_key: str,
    session: AsyncSession,
    org: Organisation,
) -> None:
    acme = await create_account(session, org, external_id="acme")

    def calls(client: Any) -> None:
        client.identify(
            user_id="user-42",
            traits={"email": "ada@acme.com", "name": "Ada Lovelace", "plan": "pro"},
        )
        client.group(user_id="user-42", group_id="acme", traits={"employees": 329})
        # A visitor before signing in: an alias later says it was user-42.
        client.track(anonymous_id="anon-42", event="Pricing Viewed", message_id="m-1")
        client.alias(previous_id="anon-42", user_id="user-42")
        client.track(
            user_id="user-42",
            event="Report Exported",
            properties={"feature": "reports"},
            message_id="m-2",
        )
        client.page(user_id="user-42", name="Settings", message_id="m-3")

    errors = await send(make, calls, write_key=write_key, host=segment_url)

    assert errors == []
    [contact] = await rows(session, Contact, org)
    assert (contact.external_id, contact.email, contact.name) == (
        "user-42",
        "ada@acme.com",
        "Ada Lovelace",
    )
    assert contact.traits == {"plan": "pro"}
    [link] = await rows(session, ContactAccount, org)
    assert (link.account_id, link.traits) == (acme.id, {"employees": 329})
    events = await rows(session, UsageEvent, org)
    assert {(e.message_id, e.name, e.contact_id, e.account_id) for e in events} == {
        ("m-1", "Pricing Viewed", contact.id, acme.id),
        ("m-2", "Report Exported", contact.id, acme.id),
        ("m-3", "Page: Settings", contact.id, acme.id),
    }


@pytest.mark.parametrize("make", SDKS)
async def test_the_sdk_reads_tenures_errors(
    make: SdkClient, segment_url: str, session: AsyncSession, org: Organisation
) -> None:
    def calls(client: Any) -> None:
        client.track(user_id="user-42", event="Report Exported")

    errors = await send(make, calls, write_key="tnr_000000000000_nope", host=segment_url)

    [error] = errors
    assert (error.status, error.code) == (401, "invalid_api_key")
    assert error.message == "The API key is not valid or has been revoked"
    assert await rows(session, UsageEvent, org) == []
