"""Contacts: upsert by external id (single and batch), accounts linked late, what a CSM sees."""

from typing import Any

import pytest
from httpx import AsyncClient
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from domain.common.settings import Settings
from domain.integration.models import ApiScope
from domain.orgs.models import Organisation
from domain.usage import service as usage
from domain.usage.models import Contact, ContactAccount
from domain.users.models import User
from tests.factories import auth_headers, create_account, create_api_key, create_user
from tests.helpers import assert_problem

URL = "/api/v1/contacts"


@pytest.fixture
async def ingest(session: AsyncSession, org: Organisation) -> dict[str, str]:
    _, headers = await create_api_key(session, org, ApiScope.INGEST)
    return headers


async def contacts_of(session: AsyncSession, org: Organisation) -> list[Contact]:
    rows = await session.scalars(
        select(Contact)
        .where(Contact.org_id == org.id)
        .order_by(Contact.external_id)
        .execution_options(populate_existing=True)
    )
    return list(rows)


class TestUpsert:
    async def test_create_then_update_keeps_what_is_not_sent(
        self, client: AsyncClient, session: AsyncSession, org: Organisation, ingest: dict[str, str]
    ) -> None:
        created = await client.post(
            URL,
            headers=ingest,
            json={
                "external_id": "u-1",
                "email": "ada@acme.com",
                "name": "Ada",
                "traits": {"plan": "pro", "seats": 3},
            },
        )
        updated = await client.post(
            URL, headers=ingest, json={"external_id": "u-1", "title": "CTO", "traits": {"seats": 4}}
        )

        assert created.status_code == 200, created.text
        assert created.json()["status"] == "created"
        assert updated.json() == {**created.json(), "status": "updated"}
        [ada] = await contacts_of(session, org)
        assert (ada.email, ada.name, ada.title) == ("ada@acme.com", "Ada", "CTO")
        assert ada.traits == {"plan": "pro", "seats": 4}

    async def test_an_ingest_key_gets_a_receipt_not_the_contact(
        self, client: AsyncClient, session: AsyncSession, org: Organisation, ingest: dict[str, str]
    ) -> None:
        # Upserting with only the external id must not read the contact back: an ingest-only
        # key may write contacts but not see their email, name, title or traits.
        await client.post(
            URL,
            headers=ingest,
            json={"external_id": "u-1", "email": "ada@acme.com", "name": "Ada", "title": "CTO"},
        )

        response = await client.post(URL, headers=ingest, json={"external_id": "u-1"})

        assert response.status_code == 200, response.text
        [ada] = await contacts_of(session, org)
        assert response.json() == {
            "id": str(ada.id),
            "external_id": "u-1",
            "status": "updated",
            "change": None,
        }
        assert "ada@acme.com" not in response.text and "CTO" not in response.text

    async def test_a_batch_upserts_valid_items_and_reports_the_rest(
        self, client: AsyncClient, session: AsyncSession, org: Organisation, ingest: dict[str, str]
    ) -> None:
        body: dict[str, Any] = {
            "items": [
                {"external_id": "u-1", "name": "Ada"},
                {"external_id": "", "name": "Nobody"},
                {"external_id": "u-2", "email": 5},
                {"external_id": "u-1", "email": "ada@acme.com"},
                {"external_id": "u-3", "name": "Grace\x00"},
            ]
        }

        response = await client.post(f"{URL}/batch", headers=ingest, json=body)

        assert response.status_code == 200, response.text
        result = response.json()
        assert (result["accepted"], result["rejected"]) == (2, 3)
        assert [(e["index"], e["id"]) for e in result["errors"]] == [
            (1, None),
            (2, "u-2"),
            (4, "u-3"),
        ]
        [ada] = await contacts_of(session, org)
        assert (ada.external_id, ada.name, ada.email) == ("u-1", "Ada", "ada@acme.com")
        assert result["records"] == [
            {"index": 0, "external_id": "u-1", "id": str(ada.id)},
            {"index": 3, "external_id": "u-1", "id": str(ada.id)},
        ]

    @pytest.mark.parametrize(
        "email", ["ada", "ada@", "@acme.com", "ada at acme.com", "Ada <ada@acme.com>", ""]
    )
    async def test_an_email_that_is_not_an_address_is_a_422_and_writes_nothing(
        self,
        client: AsyncClient,
        session: AsyncSession,
        org: Organisation,
        ingest: dict[str, str],
        email: str,
    ) -> None:
        await client.post(URL, headers=ingest, json={"external_id": "u-1", "email": "ada@acme.com"})

        response = await client.post(
            URL, headers=ingest, json={"external_id": "u-1", "email": email, "name": "Ada"}
        )
        added = await client.post(URL, headers=ingest, json={"external_id": "u-2", "email": email})

        for refused in (response, added):
            body = assert_problem(refused, 422, "validation_error")
            [error] = body["errors"]
            assert error["loc"] == ["body", "email"]
            assert error["msg"].startswith("not an email address: ")
        [ada] = await contacts_of(session, org)
        assert (ada.external_id, ada.email, ada.name) == ("u-1", "ada@acme.com", None)

    async def test_a_batch_refuses_the_record_whose_email_is_not_an_address(
        self, client: AsyncClient, session: AsyncSession, org: Organisation, ingest: dict[str, str]
    ) -> None:
        # Addresses at names reserved for tests and examples, or at a host without a dot, are
        # addresses all the same: only the form is checked, not whether mail arrives.
        good = ["ada@acme.com", " jo@acme.test ", "x@y", "a@b.example", "Zoë@exämple.de"]
        items = [{"external_id": f"u-{n}", "email": e} for n, e in enumerate(good)]
        items.insert(2, {"external_id": "u-bad", "email": "jo@@acme.test"})

        response = await client.post(f"{URL}/batch", headers=ingest, json={"items": items})

        result = response.json()
        assert (result["accepted"], result["rejected"]) == (5, 1)
        [error] = result["errors"]
        assert (error["index"], error["id"]) == (2, "u-bad")
        assert error["message"].startswith("email: not an email address")
        stored = [c.email for c in await contacts_of(session, org)]
        assert stored == [e.strip() for e in good]

    async def test_accounts_link_now_or_when_they_arrive(
        self, client: AsyncClient, session: AsyncSession, org: Organisation, ingest: dict[str, str]
    ) -> None:
        acme = await create_account(session, org, external_id="acme")

        await client.post(
            URL,
            headers=ingest,
            json={"external_id": "u-1", "account_external_ids": ["acme", "beta"]},
        )
        beta = await create_account(session, org, external_id="beta")
        await usage.roll_up(session, org.id)

        links = await session.scalars(
            select(ContactAccount)
            .where(ContactAccount.org_id == org.id)
            .order_by(ContactAccount.account_external_id)
            .execution_options(populate_existing=True)
        )
        assert [(li.account_external_id, li.account_id) for li in links] == [
            ("acme", acme.id),
            ("beta", beta.id),
        ]

    async def test_a_read_only_key_cannot_upsert(
        self, client: AsyncClient, session: AsyncSession, org: Organisation
    ) -> None:
        _, headers = await create_api_key(session, org, ApiScope.READ)
        response = await client.post(URL, headers=headers, json={"external_id": "u-1"})
        assert_problem(response, 403)


