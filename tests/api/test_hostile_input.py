"""Input found by fuzzing that used to end in a 500: texts PostgreSQL cannot store (NUL, lone
surrogates) anywhere in a request, JSON nested too deep, numbers that are not finite, and times
or days that leave the representable range. Each is a 422 problem that changes nothing (or,
inside a batch, a rejected record)."""

from typing import Any

import pytest
from httpx import AsyncClient
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from domain.accounts.models import Account
from domain.common.settings import Settings
from domain.integration.models import ApiScope
from domain.interactions.models import Interaction, Ticket
from domain.orgs.models import Organisation
from domain.usage.models import Contact, UsageEvent
from domain.users.models import User
from tests.factories import auth_headers, create_account, create_api_key
from tests.helpers import assert_problem

API = "/api/v1"
NUL = "a\u0000b"
# What a JSON client sends for a lone surrogate: the escape, which json.dumps writes as is.
LONE_SURROGATE_JSON = '{"traits": {"name": "\\ud800"}}'


@pytest.fixture
def headers(settings: Settings, admin: User) -> dict[str, str]:
    return auth_headers(settings, admin)


@pytest.fixture
async def ingest(session: AsyncSession, org: Organisation) -> dict[str, str]:
    _, headers = await create_api_key(session, org, ApiScope.INGEST)
    return headers


@pytest.fixture
async def account(session: AsyncSession, org: Organisation) -> Account:
    return await create_account(session, org, name="Acme", external_id="acme")


async def _count(session: AsyncSession, model: type[Any]) -> int:
    return await session.scalar(select(func.count()).select_from(model)) or 0


def _nested(depth: int) -> dict[str, Any]:
    value: dict[str, Any] = {}
    for _ in range(depth - 1):
        value = {"k": value}
    return value


def _event(**fields: Any) -> dict[str, Any]:
    return {
        "message_id": "m-1",
        "name": "Report Exported",
        "contact_external_id": "user-1",
        "account_external_id": "acme",
        "occurred_at": "2026-11-20T09:30:00Z",
        **fields,
    }


