"""The Segment-compatible surface: payloads exactly as Segment's HTTP Tracking API sends them,
authenticated with the write key as the Basic user name."""

import base64
import gzip
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from httpx import AsyncClient
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from domain.common.settings import Settings
from domain.integration.models import ApiScope
from domain.orgs.models import Organisation
from domain.usage.models import Contact, ContactAccount, UsageEvent
from tests.factories import auth_headers, create_account, create_api_key, create_user
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


async def test_an_email_trait_that_is_not_an_address_is_left_out_of_the_contact(
    client: AsyncClient, session: AsyncSession, org: Organisation, basic: dict[str, str]
) -> None:
    # Traits are whatever the client's code puts in them: a bad one is left out, as a
    # non-text email is, and the rest of the call is stored.
    await client.post(f"{URL}/identify", headers=basic, json=IDENTIFY)
    calls = [
        {**IDENTIFY, "messageId": f"again-{n}", "traits": {**IDENTIFY["traits"], "email": email}}
        for n, email in enumerate(["Peter Gibbons", "peter@", "Peter <p@example.com>", "a" * 400])
    ]
    calls.append(
        {
            **IDENTIFY,
            "messageId": "again-last",
            "traits": {"email": " p@initech.test ", "title": "CTO"},
        }
    )

    single = await client.post(f"{URL}/identify", headers=basic, json=calls[0])
    batch = await client.post(f"{URL}/batch", headers=basic, json={"batch": calls[1:-1]})

    assert single.status_code == 200, single.text
    assert (single.json()["accepted"], single.json()["rejected"]) == (1, 0)
    assert (batch.json()["accepted"], batch.json()["rejected"]) == (3, 0)
    [contact] = await rows(session, Contact, org)
    assert (contact.email, contact.name) == ("pgibbons@example.com", "Peter Gibbons")
    assert "email" not in contact.traits
    # An address at a domain reserved for tests is an address.
    await client.post(f"{URL}/identify", headers=basic, json=calls[-1])
    [contact] = await rows(session, Contact, org)
    assert (contact.email, contact.title) == ("p@initech.test", "CTO")


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


