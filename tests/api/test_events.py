"""Event ingestion: idempotent by message id, partial acceptance per item, late-arriving
accounts and contacts linked, API key scopes, tenancy."""

import base64
from datetime import timedelta
from typing import Any

import pytest
from httpx import AsyncClient
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from domain.common import clock
from domain.freshness.models import AccountChange
from domain.integration.models import ApiCall, ApiScope
from domain.orgs.models import Organisation
from domain.usage import service as usage
from domain.usage.models import UsageEvent, UsagePendingDay
from domain.usage.schemas import MAX_BATCH
from tests.factories import create_account, create_api_key
from tests.helpers import assert_problem

URL = "/api/v1/events"


def event(n: int, **fields: Any) -> dict[str, Any]:
    return {
        "message_id": f"m-{n}",
        "name": "Report Exported",
        "feature": "reports",
        "contact_external_id": "user-1",
        "account_external_id": "acme",
        "occurred_at": "2026-11-20T09:30:00Z",
        **fields,
    }


@pytest.fixture
async def ingest(session: AsyncSession, org: Organisation) -> dict[str, str]:
    _, headers = await create_api_key(session, org, ApiScope.INGEST)
    return headers


async def stored(session: AsyncSession, org: Organisation) -> list[UsageEvent]:
    rows = await session.scalars(
        select(UsageEvent)
        .where(UsageEvent.org_id == org.id)
        .order_by(UsageEvent.message_id)
        .execution_options(populate_existing=True)
    )
    return list(rows)


class TestBatch:
    async def test_the_same_batch_twice_stores_each_event_once(
        self, client: AsyncClient, session: AsyncSession, org: Organisation, ingest: dict[str, str]
    ) -> None:
        body = {"items": [event(1), event(2), event(3)]}

        first = await client.post(f"{URL}/batch", headers=ingest, json=body)
        again = await client.post(f"{URL}/batch", headers=ingest, json=body)

        assert first.status_code == 200, first.text
        # An event's id is its message id: no `records` to answer.
        assert first.json() == {
            "accepted": 3,
            "rejected": 0,
            "errors": [],
            "records": [],
            "change": None,
        }
        assert again.json() == first.json()
        assert [e.message_id for e in await stored(session, org)] == ["m-1", "m-2", "m-3"]

    async def test_duplicates_inside_one_batch_are_stored_once(
        self, client: AsyncClient, session: AsyncSession, org: Organisation, ingest: dict[str, str]
    ) -> None:
        body = {"items": [event(1), event(1, name="Retried"), event(2)]}

        response = await client.post(f"{URL}/batch", headers=ingest, json=body)

        assert (response.json()["accepted"], response.json()["rejected"]) == (3, 0)
        events = await stored(session, org)
        assert [(e.message_id, e.name) for e in events] == [
            ("m-1", "Report Exported"),
            ("m-2", "Report Exported"),
        ]

    async def test_invalid_items_are_reported_and_the_rest_stored(
        self, client: AsyncClient, session: AsyncSession, org: Organisation, ingest: dict[str, str]
    ) -> None:
        future = (clock.now() + timedelta(days=3)).isoformat()
        body = {
            "items": [
                event(1),
                {k: v for k, v in event(2).items() if k != "occurred_at"},
                "not an object",
                event(4, name="nul\x00"),
                event(5, occurred_at=future),
                event(6, properties={"x": "\x00"}),
                event(7, contact_external_id=""),
                event(8),
            ]
        }

        response = await client.post(f"{URL}/batch", headers=ingest, json=body)

        assert response.status_code == 200, response.text
        result = response.json()
        assert (result["accepted"], result["rejected"]) == (2, 6)
        errors = {e["index"]: e for e in result["errors"]}
        assert sorted(errors) == [1, 2, 3, 4, 5, 6]
        assert errors[1]["id"] == "m-2" and "occurred_at" in errors[1]["message"]
        assert errors[2]["id"] is None
        assert "future" in errors[4]["message"]
        assert [e.message_id for e in await stored(session, org)] == ["m-1", "m-8"]

    async def test_the_api_log_records_what_was_rejected(
        self, client: AsyncClient, session: AsyncSession, org: Organisation, ingest: dict[str, str]
    ) -> None:
        body = {"items": [event(1), event(2, name="")]}

        await client.post(f"{URL}/batch", headers=ingest, json=body)

        call = await session.scalar(
            select(ApiCall).where(ApiCall.org_id == org.id, ApiCall.path == f"{URL}/batch")
        )
        assert call is not None and (call.accepted, call.rejected) == (1, 1)
        assert call.errors[0]["index"] == 1 and call.errors[0]["id"] == "m-2"

    @pytest.mark.parametrize(
        "body",
        [b"not json", b"[]", b'{"items": 3}', b'{"events": []}', b'{"items": [1]', b""],
    )
    async def test_a_malformed_envelope_is_422(
        self, client: AsyncClient, ingest: dict[str, str], body: bytes
    ) -> None:
        response = await client.post(
            f"{URL}/batch", headers={**ingest, "content-type": "application/json"}, content=body
        )
        assert_problem(response, 422, "invalid_batch")

    async def test_malformed_json_says_where(
        self, client: AsyncClient, ingest: dict[str, str]
    ) -> None:
        response = await client.post(
            f"{URL}/batch",
            headers={**ingest, "content-type": "application/json"},
            content=b'{"items": [\n  {"message_id": "m-1",}\n]}',
        )
        detail = assert_problem(response, 422, "invalid_batch")["detail"]
        assert detail.startswith("The body is not valid JSON at line 2, column 24"), detail

    async def test_more_than_the_limit_is_413(
        self, client: AsyncClient, session: AsyncSession, org: Organisation, ingest: dict[str, str]
    ) -> None:
        body = {"items": [event(i) for i in range(MAX_BATCH + 1)]}

        response = await client.post(f"{URL}/batch", headers=ingest, json=body)

        assert_problem(response, 413, "batch_too_large")
        assert await stored(session, org) == []


