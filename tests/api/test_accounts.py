"""Accounts: create, read, update, soft delete and restore, and the paginated, sortable,
searchable list."""

from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from typing import Any

import pytest
from httpx import AsyncClient
from sqlalchemy.ext.asyncio import AsyncSession

from domain.accounts.models import Account
from domain.accounts.schemas import AccountSort
from domain.common.settings import Settings
from domain.orgs.models import Organisation
from domain.users.models import User
from tests.factories import auth_headers, create_account, create_user
from tests.helpers import assert_problem


@pytest.fixture
def headers(settings: Settings, admin: User) -> dict[str, str]:
    return auth_headers(settings, admin)


async def _list(client: AsyncClient, headers: dict[str, str], **params: Any) -> dict[str, Any]:
    response = await client.get("/api/v1/accounts", headers=headers, params=params)
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


class TestCreateAccount:
    async def test_creates_with_its_csms(
        self,
        client: AsyncClient,
        session: AsyncSession,
        org: Organisation,
        headers: dict[str, str],
    ) -> None:
        csm = await create_user(session, org)
        manager = await create_user(session, org, role_name="CSM Manager")

        response = await client.post(
            "/api/v1/accounts",
            headers=headers,
            json={
                "external_id": "acme-001",
                "name": "  Acme Corp ",
                "domain": "acme.com",
                "joined_on": "2024-02-29",
                "renewal_on": "2025-02-28",
                "csm_ids": [str(csm.id), str(manager.id), str(csm.id)],
            },
        )

        assert response.status_code == 201, response.text
        body = response.json()
        assert body["name"] == "Acme Corp"
        assert (body["external_id"], body["domain"]) == ("acme-001", "acme.com")
        assert (body["joined_on"], body["renewal_on"]) == ("2024-02-29", "2025-02-28")
        assert body["csm_ids"] == [str(csm.id), str(manager.id)]
        assert body["deleted_at"] is None
        fetched = await client.get(f"/api/v1/accounts/{body['id']}", headers=headers)
        assert fetched.json() == body

    async def test_blank_name_is_422(self, client: AsyncClient, headers: dict[str, str]) -> None:
        response = await client.post(
            "/api/v1/accounts", headers=headers, json={"external_id": "x", "name": "   "}
        )

        body = assert_problem(response, 422, "validation_error")
        assert body["errors"][0]["loc"] == ["body", "name"]

    async def test_needs_update_accounts(
        self, client: AsyncClient, session: AsyncSession, settings: Settings, org: Organisation
    ) -> None:
        analyst = await create_user(session, org, role_name="Analyst")

        response = await client.post(
            "/api/v1/accounts",
            headers=auth_headers(settings, analyst),
            json={"external_id": "x", "name": "X"},
        )

        assert_problem(response, 403, "permission_denied")

    async def test_one_who_sees_only_their_accounts_creates_only_accounts_they_see(
        self, client: AsyncClient, session: AsyncSession, settings: Settings, org: Organisation
    ) -> None:
        csm = await create_user(session, org)  # a CSM: their own accounts only
        as_csm = auth_headers(settings, csm)

        unassigned = await client.post(
            "/api/v1/accounts", headers=as_csm, json={"external_id": "x", "name": "X"}
        )
        theirs = await client.post(
            "/api/v1/accounts",
            headers=as_csm,
            json={"external_id": "y", "name": "Y", "csm_ids": [str(csm.id)]},
        )

        assert "yourself" in assert_problem(unassigned, 422, "account_out_of_your_sight")["detail"]
        assert theirs.status_code == 201, theirs.text
        seen = await client.get(f"/api/v1/accounts/{theirs.json()['id']}", headers=as_csm)
        assert seen.status_code == 200
        assert (await _list(client, as_csm))["total"] == 1