class TestWriteKeyInTheBody:
    """Segment's HTTP API also takes the write key as `writeKey` in the body, without an
    Authorization header: a client written to its documentation may send it only there."""

    @pytest.fixture
    async def write_key(self, session: AsyncSession, org: Organisation) -> str:
        _, headers = await create_api_key(session, org, ApiScope.INGEST)
        return headers["Authorization"].removeprefix("Bearer ")

    @pytest.mark.parametrize("path", ["/track", "/v1/track", ""])
    async def test_a_call_carrying_its_write_key_is_stored(
        self,
        client: AsyncClient,
        session: AsyncSession,
        org: Organisation,
        write_key: str,
        path: str,
    ) -> None:
        response = await client.post(f"{URL}{path}", json={**TRACK, "writeKey": write_key})

        assert response.status_code == 200, response.text
        [event] = await rows(session, UsageEvent, org)
        assert event.message_id == "ajs-track-1"

    async def test_a_batch_carrying_its_write_key_is_stored(
        self, client: AsyncClient, session: AsyncSession, org: Organisation, write_key: str
    ) -> None:
        body = {"batch": [IDENTIFY, TRACK], "writeKey": write_key}

        response = await client.post(f"{URL}/batch", json=body)

        assert response.json()["accepted"] == 2, response.text
        assert len(await rows(session, UsageEvent, org)) == 1

    @pytest.mark.parametrize("write_key", ["tnr_000000000000_forged", "not-a-key", 42])
    async def test_a_wrong_write_key_is_a_401_and_stores_nothing(
        self, client: AsyncClient, session: AsyncSession, org: Organisation, write_key: Any
    ) -> None:
        response = await client.post(f"{URL}/track", json={**TRACK, "writeKey": write_key})

        assert_problem(response, 401)
        assert await rows(session, UsageEvent, org) == []

    async def test_a_revoked_key_in_the_body_is_a_401(
        self,
        client: AsyncClient,
        session: AsyncSession,
        org: Organisation,
        settings: Settings,
        write_key: str,
    ) -> None:
        admin = auth_headers(settings, await create_user(session, org, role_name="Admin"))
        [key] = (await client.get("/api/v1/api-keys", headers=admin)).json()
        await client.post(f"/api/v1/api-keys/{key['id']}/revoke", headers=admin)

        response = await client.post(f"{URL}/track", json={**TRACK, "writeKey": write_key})

        assert_problem(response, 401, "invalid_api_key")
        assert await rows(session, UsageEvent, org) == []

    async def test_only_the_segment_routes_read_it(
        self, client: AsyncClient, org: Organisation, write_key: str
    ) -> None:
        body = {"items": [{"external_id": "acme", "name": "Acme"}], "writeKey": write_key}

        assert_problem(await client.post("/api/v1/accounts/batch", json=body), 401)


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

    async def test_a_retried_batch_does_not_bring_back_the_aliased_contact(
        self, client: AsyncClient, session: AsyncSession, org: Organisation, basic: dict[str, str]
    ) -> None:
        """A batch that identifies `previousId`, groups it and then aliases it, sent again
        (a retry after a timeout): the second identify and group are the contact's, as an
        event under `previousId` is, not a new contact of the retired id."""
        acme = await create_account(session, org, external_id="acme")
        batch = {
            "batch": [
                {"type": "identify", "anonymousId": "anon-9", "traits": {"title": "Analyst"}},
                {"type": "group", "anonymousId": "anon-9", "groupId": "acme"},
                {"type": "alias", "previousId": "anon-9", "userId": "user-9"},
            ]
        }

        first = await client.post(f"{URL}/batch", headers=basic, json=batch)
        again = await client.post(f"{URL}/batch", headers=basic, json=batch)

        [contact] = await rows(session, Contact, org)
        assert (contact.external_id, contact.title) == ("user-9", "Analyst")
        [link] = await rows(session, ContactAccount, org)
        assert (link.contact_id, link.account_id) == (contact.id, acme.id)
        assert first.json()["records"][0]["id"] == str(contact.id)
        assert [r["id"] for r in again.json()["records"]] == [str(contact.id)] * 2

    async def test_an_unknown_previous_id_changes_nothing(
        self, client: AsyncClient, session: AsyncSession, org: Organisation, basic: dict[str, str]
    ) -> None:
        alias = {"previousId": "nobody", "userId": "user-9"}
        response = await client.post(f"{URL}/alias", headers=basic, json=alias)

        assert response.json()["accepted"] == 1
        assert await rows(session, Contact, org) == []


class TestGzip:
    """Segment's SDKs with `gzip=True`, and RudderStack's by default, compress their bodies."""

    async def test_a_gzip_body_is_read_as_its_json(
        self, client: AsyncClient, session: AsyncSession, org: Organisation, basic: dict[str, str]
    ) -> None:
        body = gzip.compress(b'{"batch": [' + str(TRACK).replace("'", '"').encode() + b"]}")
        headers = {**basic, "Content-Type": "application/json", "Content-Encoding": "gzip"}

        response = await client.post(f"{URL}/v1/batch", headers=headers, content=body)
        # A body may hold several gzip members one after the other (as `cat a.gz b.gz` makes).
        half = len(body) // 2
        raw = gzip.decompress(body)
        two_members = gzip.compress(raw[:half]) + gzip.compress(
            raw[half:].replace(b"ajs-track-1", b"ajs-track-2")
        )
        again = await client.post(f"{URL}/batch", headers=headers, content=two_members)

        assert response.status_code == 200, response.text
        assert response.json()["accepted"] == 1
        assert again.json()["accepted"] == 1, again.text
        events = await rows(session, UsageEvent, org)
        assert sorted(e.message_id for e in events) == ["ajs-track-1", "ajs-track-2"]

    async def test_a_body_inflating_past_the_limit_is_a_413(
        self, client: AsyncClient, session: AsyncSession, org: Organisation, basic: dict[str, str]
    ) -> None:
        # 11 MB of JSON whitespace in 11 kB on the wire: refused once 10 MB have inflated.
        bomb = gzip.compress(b'{"batch": [' + b" " * 11_000_000 + b"]}")
        assert len(bomb) < 100_000
        headers = {**basic, "Content-Type": "application/json", "Content-Encoding": "gzip"}

        response = await client.post(f"{URL}/batch", headers=headers, content=bomb)

        body = assert_problem(response, 413)
        assert "decompressed" in body["detail"]
        # The limit is the application's, not Segment's alone.
        events = await client.post(
            "/api/v1/events/batch",
            headers={**headers, "Authorization": basic["Authorization"]},
            content=bomb,
        )
        assert_problem(events, 413)

    async def test_a_body_that_is_not_gzip_or_another_encoding_is_refused(
        self, client: AsyncClient, session: AsyncSession, org: Organisation, basic: dict[str, str]
    ) -> None:
        json_type = {**basic, "Content-Type": "application/json"}
        not_gzip = {**json_type, "Content-Encoding": "gzip"}
        truncated = gzip.compress(b'{"batch": []}')[:-6]
        assert_problem(await client.post(f"{URL}/batch", headers=not_gzip, content=b"{}"), 400)
        assert_problem(await client.post(f"{URL}/batch", headers=not_gzip, content=truncated), 400)
        # No body at all is an empty body (the route says what it misses), not broken gzip.
        assert_problem(await client.post(f"{URL}/batch", headers=not_gzip), 422, "invalid_batch")
        brotli = {**json_type, "Content-Encoding": "br"}
        assert_problem(await client.post(f"{URL}/batch", headers=brotli, content=b"{}"), 415)
        assert await rows(session, UsageEvent, org) == []