class TestSingle:
    async def test_an_event_is_stored_once(
        self, client: AsyncClient, session: AsyncSession, org: Organisation, ingest: dict[str, str]
    ) -> None:
        first = await client.post(URL, headers=ingest, json=event(1))
        again = await client.post(URL, headers=ingest, json=event(1))

        # Its account is not known yet: no figure changed, so no change number.
        assert first.json() == {"message_id": "m-1", "duplicate": False, "change": None}
        assert again.json() == {"message_id": "m-1", "duplicate": True, "change": None}
        assert len(await stored(session, org)) == 1

    @pytest.mark.parametrize(
        "body",
        [{}, event(1, occurred_at="yesterday"), event(1, message_id="x" * 201), event(1, name=3)],
    )
    async def test_bad_events_are_422(
        self, client: AsyncClient, ingest: dict[str, str], body: dict[str, Any]
    ) -> None:
        assert_problem(await client.post(URL, headers=ingest, json=body), 422)

    async def test_nul_text_is_422_not_500(
        self, client: AsyncClient, ingest: dict[str, str]
    ) -> None:
        response = await client.post(URL, headers=ingest, json=event(1, feature="a\x00b"))
        # Refused with the request, before any route reads it (api/middleware.py).
        assert_problem(response, 422, "validation_error")


class TestLinking:
    async def test_known_account_and_contact_are_linked_at_ingest(
        self, client: AsyncClient, session: AsyncSession, org: Organisation, ingest: dict[str, str]
    ) -> None:
        account = await create_account(session, org, external_id="acme")
        await client.post("/api/v1/contacts", headers=ingest, json={"external_id": "user-1"})

        await client.post(URL, headers=ingest, json=event(1))

        [stored_event] = await stored(session, org)
        assert stored_event.account_id == account.id and stored_event.contact_id is not None

    async def test_late_accounts_and_contacts_are_linked(
        self, client: AsyncClient, session: AsyncSession, org: Organisation, ingest: dict[str, str]
    ) -> None:
        await client.post(URL, headers=ingest, json=event(1))
        [early] = await stored(session, org)
        assert early.account_id is None and early.contact_id is None

        contact = (
            await client.post("/api/v1/contacts", headers=ingest, json={"external_id": "user-1"})
        ).json()
        [linked] = await stored(session, org)
        assert str(linked.contact_id) == contact["id"]

        account = await create_account(session, org, external_id="acme")
        await usage.roll_up(session, org.id)
        [linked] = await stored(session, org)
        assert linked.account_id == account.id

    async def test_an_event_without_account_takes_the_contacts_only_account(
        self, client: AsyncClient, session: AsyncSession, org: Organisation, ingest: dict[str, str]
    ) -> None:
        account = await create_account(session, org, external_id="acme")
        await client.post(
            "/api/v1/contacts",
            headers=ingest,
            json={"external_id": "user-1", "account_external_ids": ["acme"]},
        )
        await client.post(URL, headers=ingest, json=event(1, account_external_id=None))

        await usage.roll_up(session, org.id)

        [linked] = await stored(session, org)
        assert (linked.account_external_id, linked.account_id) == ("acme", account.id)

    async def test_recent_days_go_to_the_live_chain_older_ones_to_the_rollup(
        self, client: AsyncClient, session: AsyncSession, org: Organisation, ingest: dict[str, str]
    ) -> None:
        account = await create_account(session, org, external_id="acme")
        today = clock.now().date()
        old = today - timedelta(days=usage.LIVE_ROLLUP_DAYS)
        recent = today - timedelta(days=usage.LIVE_ROLLUP_DAYS - 2)
        at = {n: f"{day.isoformat()}T09:30:00Z" for n, day in ((1, old), (2, recent), (3, today))}
        items = [event(n, occurred_at=at[n]) for n in at]
        await client.post(f"{URL}/batch", headers=ingest, json={"items": items})

        days = await session.scalars(
            select(UsagePendingDay.day).where(UsagePendingDay.org_id == org.id)
        )
        assert list(days) == [old]
        change = await session.scalar(
            select(AccountChange).where(AccountChange.account_id == account.id)
        )
        assert change is not None and change.usage_from == old


