"""The Segment-compatible surface: payloads exactly as Segment's HTTP Tracking API sends them,
authenticated with the write key as the Basic user name."""

import base64
from typing import Any

import pytest
from httpx import AsyncClient
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from domain.integration.models import ApiScope
from domain.orgs.models import Organisation
from domain.usage.models import Contact, ContactAccount, UsageEvent
from tests.factories import create_account, create_api_key
from tests.helpers import assert_problem

URL = "/api/v1/segment"

IDENTIFY = {
    "type": "identify",
    "userId": "019mr8mf4r",
    "traits": {
        "email": "pgibbons@example.com",
        "firstName": "Peter",
        "lastName": "Gibbons",
        "title": "Engineer",
        "plan": "premium",
        "logins": 5,
    },
    "context": {"ip": "24.5.68.47", "library": {"name": "analytics.js", "version": "2.11.1"}},
    "messageId": "022bb90c-bbac-11e4-8dfc-aa07a5b093db",
    "timestamp": "2026-11-20T09:29:00.000Z",
    "sentAt": "2026-11-20T09:29:00.100Z",
}
GROUP = {
    "type": "group",
    "userId": "019mr8mf4r",
    "groupId": "acme",
    "traits": {"name": "Acme Inc", "industry": "Technology", "employees": 329},
    "messageId": "group-1",
    "timestamp": "2026-11-20T09:29:30.000Z",
}
TRACK = {
    "type": "track",
    "userId": "019mr8mf4r",
    "event": "Report Exported",
    "properties": {"feature": "reports", "module": "analytics", "format": "pdf"},
    "context": {"groupId": "acme", "page": {"path": "/reports"}},
    "messageId": "ajs-track-1",
    "timestamp": "2026-11-20T09:30:00.000Z",
}


@pytest.fixture
async def basic(session: AsyncSession, org: Organisation) -> dict[str, str]:
    _, headers = await create_api_key(session, org, ApiScope.INGEST)
    write_key = headers["Authorization"].removeprefix("Bearer ")
    return {"Authorization": "Basic " + base64.b64encode(f"{write_key}:".encode()).decode()}


async def rows(session: AsyncSession, model: Any, org: Organisation) -> list[Any]:
    result = await session.scalars(
        select(model).where(model.org_id == org.id).execution_options(populate_existing=True)
    )
    return list(result)


async def test_identify_group_and_track_as_segment_sends_them(
    client: AsyncClient, session: AsyncSession, org: Organisation, basic: dict[str, str]
) -> None:
    account = await create_account(session, org, external_id="acme")

    for path, body in (("identify", IDENTIFY), ("group", GROUP), ("track", TRACK)):
        response = await client.post(f"{URL}/{path}", headers=basic, json=body)
        assert response.status_code == 200, response.text
        assert response.json()["success"] is True

    [contact] = await rows(session, Contact, org)
    assert (contact.external_id, contact.email, contact.name, contact.title) == (
        "019mr8mf4r",
        "pgibbons@example.com",
        "Peter Gibbons",
        "Engineer",
    )
    assert contact.traits == {"plan": "premium", "logins": 5}
    [link] = await rows(session, ContactAccount, org)
    assert (link.account_id, link.traits["industry"]) == (account.id, "Technology")
    [event] = await rows(session, UsageEvent, org)
    assert (event.name, event.feature, event.module) == ("Report Exported", "reports", "analytics")
    assert (event.account_id, event.contact_id) == (account.id, contact.id)
    assert event.message_id == "ajs-track-1"


async def test_a_batch_is_idempotent_and_reports_bad_calls(
    client: AsyncClient, session: AsyncSession, org: Organisation, basic: dict[str, str]
) -> None:
    body = {
        "batch": [
            IDENTIFY,
            GROUP,
            TRACK,
            {**TRACK, "messageId": "ajs-track-2", "event": ""},
            {"type": "alias", "userId": "x", "previousId": "y"},
            {"type": "track", "event": "No user"},
            {"type": "page", "anonymousId": "anon-1", "name": "Pricing", "messageId": "p-1"},
        ],
        "context": {"library": {"name": "analytics-python"}},
        "sentAt": "2026-11-20T09:30:01.000Z",
    }

    first = await client.post(f"{URL}/batch", headers=basic, json=body)
    again = await client.post(f"{URL}/batch", headers=basic, json=body)

    assert first.status_code == 200, first.text
    assert (first.json()["accepted"], first.json()["rejected"]) == (5, 2)
    assert [e["index"] for e in first.json()["errors"]] == [3, 5]
    assert again.json()["accepted"] == 5
    events = sorted((e.message_id, e.name) for e in await rows(session, UsageEvent, org))
    assert events == [("ajs-track-1", "Report Exported"), ("p-1", "Page: Pricing")]
    # The group does not create the account; it links once the account exists.
    [link] = await rows(session, ContactAccount, org)
    assert link.account_id is None and link.account_external_id == "acme"


async def test_a_call_without_message_id_is_still_stored_once(
    client: AsyncClient, session: AsyncSession, org: Organisation, basic: dict[str, str]
) -> None:
    body = {k: v for k, v in TRACK.items() if k != "messageId"}

    await client.post(f"{URL}/track", headers=basic, json=body)
    await client.post(f"{URL}/track", headers=basic, json=body)

    [event] = await rows(session, UsageEvent, org)
    assert event.message_id.startswith("derived-")