class TestSegmentAnswers:
    async def test_errors_carry_segments_message_beside_the_problem(
        self, client: AsyncClient, session: AsyncSession, org: Organisation, basic: dict[str, str]
    ) -> None:
        forged = {"Authorization": "Basic " + base64.b64encode(b"tnr_0_nope:").decode()}

        for response in (
            await client.post(f"{URL}/v1/batch", headers=forged, json={"batch": [TRACK]}),
            await client.post(f"{URL}/track", headers=basic, json={"event": "x"}),
            await client.post(URL, headers=basic, content=b"{"),
        ):
            body = assert_problem(response, response.status_code)
            assert body["success"] is False and body["message"] == body["detail"]

        # Elsewhere problems are left as they are.
        other = await client.post("/api/v1/events", headers=basic, json={})
        assert "message" not in assert_problem(other, 422)

    async def test_success_is_segments_answer(
        self, client: AsyncClient, session: AsyncSession, org: Organisation, basic: dict[str, str]
    ) -> None:
        response = await client.post(f"{URL}/v1/track", headers=basic, json=TRACK)

        assert response.status_code == 200
        assert response.json()["success"] is True


class TestInOrder:
    """A batch is handled in the order sent: an alias applies to the calls before it."""

    async def test_events_before_an_alias_follow_the_contact(
        self, client: AsyncClient, session: AsyncSession, org: Organisation, basic: dict[str, str]
    ) -> None:
        acme = await create_account(session, org, external_id="acme")
        anonymous = {"anonymousId": "anon-1", "userId": None}
        batch = [
            {**IDENTIFY, **anonymous, "context": {"groupId": "acme"}, "messageId": "i-1"},
            {**TRACK, **anonymous, "context": {}, "messageId": "t-1"},
            {"type": "alias", "previousId": "anon-1", "userId": "user-1", "messageId": "a-1"},
            {**TRACK, "userId": "user-1", "context": {}, "messageId": "t-2"},
        ]

        response = await client.post(f"{URL}/batch", headers=basic, json={"batch": batch})

        assert response.json()["accepted"] == 4, response.text
        [contact] = await rows(session, Contact, org)
        assert contact.external_id == "user-1"
        events = await rows(session, UsageEvent, org)
        assert {(e.message_id, e.contact_id, e.account_id) for e in events} == {
            ("t-1", contact.id, acme.id),
            ("t-2", contact.id, acme.id),
        }

    async def test_events_of_an_unknown_previous_id_go_to_the_aliased_contact(
        self, client: AsyncClient, session: AsyncSession, org: Organisation, basic: dict[str, str]
    ) -> None:
        acme = await create_account(session, org, external_id="acme")
        await client.post(
            f"{URL}/identify",
            headers=basic,
            json={"userId": "user-2", "context": {"groupId": "acme"}},
        )
        batch = [
            {**TRACK, "userId": None, "anonymousId": "anon-2", "context": {}, "messageId": "t-3"},
            {"type": "alias", "previousId": "anon-2", "userId": "user-2"},
        ]

        await client.post(f"{URL}/batch", headers=basic, json={"batch": batch})

        [contact] = await rows(session, Contact, org)
        [event] = await rows(session, UsageEvent, org)
        assert (event.contact_external_id, event.contact_id) == ("user-2", contact.id)
        assert (event.account_external_id, event.account_id) == ("acme", acme.id)

    async def test_events_sent_under_a_former_id_after_its_alias_follow_the_contact(
        self,
        client: AsyncClient,
        session: AsyncSession,
        org: Organisation,
        basic: dict[str, str],
    ) -> None:
        """A browser keeps sending its anonymous id after the user signed in (and a later
        alias moves both ids on): every event is the contact's, through Segment or /events."""
        acme = await create_account(session, org, external_id="acme")
        anonymous = {"userId": None, "anonymousId": "anon-5", "context": {}}
        batch = [
            {**IDENTIFY, "userId": "user-5", "context": {"groupId": "acme"}},
            {"type": "alias", "previousId": "anon-5", "userId": "user-5"},
            {**TRACK, **anonymous, "messageId": "after-alias"},
        ]
        await client.post(f"{URL}/batch", headers=basic, json={"batch": batch})
        await client.post(
            f"{URL}/alias", headers=basic, json={"previousId": "user-5", "userId": "user-6"}
        )
        await client.post(f"{URL}/track", headers=basic, json={**TRACK, **anonymous})
        write_key = base64.b64decode(basic["Authorization"].split()[1]).decode().rstrip(":")
        await client.post(
            "/api/v1/events",
            headers={"Authorization": f"Bearer {write_key}"},
            json={
                "message_id": "plain",
                "name": "Report Exported",
                "contact_external_id": "user-5",
                "occurred_at": "2026-11-20T09:30:00Z",
            },
        )

        [contact] = await rows(session, Contact, org)
        events = {e.message_id: e for e in await rows(session, UsageEvent, org)}
        assert contact.external_id == "user-6"
        # Stored under the id the contact had then; all of them the contact's.
        assert {m: (e.contact_external_id, e.contact_id) for m, e in events.items()} == {
            "after-alias": ("user-5", contact.id),
            "ajs-track-1": ("user-6", contact.id),
            "plain": ("user-6", contact.id),
        }
        assert all(e.account_id == acme.id for e in events.values())


