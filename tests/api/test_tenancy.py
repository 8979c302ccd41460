"""Who sees what: a CSM's own book, organisations never crossing, and the audit log."""

from typing import Any

import pytest
from httpx import AsyncClient
from sqlalchemy.ext.asyncio import AsyncSession

from domain.accounts.models import Account
from domain.common.settings import Settings
from domain.orgs.models import Organisation
from domain.users.models import User, UserStatus
from tests.factories import auth_headers, create_account, create_user, role, user_by_role
from tests.helpers import assert_problem


class TestCsmSeesOnlyTheirAccounts:
    @pytest.fixture
    async def book(self, session: AsyncSession, org: Organisation) -> dict[str, Any]:
        csm = await create_user(session, org)
        colleague = await create_user(session, org)
        return {
            "csm": csm,
            "mine": await create_account(session, org, name="Mine Shared", csms=[csm, colleague]),
            "also_mine": await create_account(session, org, name="Mine Alone", csms=[csm]),
            "theirs": await create_account(session, org, name="Theirs Shared", csms=[colleague]),
            "nobodys": await create_account(session, org, name="Nobody's"),
        }

    async def test_list_and_total_count_only_assigned_accounts(
        self, client: AsyncClient, settings: Settings, book: dict[str, Any]
    ) -> None:
        headers = auth_headers(settings, book["csm"])

        page = (await client.get("/api/v1/accounts", headers=headers)).json()

        assert page["total"] == 2
        assert [a["name"] for a in page["items"]] == ["Mine Alone", "Mine Shared"]

    async def test_search_and_paging_stay_in_scope(
        self, client: AsyncClient, settings: Settings, book: dict[str, Any]
    ) -> None:
        headers = auth_headers(settings, book["csm"])

        shared = await client.get("/api/v1/accounts", headers=headers, params={"q": "shared"})
        paged = await client.get(
            "/api/v1/accounts", headers=headers, params={"limit": 1, "offset": 1}
        )

        assert [a["name"] for a in shared.json()["items"]] == ["Mine Shared"]
        assert shared.json()["total"] == 1
        assert (paged.json()["total"], len(paged.json()["items"])) == (2, 1)

    @pytest.mark.parametrize("other", ["theirs", "nobodys"])
    async def test_other_accounts_answer_404(
        self, client: AsyncClient, settings: Settings, book: dict[str, Any], other: str
    ) -> None:
        headers = auth_headers(settings, book["csm"])
        account_id = book[other].id

        assert_problem(
            await client.get(f"/api/v1/accounts/{account_id}", headers=headers),
            404,
            "account_not_found",
        )
        assert_problem(
            await client.patch(
                f"/api/v1/accounts/{account_id}", headers=headers, json={"name": "Hijacked"}
            ),
            404,
            "account_not_found",
        )

    async def test_may_read_and_update_their_own(
        self, client: AsyncClient, settings: Settings, book: dict[str, Any]
    ) -> None:
        headers = auth_headers(settings, book["csm"])
        account_id = book["mine"].id

        response = await client.patch(
            f"/api/v1/accounts/{account_id}", headers=headers, json={"name": "Renamed"}
        )

        assert response.json()["name"] == "Renamed"
        fetched = await client.get(f"/api/v1/accounts/{account_id}", headers=headers)
        assert fetched.json()["name"] == "Renamed"

    async def test_an_external_id_they_cannot_see_is_still_taken(
        self, client: AsyncClient, settings: Settings, book: dict[str, Any]
    ) -> None:
        response = await client.post(
            "/api/v1/accounts",
            headers=auth_headers(settings, book["csm"]),
            json={
                "external_id": book["theirs"].external_id,
                "name": "Copy",
                "csm_ids": [str(book["csm"].id)],
            },
        )

        assert_problem(response, 409, "external_id_taken")

    @pytest.mark.parametrize("role_name", ["Analyst", "Executive", "CSM Manager", "Admin"])
    async def test_view_all_accounts_sees_everything(
        self,
        client: AsyncClient,
        session: AsyncSession,
        settings: Settings,
        org: Organisation,
        book: dict[str, Any],
        role_name: str,
    ) -> None:
        viewer = await create_user(session, org, role_name=role_name)

        page = (await client.get("/api/v1/accounts", headers=auth_headers(settings, viewer))).json()

        assert page["total"] == 4