class TestReading:
    async def test_an_accounts_contacts_and_a_contacts_detail(
        self,
        client: AsyncClient,
        session: AsyncSession,
        org: Organisation,
        ingest: dict[str, str],
        settings: Settings,
        admin: User,
    ) -> None:
        acme = await create_account(session, org, external_id="acme", name="Acme")
        for n in (1, 2):
            await client.post(
                URL,
                headers=ingest,
                json={
                    "external_id": f"u-{n}",
                    "name": f"User {n}",
                    "account_external_ids": ["acme"],
                },
            )
        await client.post(
            "/api/v1/events",
            headers=ingest,
            json={
                "message_id": "m-1",
                "name": "Login",
                "contact_external_id": "u-1",
                "account_external_id": "acme",
                "occurred_at": "2026-09-18T09:00:00Z",
            },
        )
        await usage.roll_up(session, org.id)
        headers = auth_headers(settings, admin)

        page = (await client.get(f"/api/v1/accounts/{acme.id}/contacts", headers=headers)).json()
        assert page["total"] == 2
        assert [c["external_id"] for c in page["items"]] == ["u-1", "u-2"]
        assert page["items"][0]["last_seen_at"] == "2026-09-18T09:00:00Z"

        detail = (await client.get(f"{URL}/{page['items'][0]['id']}", headers=headers)).json()
        assert detail["accounts"] == [
            {"account_external_id": "acme", "account_id": str(acme.id), "account_name": "Acme"}
        ]
        assert [
            (e["message_id"], e["contact_name"], e["account_name"]) for e in detail["recent_events"]
        ] == [("m-1", "User 1", "Acme")]

    async def test_a_csm_sees_only_contacts_of_their_accounts(
        self,
        client: AsyncClient,
        session: AsyncSession,
        org: Organisation,
        other_org: Organisation,
        ingest: dict[str, str],
        settings: Settings,
    ) -> None:
        csm = await create_user(session, org, role_name="CSM")
        mine = await create_account(session, org, external_id="mine", csms=[csm])
        await create_account(session, org, external_id="theirs")
        for ext, account in (("u-mine", "mine"), ("u-theirs", "theirs")):
            await client.post(
                URL, headers=ingest, json={"external_id": ext, "account_external_ids": [account]}
            )
        _, other_ingest = await create_api_key(session, other_org, ApiScope.INGEST)
        other = (await client.post(URL, headers=other_ingest, json={"external_id": "u-x"})).json()
        contacts = {c.external_id: c for c in await contacts_of(session, org)}
        headers = auth_headers(settings, csm)

        seen = await client.get(f"{URL}/{contacts['u-mine'].id}", headers=headers)
        assert seen.status_code == 200 and seen.json()["accounts"][0]["account_id"] == str(mine.id)
        assert_problem(await client.get(f"{URL}/{contacts['u-theirs'].id}", headers=headers), 404)
        assert_problem(await client.get(f"{URL}/{other['id']}", headers=headers), 404)
        # An ingest-only key reads nothing: refused, not "not found".
        assert_problem(await client.get(f"{URL}/{contacts['u-mine'].id}", headers=ingest), 403)