class TestTextsPostgresCannotStore:
    async def test_nul_in_a_custom_value_on_patch_and_bulk_edit(
        self, client: AsyncClient, headers: dict[str, str], account: Account
    ) -> None:
        await client.post(
            f"{API}/custom-fields",
            headers=headers,
            json={"key": "motto", "label": "Motto", "type": "text"},
        )

        patched = await client.patch(
            f"{API}/accounts/{account.id}",
            headers=headers,
            json={"custom_values": {"motto": NUL}},
        )
        bulk = await client.post(
            f"{API}/accounts/bulk-edit",
            headers=headers,
            json={
                "selection": {"ids": [str(account.id)]},
                "changes": {"custom_values": {"motto": NUL}},
            },
        )

        body = assert_problem(patched, 422, "validation_error")
        assert body["errors"][0]["loc"] == ["body", "custom_values", "motto"]
        assert_problem(bulk, 422, "validation_error")
        got = await client.get(f"{API}/accounts/{account.id}", headers=headers)
        assert got.json()["custom_values"].get("motto") is None

    async def test_nul_in_contact_traits_event_properties_and_segment_traits(
        self,
        client: AsyncClient,
        session: AsyncSession,
        ingest: dict[str, str],
        account: Account,
    ) -> None:
        calls = [
            ("/contacts", {"external_id": "user-1", "traits": {"nick": NUL}}),
            ("/events", _event(properties={"note": NUL})),
            ("/events", _event(properties={NUL: 1})),
            ("/segment/identify", {"userId": "user-1", "traits": {"name": NUL}}),
            ("/segment/track", {"userId": "user-1", "event": "x", "properties": {"a": [NUL]}}),
        ]
        for path, body in calls:
            response = await client.post(f"{API}{path}", headers=ingest, json=body)
            assert_problem(response, 422, "validation_error")

        assert await _count(session, Contact) == 0
        assert await _count(session, UsageEvent) == 0

    async def test_a_group_call_with_nul_in_its_user_id_inside_a_segment_batch(
        self, client: AsyncClient, session: AsyncSession, ingest: dict[str, str], account: Account
    ) -> None:
        response = await client.post(
            f"{API}/segment/batch",
            headers=ingest,
            json={
                "batch": [
                    {"type": "group", "userId": NUL, "groupId": "acme"},
                    {"type": "group", "userId": "user-2", "groupId": "acme"},
                ]
            },
        )

        assert response.status_code == 200, response.text
        result = response.json()
        assert (result["accepted"], result["rejected"]) == (1, 1)
        assert "NUL" in result["errors"][0]["message"]
        assert await _count(session, Contact) == 1

    async def test_one_record_of_a_batch_is_refused_alone(
        self, client: AsyncClient, session: AsyncSession, ingest: dict[str, str], account: Account
    ) -> None:
        contacts = await client.post(
            f"{API}/contacts/batch",
            headers={**ingest, "content-type": "application/json"},
            content=b'{"items": [{"external_id": "u-1", "traits": {"x": "\\ud800"}},'
            b' {"external_id": "u-2"}]}',
        )
        interactions = await client.post(
            f"{API}/interactions/batch",
            headers=ingest,
            json={
                "items": [
                    {
                        "external_id": "i-1",
                        "account": "acme",
                        "type": "call",
                        "subject": NUL,
                        "occurred_at": "2026-11-20T09:30:00Z",
                    },
                ]
            },
        )

        assert contacts.status_code == 200, contacts.text
        assert (contacts.json()["accepted"], contacts.json()["rejected"]) == (1, 1)
        assert interactions.status_code == 200, interactions.text
        assert interactions.json()["rejected"] == 1
        assert "NUL" in interactions.json()["errors"][0]["message"]
        assert await _count(session, Interaction) == 0

    async def test_lone_surrogates_are_refused(
        self, client: AsyncClient, session: AsyncSession, ingest: dict[str, str]
    ) -> None:
        for content in (
            b'{"external_id": "user-1", "traits": {"name": "\\ud800"}}',
            b'{"external_id": "user-\\udfff"}',
            '{"external_id": "user-1", "name": "\udc80"}'.encode("utf-8", "surrogatepass"),
        ):
            response = await client.post(
                f"{API}/contacts",
                headers={**ingest, "content-type": "application/json"},
                content=content,
            )
            body = assert_problem(response, 422, "validation_error")
            assert "surrogate" in body["detail"]
        assert await _count(session, Contact) == 0

    async def test_a_lone_surrogate_in_a_key_is_answered_escaped(
        self, client: AsyncClient, session: AsyncSession, ingest: dict[str, str], account: Account
    ) -> None:
        """The problem's location names the key, which no response could encode as sent."""
        for path, headers, content in (
            ("/auth/login", {}, b'{"\\ud800": 1}'),
            ("/auth/password-reset", {}, b'{"email": "a@b.co", "x": {"\\udfff": 1}}'),
            (
                "/accounts/metric-values",
                ingest,
                b'{"account_external_id": "acme", "values": {"\\ud800": 1}}',
            ),
        ):
            response = await client.post(
                f"{API}{path}",
                headers={**headers, "content-type": "application/json"},
                content=content,
            )
            body = assert_problem(response, 422, "validation_error")
            assert "\\ud800" in body["detail"] or "\\udfff" in body["detail"]

    @pytest.mark.parametrize(
        ("path", "id_key"),
        [
            ("/accounts/batch", "external_id"),
            ("/accounts/metric-values/batch", "account_external_id"),
            ("/tickets/batch", "external_id"),
            ("/interactions/batch", "external_id"),
            ("/contacts/batch", "external_id"),
            ("/events/batch", "message_id"),
            ("/subscriptions/batch", "external_id"),
            ("/invoices/batch", "number"),
            ("/fx-rates/batch", "currency"),
        ],
    )
    async def test_a_lone_surrogate_in_a_batch_record_s_id_refuses_that_record(
        self, client: AsyncClient, ingest: dict[str, str], path: str, id_key: str
    ) -> None:
        response = await client.post(
            f"{API}{path}",
            headers={**ingest, "content-type": "application/json"},
            content=b'{"items": [{"%b": "s\\ud800"}]}' % id_key.encode(),
        )

        assert response.status_code == 200, response.text
        [error] = response.json()["errors"]
        assert error["id"] == "s\\ud800"  # escaped, as the record cannot be stored
        assert "surrogate" in error["message"]

    async def test_a_batch_keeps_its_good_records_beside_an_id_with_a_lone_surrogate(
        self, client: AsyncClient, session: AsyncSession, ingest: dict[str, str]
    ) -> None:
        accounts = await client.post(
            f"{API}/accounts/batch",
            headers={**ingest, "content-type": "application/json"},
            content=b'{"items": [{"external_id": "ok", "name": "ok"},'
            b' {"external_id": "s\\ud800", "name": "x"}]}',
        )
        segment = await client.post(
            f"{API}/segment/batch",
            headers={**ingest, "content-type": "application/json"},
            content=b'{"batch": [{"type": "track", "event": "E", "userId": "u-1",'
            b' "messageId": "m\\ud800", "timestamp": "2026-11-20T09:30:00Z"}]}',
        )

        assert accounts.status_code == 200, accounts.text
        assert (accounts.json()["accepted"], accounts.json()["rejected"]) == (1, 1)
        assert await _count(session, Account) == 1
        assert segment.status_code < 500, segment.text

    async def test_paired_surrogates_and_other_escapes_are_fine(
        self, client: AsyncClient, session: AsyncSession, ingest: dict[str, str]
    ) -> None:
        response = await client.post(
            f"{API}/contacts",
            headers={**ingest, "content-type": "application/json"},
            content=b'{"external_id": "user-1", "name": "Ad\\u00e1 \\ud83d\\ude00"}',
        )

        assert response.status_code == 200, response.text
        # An ingest key gets a receipt: the stored contact shows what was kept.
        stored = await session.scalar(
            select(Contact.name).where(Contact.id == response.json()["id"])
        )
        assert stored == "Adá \U0001f600"

    async def test_nul_in_a_query_or_a_path(
        self, client: AsyncClient, headers: dict[str, str]
    ) -> None:
        query = await client.get(f"{API}/accounts", headers=headers, params={"q": NUL})
        search = await client.get(f"{API}/interactions/search", headers=headers, params={"q": NUL})
        path = await client.get(f"{API}/metrics/mrr%00/aggregate", headers=headers)

        assert assert_problem(query, 422)["errors"][0]["loc"] == ["query", "q"]
        assert assert_problem(search, 422)["errors"][0]["loc"] == ["query", "q"]
        assert assert_problem(path, 422)["errors"][0]["loc"] == ["path"]

    async def test_numbers_that_are_not_finite(
        self, client: AsyncClient, session: AsyncSession, ingest: dict[str, str]
    ) -> None:
        response = await client.post(
            f"{API}/events",
            headers={**ingest, "content-type": "application/json"},
            content=b'{"message_id": "m-1", "name": "x", "contact_external_id": "u", '
            b'"occurred_at": "2026-11-20T09:30:00Z", "properties": {"n": NaN}}',
        )

        assert_problem(response, 422)
        assert await _count(session, UsageEvent) == 0

    async def test_an_infinite_custom_value(
        self, client: AsyncClient, headers: dict[str, str], account: Account
    ) -> None:
        await client.post(
            f"{API}/custom-fields",
            headers=headers,
            json={"key": "seats", "label": "Seats", "type": "number"},
        )

        response = await client.patch(
            f"{API}/accounts/{account.id}",
            headers={**headers, "content-type": "application/json"},
            content=b'{"custom_values": {"seats": 1e400}}',
        )

        assert_problem(response, 422)
        got = await client.get(f"{API}/accounts/{account.id}", headers=headers)
        assert got.json()["custom_values"].get("seats") is None