class TestExternalId:
    async def _create(self, client: AsyncClient, headers: dict[str, str], external_id: str) -> Any:
        return await client.post(
            "/api/v1/accounts", headers=headers, json={"external_id": external_id, "name": "N"}
        )

    async def test_is_unique_in_the_organisation(
        self, client: AsyncClient, session: AsyncSession, org: Organisation, headers: dict[str, str]
    ) -> None:
        await create_account(session, org, external_id="acme")

        assert_problem(await self._create(client, headers, "acme"), 409, "external_id_taken")

    async def test_is_case_sensitive(
        self, client: AsyncClient, session: AsyncSession, org: Organisation, headers: dict[str, str]
    ) -> None:
        await create_account(session, org, external_id="Acme")

        response = await self._create(client, headers, "acme")

        assert response.status_code == 201
        assert (await _list(client, headers))["total"] == 2

    async def test_is_exact_about_whitespace(
        self, client: AsyncClient, session: AsyncSession, org: Organisation, headers: dict[str, str]
    ) -> None:
        await create_account(session, org, external_id="acme")

        response = await self._create(client, headers, "acme ")

        assert response.json()["external_id"] == "acme "

    async def test_may_repeat_in_another_organisation(
        self,
        client: AsyncClient,
        session: AsyncSession,
        other_org: Organisation,
        headers: dict[str, str],
    ) -> None:
        await create_account(session, other_org, external_id="acme")

        assert (await self._create(client, headers, "acme")).status_code == 201

    async def test_a_deleted_accounts_id_may_be_reused(
        self, client: AsyncClient, session: AsyncSession, org: Organisation, headers: dict[str, str]
    ) -> None:
        old = await create_account(session, org, external_id="acme")
        await client.delete(f"/api/v1/accounts/{old.id}", headers=headers)

        assert (await self._create(client, headers, "acme")).status_code == 201

    async def test_changing_to_a_taken_id_is_409(
        self, client: AsyncClient, session: AsyncSession, org: Organisation, headers: dict[str, str]
    ) -> None:
        await create_account(session, org, external_id="taken")
        mine = await create_account(session, org, external_id="mine")

        response = await client.patch(
            f"/api/v1/accounts/{mine.id}", headers=headers, json={"external_id": "taken"}
        )

        assert_problem(response, 409, "external_id_taken")

    async def test_keeping_its_own_id_is_fine(
        self, client: AsyncClient, session: AsyncSession, org: Organisation, headers: dict[str, str]
    ) -> None:
        mine = await create_account(session, org, external_id="mine")

        response = await client.patch(
            f"/api/v1/accounts/{mine.id}", headers=headers, json={"external_id": "mine"}
        )

        assert response.status_code == 200


class TestUpdateAccount:
    async def test_changes_only_the_fields_sent(
        self, client: AsyncClient, session: AsyncSession, org: Organisation, headers: dict[str, str]
    ) -> None:
        account = await create_account(
            session, org, name="Old", domain="old.com", joined_on=date(2024, 1, 1)
        )

        response = await client.patch(
            f"/api/v1/accounts/{account.id}",
            headers=headers,
            json={"name": "New", "renewal_on": "2026-01-31"},
        )

        body = response.json()
        assert (body["name"], body["domain"], body["joined_on"], body["renewal_on"]) == (
            "New",
            "old.com",
            "2024-01-01",
            "2026-01-31",
        )

    async def test_null_clears_an_optional_field_but_not_the_name(
        self, client: AsyncClient, session: AsyncSession, org: Organisation, headers: dict[str, str]
    ) -> None:
        account = await create_account(session, org, name="Keep", domain="gone.com")

        response = await client.patch(
            f"/api/v1/accounts/{account.id}", headers=headers, json={"domain": None, "name": None}
        )

        assert (response.json()["name"], response.json()["domain"]) == ("Keep", None)

    async def test_replaces_the_csms(
        self, client: AsyncClient, session: AsyncSession, org: Organisation, headers: dict[str, str]
    ) -> None:
        first, second = await create_user(session, org), await create_user(session, org)
        account = await create_account(session, org, csms=[first])

        response = await client.patch(
            f"/api/v1/accounts/{account.id}",
            headers=headers,
            json={"csm_ids": [str(second.id), str(first.id)]},
        )
        assert response.json()["csm_ids"] == [str(second.id), str(first.id)]

        cleared = await client.patch(
            f"/api/v1/accounts/{account.id}", headers=headers, json={"csm_ids": []}
        )
        assert cleared.json()["csm_ids"] == []

    async def test_a_refused_change_changes_nothing(
        self, client: AsyncClient, session: AsyncSession, org: Organisation, headers: dict[str, str]
    ) -> None:
        account = await create_account(session, org, name="Before")
        analyst = await create_user(session, org, role_name="Analyst")

        response = await client.patch(
            f"/api/v1/accounts/{account.id}",
            headers=headers,
            json={"name": "After", "csm_ids": [str(analyst.id)]},
        )

        assert_problem(response, 409, "not_a_csm")
        fetched = await client.get(f"/api/v1/accounts/{account.id}", headers=headers)
        assert fetched.json()["name"] == "Before"

    async def test_unknown_account_is_404(
        self, client: AsyncClient, headers: dict[str, str], admin: User
    ) -> None:
        response = await client.patch(
            f"/api/v1/accounts/{admin.id}", headers=headers, json={"name": "X"}
        )

        assert_problem(response, 404, "account_not_found")