async def test_bad_calls_and_credentials(
    client: AsyncClient, session: AsyncSession, org: Organisation, basic: dict[str, str]
) -> None:
    assert_problem(await client.post(f"{URL}/track", headers=basic, json={"event": "x"}), 422)
    assert_problem(await client.post(f"{URL}/batch", headers=basic, content=b"{"), 422)
    forged = "Basic " + base64.b64encode(b"tnr_000000000000_nope:").decode()
    assert_problem(
        await client.post(f"{URL}/track", headers={"Authorization": forged}, json=TRACK), 401
    )
    _, read = await create_api_key(session, org, ApiScope.READ)
    assert_problem(await client.post(f"{URL}/track", headers=read, json=TRACK), 403)


class TestOneUrl:
    """Destinations that post every call to one address, and SDKs pointed at a base URL."""

    async def test_single_calls_of_any_type_and_batches(
        self, client: AsyncClient, session: AsyncSession, org: Organisation, basic: dict[str, str]
    ) -> None:
        account = await create_account(session, org, external_id="acme")

        for body in (IDENTIFY, GROUP, TRACK):
            response = await client.post(URL, headers=basic, json=body)
            assert response.status_code == 200, response.text
        batch = {"batch": [{**TRACK, "messageId": "ajs-track-9"}]}
        assert (await client.post(URL, headers=basic, json=batch)).json()["accepted"] == 1

        [contact] = await rows(session, Contact, org)
        events = await rows(session, UsageEvent, org)
        assert sorted(e.message_id for e in events) == ["ajs-track-1", "ajs-track-9"]
        assert {(e.account_id, e.contact_id) for e in events} == {(account.id, contact.id)}

    async def test_segment_sdk_paths(
        self, client: AsyncClient, session: AsyncSession, org: Organisation, basic: dict[str, str]
    ) -> None:
        batch = {"batch": [TRACK]}
        assert (await client.post(f"{URL}/v1/batch", headers=basic, json=batch)).status_code == 200
        screen = {"userId": "u-1", "name": "Settings", "messageId": "s-1"}
        assert (await client.post(f"{URL}/v1/screen", headers=basic, json=screen)).is_success

        names = sorted(e.name for e in await rows(session, UsageEvent, org))
        assert names == ["Report Exported", "Screen: Settings"]

    async def test_an_unreadable_call_is_a_422_and_stores_nothing(
        self, client: AsyncClient, session: AsyncSession, org: Organisation, basic: dict[str, str]
    ) -> None:
        for bad in (b"{", b"[]", b'{"type": "launch", "userId": "u"}', b'{"type": "track"}'):
            assert_problem(await client.post(URL, headers=basic, content=bad), 422)
        assert await rows(session, UsageEvent, org) == []


class TestAlias:
    async def test_renames_a_contact_known_only_by_its_previous_id(
        self, client: AsyncClient, session: AsyncSession, org: Organisation, basic: dict[str, str]
    ) -> None:
        anonymous = {**TRACK, "userId": None, "anonymousId": "anon-7", "messageId": "a-1"}
        await client.post(f"{URL}/identify", headers=basic, json={"anonymousId": "anon-7"})
        await client.post(f"{URL}/track", headers=basic, json=anonymous)

        alias = {"previousId": "anon-7", "userId": "user-7", "messageId": "al-1"}
        response = await client.post(f"{URL}/alias", headers=basic, json=alias)
        await client.post(f"{URL}/track", headers=basic, json={**TRACK, "userId": "user-7"})

        assert response.json()["accepted"] == 1
        [contact] = await rows(session, Contact, org)
        assert contact.external_id == "user-7"
        events = await rows(session, UsageEvent, org)
        assert {e.contact_id for e in events} == {contact.id}

    async def test_merges_into_an_existing_contact(
        self, client: AsyncClient, session: AsyncSession, org: Organisation, basic: dict[str, str]
    ) -> None:
        acme = await create_account(session, org, external_id="acme")
        beta = await create_account(session, org, external_id="beta")
        previous = {
            "anonymousId": "anon-8",
            "traits": {"email": "old@acme.com", "title": "Analyst", "plan": "free"},
            "context": {"groupId": "beta"},
        }
        current = {"userId": "user-8", "traits": {"email": "ada@acme.com", "plan": "pro"}}
        await client.post(f"{URL}/identify", headers=basic, json=previous)
        await client.post(f"{URL}/identify", headers=basic, json=current)
        await client.post(
            f"{URL}/group", headers=basic, json={"userId": "user-8", "groupId": "acme"}
        )
        track = {**TRACK, "userId": None, "anonymousId": "anon-8", "context": {"groupId": "beta"}}
        await client.post(f"{URL}/track", headers=basic, json=track)

        await client.post(
            f"{URL}/alias", headers=basic, json={"previousId": "anon-8", "userId": "user-8"}
        )

        [contact] = await rows(session, Contact, org)
        assert (contact.external_id, contact.email, contact.title) == (
            "user-8",
            "ada@acme.com",
            "Analyst",
        )
        assert contact.traits == {"plan": "pro"}
        links = await rows(session, ContactAccount, org)
        assert {(link.contact_id, link.account_id) for link in links} == {
            (contact.id, acme.id),
            (contact.id, beta.id),
        }
        [event] = await rows(session, UsageEvent, org)
        assert (event.contact_id, event.account_id) == (contact.id, beta.id)

    async def test_an_unknown_previous_id_changes_nothing(
        self, client: AsyncClient, session: AsyncSession, org: Organisation, basic: dict[str, str]
    ) -> None:
        alias = {"previousId": "nobody", "userId": "user-9"}
        response = await client.post(f"{URL}/alias", headers=basic, json=alias)

        assert response.json()["accepted"] == 1
        assert await rows(session, Contact, org) == []