class TestFreeFormJsonDepth:
    @pytest.mark.parametrize("depth", [33, 300])
    async def test_properties_and_traits_nested_too_deep(
        self,
        client: AsyncClient,
        session: AsyncSession,
        ingest: dict[str, str],
        account: Account,
        depth: int,
    ) -> None:
        event = await client.post(
            f"{API}/events", headers=ingest, json=_event(properties=_nested(depth))
        )
        contact = await client.post(
            f"{API}/contacts",
            headers=ingest,
            json={"external_id": "user-1", "traits": _nested(depth)},
        )

        assert "nest" in assert_problem(event, 422)["detail"]
        assert_problem(contact, 422)
        assert await _count(session, UsageEvent) == 0

    async def test_properties_within_the_limit_are_kept(
        self, client: AsyncClient, ingest: dict[str, str], account: Account
    ) -> None:
        response = await client.post(
            f"{API}/events", headers=ingest, json=_event(properties=_nested(32))
        )

        assert response.status_code == 200, response.text


# An offset that moves the time past the last (or before the first) representable moment.
OUT_OF_RANGE = ["9999-12-31T23:59:59-23:59", "0001-01-01T00:00:00+01:02", "1899-12-31T12:00:00Z"]


class TestTimesOutOfRange:
    @pytest.mark.parametrize("moment", OUT_OF_RANGE)
    async def test_single_records_are_refused(
        self,
        client: AsyncClient,
        session: AsyncSession,
        headers: dict[str, str],
        ingest: dict[str, str],
        account: Account,
        moment: str,
    ) -> None:
        calls = [
            (
                headers,
                f"/accounts/{account.id}/interactions",
                {"type": "call", "occurred_at": moment},
            ),
            (headers, f"/accounts/{account.id}/tickets", {"subject": "x", "opened_at": moment}),
            (headers, f"/accounts/{account.id}/nps", {"score": 9, "responded_at": moment}),
            (ingest, "/events", _event(occurred_at=moment)),
            (ingest, "/segment/track", {"userId": "u", "event": "x", "timestamp": moment}),
        ]
        for auth, path, body in calls:
            response = await client.post(f"{API}{path}", headers=auth, json=body)
            assert_problem(response, 422)

        assert await _count(session, Interaction) == 0
        assert await _count(session, Ticket) == 0
        assert await _count(session, UsageEvent) == 0

    @pytest.mark.parametrize("moment", OUT_OF_RANGE[:2])
    async def test_batch_records_are_rejected_one_by_one(
        self,
        client: AsyncClient,
        session: AsyncSession,
        ingest: dict[str, str],
        account: Account,
        moment: str,
    ) -> None:
        interaction = {"external_id": "i-1", "account": "acme", "type": "call"}
        ticket = {"external_id": "t-1", "account": "acme", "subject": "Help"}
        calls = [
            ("/interactions/batch", {"items": [{**interaction, "occurred_at": moment}]}),
            ("/tickets/batch", {"items": [{**ticket, "opened_at": moment}]}),
            ("/events/batch", {"items": [_event(occurred_at=moment)]}),
        ]
        for path, body in calls:
            response = await client.post(f"{API}{path}", headers=ingest, json=body)
            assert response.status_code == 200, response.text
            assert response.json()["rejected"] == 1, (path, response.json())

        assert await _count(session, Interaction) == 0
        assert await _count(session, Ticket) == 0
        assert await _count(session, UsageEvent) == 0

    async def test_query_times_and_days(self, client: AsyncClient, headers: dict[str, str]) -> None:
        responses = [
            await client.get(
                f"{API}/interactions/search", headers=headers, params={"q": "x", "since": moment}
            )
            for moment in OUT_OF_RANGE
        ] + [
            await client.get(f"{API}/mrr-movements/summary", headers=headers, params=params)
            for params in ({"until": "0001-01-01"}, {"since": "9999-12-31"})
        ]

        for response in responses:
            assert_problem(response, 422)

    async def test_an_mrr_summary_spans_at_most_240_months(
        self, client: AsyncClient, headers: dict[str, str]
    ) -> None:
        url = f"{API}/mrr-movements/summary"
        centuries = {"since": "1900-01-01", "until": "9000-12-31"}
        twenty_years = {"since": "2001-01-15", "until": "2020-12-01"}

        refused = await client.get(url, headers=headers, params=centuries)
        answered = await client.get(url, headers=headers, params=twenty_years)

        assert_problem(refused, 422, "invalid_range")
        assert answered.status_code == 200, answered.text
        assert len(answered.json()["months"]) == 240

    async def test_times_are_answered_in_utc(
        self, client: AsyncClient, headers: dict[str, str], account: Account
    ) -> None:
        response = await client.post(
            f"{API}/accounts/{account.id}/interactions",
            headers=headers,
            json={"type": "call", "occurred_at": "2026-11-20T23:30:00-05:00"},
        )

        assert response.status_code == 201, response.text
        assert response.json()["occurred_at"].startswith("2026-11-21T04:30:00")