class TestDeleteAndRestore:
    async def test_deleted_account_leaves_list_and_get(
        self, client: AsyncClient, session: AsyncSession, org: Organisation, headers: dict[str, str]
    ) -> None:
        account = await create_account(session, org)
        await create_account(session, org)

        response = await client.delete(f"/api/v1/accounts/{account.id}", headers=headers)

        assert response.status_code == 204
        listed = await _list(client, headers)
        assert listed["total"] == 1 and str(account.id) not in {a["id"] for a in listed["items"]}
        assert_problem(
            await client.get(f"/api/v1/accounts/{account.id}", headers=headers),
            404,
            "account_not_found",
        )
        assert_problem(
            await client.patch(f"/api/v1/accounts/{account.id}", headers=headers, json={}), 404
        )
        assert_problem(await client.delete(f"/api/v1/accounts/{account.id}", headers=headers), 404)

    async def test_deleted_accounts_are_listed_on_request(
        self, client: AsyncClient, session: AsyncSession, org: Organisation, headers: dict[str, str]
    ) -> None:
        account = await create_account(session, org)
        await create_account(session, org)
        await client.delete(f"/api/v1/accounts/{account.id}", headers=headers)

        listed = await _list(client, headers, deleted=True)

        assert listed["total"] == 1
        assert listed["items"][0]["id"] == str(account.id)
        assert listed["items"][0]["deleted_at"] is not None

    async def test_restore_brings_it_back(
        self, client: AsyncClient, session: AsyncSession, org: Organisation, headers: dict[str, str]
    ) -> None:
        account = await create_account(session, org)
        await client.delete(f"/api/v1/accounts/{account.id}", headers=headers)

        response = await client.post(f"/api/v1/accounts/{account.id}/restore", headers=headers)

        assert response.status_code == 200
        assert response.json()["deleted_at"] is None
        assert (
            await client.get(f"/api/v1/accounts/{account.id}", headers=headers)
        ).status_code == 200
        assert (await _list(client, headers))["total"] == 1
        assert (await _list(client, headers, deleted=True))["total"] == 0

    async def test_restoring_a_live_account_is_409(
        self, client: AsyncClient, session: AsyncSession, org: Organisation, headers: dict[str, str]
    ) -> None:
        account = await create_account(session, org)

        response = await client.post(f"/api/v1/accounts/{account.id}/restore", headers=headers)

        assert_problem(response, 409, "account_not_deleted")

    async def test_restoring_onto_a_reused_external_id_is_409(
        self, client: AsyncClient, session: AsyncSession, org: Organisation, headers: dict[str, str]
    ) -> None:
        account = await create_account(session, org, external_id="acme")
        await client.delete(f"/api/v1/accounts/{account.id}", headers=headers)
        await create_account(session, org, external_id="acme")

        response = await client.post(f"/api/v1/accounts/{account.id}/restore", headers=headers)

        assert_problem(response, 409, "external_id_taken")
        assert (await _list(client, headers, deleted=True))["total"] == 1

    async def test_unknown_account_is_404(
        self, client: AsyncClient, headers: dict[str, str], admin: User
    ) -> None:
        response = await client.post(f"/api/v1/accounts/{admin.id}/restore", headers=headers)

        assert_problem(response, 404, "account_not_found")

    async def test_needs_delete_accounts(
        self, client: AsyncClient, session: AsyncSession, settings: Settings, org: Organisation
    ) -> None:
        manager = await create_user(session, org, role_name="CSM Manager")
        account = await create_account(session, org, csms=[manager])
        headers = auth_headers(settings, manager)

        assert_problem(
            await client.delete(f"/api/v1/accounts/{account.id}", headers=headers),
            403,
            "permission_denied",
        )
        assert_problem(
            await client.post(f"/api/v1/accounts/{account.id}/restore", headers=headers), 403
        )
        assert_problem(
            await client.get("/api/v1/accounts", headers=headers, params={"deleted": True}), 403
        )
        assert (
            await client.get(f"/api/v1/accounts/{account.id}", headers=headers)
        ).status_code == 200


class TestListPagination:
    async def test_pages_with_a_total(
        self, client: AsyncClient, session: AsyncSession, org: Organisation, headers: dict[str, str]
    ) -> None:
        for n in range(5):
            await create_account(session, org, name=f"account {n}")

        page = await _list(client, headers, limit=2, offset=2)

        assert (page["total"], page["limit"], page["offset"]) == (5, 2, 2)
        assert [a["name"] for a in page["items"]] == ["account 2", "account 3"]
        last = await _list(client, headers, limit=2, offset=4)
        assert [a["name"] for a in last["items"]] == ["account 4"]
        beyond = await _list(client, headers, limit=2, offset=10)
        assert (beyond["items"], beyond["total"]) == ([], 5)

    async def test_defaults(self, client: AsyncClient, headers: dict[str, str]) -> None:
        page = await _list(client, headers)

        assert page == {"items": [], "total": 0, "limit": 50, "offset": 0}

    @pytest.mark.parametrize(
        "params", [{"limit": 0}, {"limit": 201}, {"offset": -1}, {"limit": "ten"}]
    )
    async def test_out_of_range_is_422(
        self, client: AsyncClient, headers: dict[str, str], params: dict[str, Any]
    ) -> None:
        response = await client.get("/api/v1/accounts", headers=headers, params=params)

        body = assert_problem(response, 422, "validation_error")
        assert body["errors"][0]["loc"] == ["query", next(iter(params))]