class TestAssigningCsms:
    async def _assign(
        self, client: AsyncClient, settings: Settings, admin: User, user_id: Any
    ) -> Any:
        return await client.post(
            "/api/v1/accounts",
            headers=auth_headers(settings, admin),
            json={"external_id": "acme", "name": "Acme", "csm_ids": [str(user_id)]},
        )

    @pytest.mark.parametrize("role_name", ["Analyst", "Executive", "Guest"])
    async def test_a_user_without_a_csm_seat_is_refused(
        self,
        client: AsyncClient,
        session: AsyncSession,
        settings: Settings,
        org: Organisation,
        admin: User,
        role_name: str,
    ) -> None:
        user = await create_user(session, org, role_name=role_name)

        response = await self._assign(client, settings, admin, user.id)

        body = assert_problem(response, 409, "not_a_csm")
        assert str(user.id) in body["detail"]

    async def test_a_deactivated_csm_is_refused(
        self,
        client: AsyncClient,
        session: AsyncSession,
        settings: Settings,
        org: Organisation,
        admin: User,
    ) -> None:
        user = await create_user(session, org, status=UserStatus.INACTIVE)

        assert_problem(await self._assign(client, settings, admin, user.id), 409, "not_a_csm")

    async def test_another_organisations_csm_is_refused(
        self,
        client: AsyncClient,
        session: AsyncSession,
        settings: Settings,
        admin: User,
        other_org: Organisation,
    ) -> None:
        stranger = await create_user(session, other_org)

        assert_problem(await self._assign(client, settings, admin, stranger.id), 409, "not_a_csm")

    async def test_an_unknown_user_is_refused(
        self, client: AsyncClient, settings: Settings, admin: User, org: Organisation
    ) -> None:
        assert_problem(await self._assign(client, settings, admin, org.id), 409, "not_a_csm")

    async def test_a_pending_csm_may_be_assigned(
        self,
        client: AsyncClient,
        session: AsyncSession,
        settings: Settings,
        org: Organisation,
        admin: User,
    ) -> None:
        invited = await create_user(session, org, status=UserStatus.INVITED)

        response = await self._assign(client, settings, admin, invited.id)

        assert response.json()["csm_ids"] == [str(invited.id)]


class TestOtherOrganisationsIdsAnswer404:
    @pytest.fixture
    async def foreign(self, session: AsyncSession, other_org: Organisation) -> dict[str, Any]:
        account = await create_account(session, other_org)
        return {
            "account": account,
            "user": await create_user(session, other_org, status=UserStatus.INVITED),
            "role": await role(session, other_org, "CSM"),
            "admin": await user_by_role(session, other_org, "Admin"),
        }

    @pytest.mark.parametrize(
        ("method", "path", "body"),
        [
            ("GET", "/api/v1/accounts/{account}", None),
            ("PATCH", "/api/v1/accounts/{account}", {"name": "Mine now"}),
            ("DELETE", "/api/v1/accounts/{account}", None),
            ("POST", "/api/v1/accounts/{account}/restore", None),
        ],
    )
    async def test_accounts(
        self,
        client: AsyncClient,
        session: AsyncSession,
        settings: Settings,
        admin: User,
        foreign: dict[str, Any],
        method: str,
        path: str,
        body: dict[str, Any] | None,
    ) -> None:
        response = await client.request(
            method,
            path.format(account=foreign["account"].id),
            json=body,
            headers=auth_headers(settings, admin),
        )

        assert_problem(response, 404, "account_not_found")
        account = await session.get_one(Account, foreign["account"].id, populate_existing=True)
        assert account.deleted_at is None and account.name.startswith("Account ")

    @pytest.mark.parametrize(
        ("method", "path", "body"),
        [
            ("GET", "/api/v1/users/{user}", None),
            ("PATCH", "/api/v1/users/{user}", {"full_name": "Mine now"}),
            ("POST", "/api/v1/users/{user}/deactivate", None),
            ("POST", "/api/v1/users/{user}/reactivate", None),
            ("POST", "/api/v1/users/{user}/resend-invitation", None),
            ("POST", "/api/v1/users/{admin}/reset-password", None),
            ("POST", "/api/v1/users/{admin}/reset-mfa", None),
        ],
    )
    async def test_users(
        self,
        client: AsyncClient,
        session: AsyncSession,
        settings: Settings,
        admin: User,
        foreign: dict[str, Any],
        method: str,
        path: str,
        body: dict[str, Any] | None,
    ) -> None:
        url = path.format(user=foreign["user"].id, admin=foreign["admin"].id)

        response = await client.request(
            method, url, json=body, headers=auth_headers(settings, admin)
        )

        assert_problem(response, 404, "user_not_found")
        user = await session.get_one(User, foreign["user"].id, populate_existing=True)
        assert (user.full_name, user.status) == ("CSM User", UserStatus.INVITED)

    @pytest.mark.parametrize(
        ("method", "body"), [("PATCH", {"name": "Mine now"}), ("DELETE", None)]
    )
    async def test_roles(
        self,
        client: AsyncClient,
        settings: Settings,
        admin: User,
        foreign: dict[str, Any],
        method: str,
        body: dict[str, Any] | None,
    ) -> None:
        response = await client.request(
            method,
            f"/api/v1/roles/{foreign['role'].id}",
            json=body,
            headers=auth_headers(settings, admin),
        )

        assert_problem(response, 404, "role_not_found")

    async def test_a_role_from_another_organisation_in_a_body(
        self,
        client: AsyncClient,
        session: AsyncSession,
        settings: Settings,
        org: Organisation,
        admin: User,
        foreign: dict[str, Any],
    ) -> None:
        headers = auth_headers(settings, admin)
        mine = await create_user(session, org)

        invited = await client.post(
            "/api/v1/users/invitations",
            headers=headers,
            json={"email": "x@example.com", "full_name": "X", "role_id": str(foreign["role"].id)},
        )
        updated = await client.patch(
            f"/api/v1/users/{mine.id}", headers=headers, json={"role_id": str(foreign["role"].id)}
        )

        # The user exists; the role their body names does not.
        assert_problem(invited, 409, "role_not_found")
        assert_problem(updated, 409, "role_not_found")

    async def test_lists_never_show_another_organisation(
        self, client: AsyncClient, settings: Settings, admin: User, foreign: dict[str, Any]
    ) -> None:
        headers = auth_headers(settings, admin)

        accounts = (await client.get("/api/v1/accounts", headers=headers)).json()
        users = (await client.get("/api/v1/users", headers=headers)).json()
        roles = (await client.get("/api/v1/roles", headers=headers)).json()
        audit = (await client.get("/api/v1/audit-log", headers=headers)).json()

        assert accounts["total"] == 0
        assert [u["id"] for u in users] == [str(admin.id)]
        assert str(foreign["role"].id) not in {r["id"] for r in roles}
        assert audit["total"] == 0

    async def test_the_other_organisation_sees_its_own(
        self, client: AsyncClient, settings: Settings, foreign: dict[str, Any]
    ) -> None:
        headers = auth_headers(settings, foreign["admin"])

        response = await client.get(f"/api/v1/accounts/{foreign['account'].id}", headers=headers)

        assert response.status_code == 200