class TestAuth:
    async def test_a_read_only_key_cannot_ingest(
        self, client: AsyncClient, session: AsyncSession, org: Organisation
    ) -> None:
        _, headers = await create_api_key(session, org, ApiScope.READ)

        response = await client.post(f"{URL}/batch", headers=headers, json={"items": [event(1)]})

        assert_problem(response, 403)
        assert await stored(session, org) == []

    async def test_a_forged_or_revoked_key_is_401(
        self, client: AsyncClient, session: AsyncSession, org: Organisation, ingest: dict[str, str]
    ) -> None:
        forged = ingest["Authorization"][:-4] + "AAAA"
        assert_problem(
            await client.post(URL, headers={"Authorization": forged}, json=event(1)), 401
        )
        assert_problem(await client.post(URL, json=event(1)), 401)

        key, headers = await create_api_key(session, org, ApiScope.INGEST)
        key.revoked_at = clock.now()
        await session.flush()
        assert_problem(await client.post(URL, headers=headers, json=event(1)), 401)

    async def test_basic_auth_with_the_key_as_user_name_works(
        self, client: AsyncClient, ingest: dict[str, str]
    ) -> None:
        raw = ingest["Authorization"].removeprefix("Bearer ")
        basic = base64.b64encode(f"{raw}:".encode()).decode()

        response = await client.post(
            URL, headers={"Authorization": f"Basic {basic}"}, json=event(1)
        )

        assert response.status_code == 200, response.text


class TestReading:
    async def test_an_accounts_events_newest_first(
        self, client: AsyncClient, session: AsyncSession, org: Organisation, ingest: dict[str, str]
    ) -> None:
        account = await create_account(session, org, external_id="acme")
        _, reader = await create_api_key(session, org, ApiScope.READ)
        times = ["2026-11-20T09:00:00Z", "2026-11-20T11:00:00Z", "2026-11-20T10:00:00Z"]
        body = {"items": [event(i, occurred_at=t) for i, t in enumerate(times)]}
        await client.post(f"{URL}/batch", headers=ingest, json=body)

        page = (
            await client.get(f"/api/v1/accounts/{account.id}/events?limit=2", headers=reader)
        ).json()

        assert page["total"] == 3
        assert [e["message_id"] for e in page["items"]] == ["m-1", "m-2"]

    async def test_each_event_names_its_contact_and_account(
        self, client: AsyncClient, session: AsyncSession, org: Organisation, ingest: dict[str, str]
    ) -> None:
        account = await create_account(session, org, external_id="acme", name="Acme Corp")
        _, reader = await create_api_key(session, org, ApiScope.READ)
        contacts = [
            {"external_id": "user-1", "name": "Priya Patel", "email": "priya@acme.example"},
            {"external_id": "user-2", "email": "tom@acme.example"},
        ]
        for contact in contacts:
            sent = await client.post(
                "/api/v1/contacts",
                headers=ingest,
                json={**contact, "account_external_ids": ["acme"]},
            )
            assert sent.status_code == 200, sent.text
        body = {
            "items": [
                event(1, occurred_at="2026-11-20T09:00:00Z"),
                event(2, contact_external_id="user-2", occurred_at="2026-11-20T10:00:00Z"),
                # Of a person Tenure does not know yet: their id alone.
                event(3, contact_external_id="user-3", occurred_at="2026-11-20T11:00:00Z"),
            ]
        }
        await client.post(f"{URL}/batch", headers=ingest, json=body)

        page = (await client.get(f"/api/v1/accounts/{account.id}/events", headers=reader)).json()

        assert [(e["contact_name"], e["account_name"]) for e in page["items"]] == [
            (None, "Acme Corp"),
            ("tom@acme.example", "Acme Corp"),
            ("Priya Patel", "Acme Corp"),
        ]

    async def test_another_organisations_account_is_404(
        self,
        client: AsyncClient,
        session: AsyncSession,
        org: Organisation,
        other_org: Organisation,
        ingest: dict[str, str],
    ) -> None:
        theirs = await create_account(session, other_org, external_id="acme")
        _, reader = await create_api_key(session, org, ApiScope.READ)
        _, their_ingest = await create_api_key(session, other_org, ApiScope.INGEST)
        await client.post(URL, headers=their_ingest, json=event(1))
        # The same message id in another organisation is another event.
        await client.post(URL, headers=ingest, json=event(1))

        response = await client.get(f"/api/v1/accounts/{theirs.id}/events", headers=reader)

        assert_problem(response, 404)
        count = await session.scalar(select(func.count()).select_from(UsageEvent))
        assert count == 2