T0 = datetime(2024, 1, 1, tzinfo=UTC)
# Three accounts whose columns sort in different orders, and one whose optional ones are empty.
# Lower-case ASCII of equal length, so every collation agrees on the order.
SORTABLE = [
    dict(name="bbb", external_id="ccc", domain="aaa.io", joined_on=date(2024, 3, 1),
         renewal_on=date(2025, 2, 1), created_at=T0 + timedelta(days=2),
         updated_at=T0 + timedelta(days=1), csm_score=50, nps=Decimal("9.0"),
         churned_on=date(2025, 6, 1)),
    dict(name="aaa", external_id="bbb", domain="ccc.io", joined_on=date(2024, 1, 1),
         renewal_on=date(2025, 3, 1), created_at=T0 + timedelta(days=3),
         updated_at=T0 + timedelta(days=2), csm_score=90, nps=Decimal("3.5"),
         churned_on=date(2025, 4, 1)),
    dict(name="ccc", external_id="aaa", domain="bbb.io", joined_on=date(2024, 2, 1),
         renewal_on=date(2025, 1, 1), created_at=T0 + timedelta(days=1),
         updated_at=T0 + timedelta(days=3), csm_score=10, nps=Decimal("7.2"),
         churned_on=date(2025, 5, 1)),
    dict(name="ddd", external_id="ddd", domain=None, joined_on=None, renewal_on=None,
         created_at=T0, updated_at=T0 + timedelta(days=4)),
]  # fmt: skip


class TestListSort:
    @pytest.mark.parametrize("descending", [False, True])
    @pytest.mark.parametrize("sort", list(AccountSort))
    async def test_sorts_by_every_column(
        self,
        client: AsyncClient,
        session: AsyncSession,
        org: Organisation,
        headers: dict[str, str],
        sort: AccountSort,
        descending: bool,
    ) -> None:
        accounts = [await create_account(session, org, **fields) for fields in SORTABLE]

        page = await _list(client, headers, sort=sort.value, descending=descending)

        with_value = [a for a in accounts if getattr(a, sort.value) is not None]
        without = [a for a in accounts if getattr(a, sort.value) is None]
        # Empty values go last in both directions.
        expected = sorted(with_value, key=lambda a: getattr(a, sort.value), reverse=descending)
        assert [a["name"] for a in page["items"]] == [a.name for a in expected + without]

    async def test_malformed_sort_is_422(
        self, client: AsyncClient, headers: dict[str, str]
    ) -> None:
        response = await client.get(
            "/api/v1/accounts", headers=headers, params={"sort": "name; drop"}
        )

        body = assert_problem(response, 422, "validation_error")
        assert body["errors"][0]["loc"] == ["query", "sort"]

    async def test_unknown_sort_is_422(self, client: AsyncClient, headers: dict[str, str]) -> None:
        response = await client.get("/api/v1/accounts", headers=headers, params={"sort": "arr"})

        assert_problem(response, 422, "invalid_sort")


class TestListSearch:
    @pytest.fixture
    async def accounts(self, session: AsyncSession, org: Organisation) -> list[Account]:
        return [
            await create_account(session, org, name="Acme Widgets", domain="acme.com"),
            await create_account(
                session, org, name="Globex", domain="globex.io", external_id="CRM-42"
            ),
            await create_account(session, org, name="100% Cotton", domain="cotton.com"),
            await create_account(session, org, name="Under_score", domain="under.com"),
            await create_account(session, org, name="Back\\slash", domain="slash.com"),
        ]

    @pytest.mark.parametrize(
        ("q", "names"),
        [
            ("acme", ["Acme Widgets"]),
            ("WIDGETS", ["Acme Widgets"]),
            ("GLOBEX.IO", ["Globex"]),
            ("crm-4", ["Globex"]),
            (".com", ["100% Cotton", "Acme Widgets", "Back\\slash", "Under_score"]),
            ("%", ["100% Cotton"]),
            ("0%", ["100% Cotton"]),
            ("_", ["Under_score"]),
            ("r_s", ["Under_score"]),
            ("\\", ["Back\\slash"]),
            ("%%", []),
            ("zzz", []),
        ],
    )
    async def test_matches_name_domain_and_external_id_literally(
        self,
        client: AsyncClient,
        headers: dict[str, str],
        accounts: list[Account],
        q: str,
        names: list[str],
    ) -> None:
        page = await _list(client, headers, q=q)

        assert [a["name"] for a in page["items"]] == names
        assert page["total"] == len(names)