class TestAuditLog:
    async def test_records_account_changes_with_before_and_after(
        self, client: AsyncClient, settings: Settings, admin: User
    ) -> None:
        headers = auth_headers(settings, admin)
        created = await client.post(
            "/api/v1/accounts", headers=headers, json={"external_id": "a-1", "name": "Before"}
        )
        account_id = created.json()["id"]
        await client.patch(
            f"/api/v1/accounts/{account_id}", headers=headers, json={"name": "After"}
        )
        await client.delete(f"/api/v1/accounts/{account_id}", headers=headers)
        await client.post(f"/api/v1/accounts/{account_id}/restore", headers=headers)

        log = await client.get(
            "/api/v1/audit-log",
            headers=headers,
            params={"entity_type": "account", "entity_id": account_id},
        )

        entries = {e["action"]: e for e in log.json()["items"]}
        assert set(entries) == {
            "account.created",
            "account.updated",
            "account.deleted",
            "account.restored",
        }
        assert all(e["actor_user_id"] == str(admin.id) for e in entries.values())
        assert entries["account.created"]["before"] is None
        assert entries["account.created"]["after"]["name"] == "Before"
        assert entries["account.updated"]["before"]["name"] == "Before"
        assert entries["account.updated"]["after"]["name"] == "After"
        assert entries["account.deleted"]["before"]["name"] == "After"

    async def test_records_user_changes_with_before_and_after(
        self,
        client: AsyncClient,
        session: AsyncSession,
        settings: Settings,
        org: Organisation,
        admin: User,
    ) -> None:
        csm = await create_user(session, org)
        analyst_role = await role(session, org, "Analyst")
        headers = auth_headers(settings, admin)
        await client.patch(
            f"/api/v1/users/{csm.id}", headers=headers, json={"role_id": str(analyst_role.id)}
        )
        await client.post(f"/api/v1/users/{csm.id}/deactivate", headers=headers)

        log = await client.get(
            "/api/v1/audit-log", headers=headers, params={"entity_id": str(csm.id)}
        )

        entries = {e["action"]: e for e in log.json()["items"]}
        assert set(entries) == {"user.updated", "user.deactivated"}
        assert entries["user.updated"]["before"]["role_id"] == str(csm.role_id)
        assert entries["user.updated"]["after"]["role_id"] == str(analyst_role.id)
        assert entries["user.deactivated"]["before"]["status"] == "active"
        assert entries["user.deactivated"]["after"]["status"] == "inactive"

    async def test_names_the_actor_and_the_changed_record(
        self,
        client: AsyncClient,
        session: AsyncSession,
        settings: Settings,
        org: Organisation,
        admin: User,
    ) -> None:
        headers = auth_headers(settings, admin)
        created = await client.post(
            "/api/v1/accounts", headers=headers, json={"external_id": "n-1", "name": "Acme"}
        )
        gone = await client.post(
            "/api/v1/accounts", headers=headers, json={"external_id": "n-2", "name": "Gone Ltd"}
        )
        await client.patch(
            f"/api/v1/accounts/{created.json()['id']}", headers=headers, json={"csm_score": 70}
        )
        await client.delete(f"/api/v1/accounts/{gone.json()['id']}", headers=headers)

        items = (await client.get("/api/v1/audit-log", headers=headers)).json()["items"]

        assert {e["actor_name"] for e in items} == {admin.full_name}
        named = {(e["action"], e["target_name"]) for e in items}
        # The update's snapshot holds no name: it is the account's own.
        assert ("account.updated", "Acme") in named
        assert ("account.deleted", "Gone Ltd") in named

    async def test_filters_by_actor_action_and_time(
        self,
        client: AsyncClient,
        session: AsyncSession,
        settings: Settings,
        org: Organisation,
        admin: User,
    ) -> None:
        other = await create_user(session, org, role_name="Admin")
        for user, n in ((admin, 1), (other, 2), (other, 3)):
            await client.post(
                "/api/v1/accounts",
                headers=auth_headers(settings, user),
                json={"external_id": f"f-{n}", "name": f"F{n}"},
            )
        headers = auth_headers(settings, admin)
        account_id = (
            await client.get("/api/v1/accounts", headers=headers, params={"q": "F3"})
        ).json()["items"][0]["id"]
        await client.patch(f"/api/v1/accounts/{account_id}", headers=headers, json={"csm_score": 5})

        async def total(**params: str) -> int:
            page = await client.get("/api/v1/audit-log", headers=headers, params=params)
            assert page.status_code == 200, page.text
            return int(page.json()["total"])

        assert await total(actor_user_id=str(other.id)) == 2
        assert await total(action="account.updated") == 1
        assert await total(action="account.created", actor_user_id=str(admin.id)) == 1
        assert await total(since="2000-01-01T00:00:00Z", until="2999-01-01T00:00:00Z") == 4
        assert await total(until="2000-01-01T00:00:00Z") == 0
        assert await total(since="2999-01-01T00:00:00Z") == 0
        actions = await client.get("/api/v1/audit-log/actions", headers=headers)
        assert actions.json() == ["account.created", "account.updated"]

    async def test_a_bad_filter_is_a_422(
        self, client: AsyncClient, settings: Settings, admin: User
    ) -> None:
        headers = auth_headers(settings, admin)

        for params in ({"actor_user_id": "me"}, {"since": "yesterday"}):
            response = await client.get("/api/v1/audit-log", headers=headers, params=params)
            assert_problem(response, 422)

    async def test_a_refused_change_is_not_recorded(
        self, client: AsyncClient, settings: Settings, admin: User
    ) -> None:
        headers = auth_headers(settings, admin)

        await client.post(f"/api/v1/users/{admin.id}/deactivate", headers=headers)

        assert (await client.get("/api/v1/audit-log", headers=headers)).json()["total"] == 0

    async def test_pages_with_a_total(
        self, client: AsyncClient, settings: Settings, admin: User
    ) -> None:
        headers = auth_headers(settings, admin)
        for n in range(3):
            await client.post(
                "/api/v1/accounts", headers=headers, json={"external_id": f"e{n}", "name": "N"}
            )

        page = await client.get("/api/v1/audit-log", headers=headers, params={"limit": 2})

        assert (page.json()["total"], len(page.json()["items"])) == (3, 2)

    @pytest.mark.parametrize("role_name", ["CSM", "CSM Manager", "Executive"])
    async def test_is_for_admins_only(
        self,
        client: AsyncClient,
        session: AsyncSession,
        settings: Settings,
        org: Organisation,
        role_name: str,
    ) -> None:
        user = await create_user(session, org, role_name=role_name)

        response = await client.get("/api/v1/audit-log", headers=auth_headers(settings, user))

        assert_problem(response, 403, "permission_denied")