class TestTimestamps:
    async def test_original_timestamp_is_corrected_by_the_clock_skew(
        self, client: AsyncClient, session: AsyncSession, org: Organisation, basic: dict[str, str]
    ) -> None:
        # The device's clock is an hour ahead; the call happened 10 minutes before it was sent.
        now = datetime.now(UTC)
        device_sent = now + timedelta(hours=1)
        device_happened = device_sent - timedelta(minutes=10)
        skewed = {k: v for k, v in TRACK.items() if k != "timestamp"}
        batch = {
            "batch": [
                {**skewed, "originalTimestamp": device_happened.isoformat()},
                {
                    **skewed,
                    "messageId": "own-sent-at",
                    "originalTimestamp": "2026-11-20T09:00:00Z",
                    "sentAt": "2026-11-20T09:00:05Z",
                },
                {**TRACK, "messageId": "stamped", "originalTimestamp": "2026-01-01T00:00:00Z"},
            ],
            "sentAt": device_sent.isoformat(),
        }

        before = datetime.now(UTC)
        await client.post(f"{URL}/batch", headers=basic, json=batch)
        after = datetime.now(UTC)
        await client.post(
            f"{URL}/track",
            headers=basic,
            json={**skewed, "messageId": "no-times"},
        )
        after_single = datetime.now(UTC)

        events = {e.message_id: e.occurred_at for e in await rows(session, UsageEvent, org)}
        ten_minutes = timedelta(minutes=10)
        assert before - ten_minutes <= events["ajs-track-1"] <= after - ten_minutes
        assert before - timedelta(seconds=5) <= events["own-sent-at"] <= after
        assert events["stamped"] == datetime(2026, 11, 20, 9, 30, tzinfo=UTC)
        assert after <= events["no-times"] <= after_single


class TestAccounts:
    async def test_an_event_without_group_is_the_contacts_accounts_at_once(
        self,
        client: AsyncClient,
        session: AsyncSession,
        org: Organisation,
        basic: dict[str, str],
        settings: Settings,
    ) -> None:
        acme = await create_account(session, org, external_id="acme")
        await client.post(f"{URL}/identify", headers=basic, json=IDENTIFY)
        await client.post(f"{URL}/group", headers=basic, json=GROUP)
        await client.post(f"{URL}/track", headers=basic, json={**TRACK, "context": {}})
        admin = await create_user(session, org, role_name="Admin")

        listed = await client.get(
            f"/api/v1/accounts/{acme.id}/events", headers=auth_headers(settings, admin)
        )

        assert [e["message_id"] for e in listed.json()["items"]] == ["ajs-track-1"]

    async def test_a_group_id_that_is_not_an_id_names_no_account(
        self, client: AsyncClient, session: AsyncSession, org: Organisation, basic: dict[str, str]
    ) -> None:
        await create_account(session, org, external_id="True")
        await client.post(
            f"{URL}/track", headers=basic, json={**TRACK, "context": {"groupId": True}}
        )

        [event] = await rows(session, UsageEvent, org)
        assert (event.account_external_id, event.account_id) == (None, None)

    async def test_identify_traits_in_context_as_rudderstack_sends_them(
        self, client: AsyncClient, session: AsyncSession, org: Organisation, basic: dict[str, str]
    ) -> None:
        identify = {
            "userId": "u-r",
            "context": {"traits": {"email": "ada@acme.com", "name": "Ada", "plan": "pro"}},
            "traits": {"plan": "enterprise"},
        }

        await client.post(f"{URL}/identify", headers=basic, json=identify)

        [contact] = await rows(session, Contact, org)
        assert (contact.email, contact.name, contact.traits) == (
            "ada@acme.com",
            "Ada",
            {"plan": "enterprise"},
        )

    async def test_group_traits_read_on_the_account_as_the_caller_may_see_it(
        self,
        client: AsyncClient,
        session: AsyncSession,
        org: Organisation,
        other_org: Organisation,
        basic: dict[str, str],
        settings: Settings,
    ) -> None:
        csm = await create_user(session, org, role_name="CSM")
        acme = await create_account(session, org, external_id="acme", csms=[csm])
        beta = await create_account(session, org, external_id="beta")
        await client.post(f"{URL}/group", headers=basic, json=GROUP)
        update = {**GROUP, "traits": {"employees": 400, "plan": "enterprise"}}
        await client.post(f"{URL}/group", headers=basic, json=update)
        await client.post(f"{URL}/group", headers=basic, json={**GROUP, "groupId": "beta"})
        await client.post(
            f"{URL}/group", headers=basic, json={**GROUP, "userId": "u-2", "traits": {}}
        )
        [contact] = [c for c in await rows(session, Contact, org) if c.external_id == "019mr8mf4r"]
        headers = auth_headers(settings, csm)

        response = await client.get(f"/api/v1/accounts/{acme.id}/group-traits", headers=headers)

        assert response.status_code == 200, response.text
        assert response.json()["total"] == 1
        assert response.json()["items"] == [
            {
                "contact_id": str(contact.id),
                "contact_external_id": "019mr8mf4r",
                "traits": {
                    "name": "Acme Inc",
                    "industry": "Technology",
                    "employees": 400,
                    "plan": "enterprise",
                },
            }
        ]
        # Another CSM's account, and another organisation's, are not found.
        hidden = await client.get(f"/api/v1/accounts/{beta.id}/group-traits", headers=headers)
        assert_problem(hidden, 404)
        stranger = await create_account(session, other_org, external_id="acme")
        admin = await create_user(session, org, role_name="Admin")
        foreign = await client.get(
            f"/api/v1/accounts/{stranger.id}/group-traits", headers=auth_headers(settings, admin)
        )
        assert_problem(foreign, 404)
