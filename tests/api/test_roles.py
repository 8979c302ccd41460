"""Built-in and custom roles, and the permissions they grant."""

from typing import Any

import pytest
from httpx import AsyncClient
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from domain.common.settings import Settings
from domain.orgs.models import Organisation
from domain.users.models import Role, User, UserStatus
from domain.users.permissions import BUILTIN_ROLES, Permission
from tests.factories import auth_headers, create_user, role
from tests.helpers import assert_problem


@pytest.fixture
def headers(settings: Settings, admin: User) -> dict[str, str]:
    return auth_headers(settings, admin)


async def _create(client: AsyncClient, headers: dict[str, str], **body: Any) -> Any:
    payload = {"name": "Renewals desk", "permissions": ["csm_seat", "update_accounts"], **body}
    return await client.post("/api/v1/roles", headers=headers, json=payload)


class TestListRoles:
    async def test_lists_the_built_in_roles_first(
        self, client: AsyncClient, headers: dict[str, str]
    ) -> None:
        await _create(client, headers, name="Aardvark")

        response = await client.get("/api/v1/roles", headers=headers)

        roles = response.json()
        assert [r["name"] for r in roles if r["is_builtin"]] == sorted(BUILTIN_ROLES, key=str.lower)
        assert roles[-1]["name"] == "Aardvark" and not roles[-1]["is_builtin"]
        admin_role = next(r for r in roles if r["name"] == "Admin")
        assert set(admin_role["permissions"]) == set(Permission)

    async def test_any_member_may_read_them(
        self, client: AsyncClient, session: AsyncSession, settings: Settings, org: Organisation
    ) -> None:
        guest = await create_user(session, org, role_name="Guest")

        response = await client.get("/api/v1/roles", headers=auth_headers(settings, guest))

        assert len(response.json()) == len(BUILTIN_ROLES)


class TestListPermissions:
    async def test_every_permission_has_a_label(
        self, client: AsyncClient, headers: dict[str, str]
    ) -> None:
        response = await client.get("/api/v1/roles/permissions", headers=headers)

        body = response.json()
        assert {p["key"] for p in body} == {str(p) for p in Permission}
        assert all(p["label"] for p in body)
        # Nothing checks it until email campaigns exist: its label must not promise otherwise.
        email = next(p["label"] for p in body if p["key"] == "manage_email")
        assert "grants nothing today" in email


class TestCreateRole:
    async def test_creates_a_custom_role(
        self, client: AsyncClient, headers: dict[str, str]
    ) -> None:
        response = await _create(
            client,
            headers,
            permissions=["update_accounts", "csm_seat", "csm_seat"],
            landing_page="/tasks",
            description="Renewal specialists",
        )

        assert response.status_code == 201, response.text
        body = response.json()
        assert body["is_builtin"] is False
        assert body["permissions"] == ["csm_seat", "update_accounts"]
        assert (body["landing_page"], body["description"]) == ("/tasks", "Renewal specialists")

    async def test_names_are_unique_ignoring_case(
        self, client: AsyncClient, headers: dict[str, str]
    ) -> None:
        await _create(client, headers)

        assert_problem(await _create(client, headers, name="RENEWALS DESK"), 409, "role_name_taken")
        assert_problem(await _create(client, headers, name="Admin"), 409, "role_name_taken")

    async def test_unknown_permission_is_422(
        self, client: AsyncClient, headers: dict[str, str]
    ) -> None:
        response = await _create(client, headers, permissions=["rule_the_world"])

        body = assert_problem(response, 422, "validation_error")
        assert body["errors"][0]["loc"] == ["body", "permissions", 0]

    async def test_landing_page_must_be_a_path(
        self, client: AsyncClient, headers: dict[str, str]
    ) -> None:
        response = await _create(client, headers, landing_page="https://evil.example.com")

        assert_problem(response, 422, "validation_error")


class TestUpdateRole:
    async def test_changes_a_custom_role(
        self, client: AsyncClient, headers: dict[str, str]
    ) -> None:
        created = (await _create(client, headers)).json()

        response = await client.patch(
            f"/api/v1/roles/{created['id']}",
            headers=headers,
            json={"name": "Renewals", "permissions": ["view_all_accounts"]},
        )

        assert response.status_code == 200
        assert response.json()["name"] == "Renewals"
        assert response.json()["permissions"] == ["view_all_accounts"]

    async def test_may_change_the_case_of_its_own_name(
        self, client: AsyncClient, headers: dict[str, str]
    ) -> None:
        created = (await _create(client, headers)).json()

        response = await client.patch(
            f"/api/v1/roles/{created['id']}", headers=headers, json={"name": "RENEWALS DESK"}
        )

        assert response.json()["name"] == "RENEWALS DESK"

    async def test_taking_another_roles_name_is_409(
        self, client: AsyncClient, headers: dict[str, str]
    ) -> None:
        created = (await _create(client, headers)).json()

        response = await client.patch(
            f"/api/v1/roles/{created['id']}", headers=headers, json={"name": "csm"}
        )

        assert_problem(response, 409, "role_name_taken")

    async def test_permission_changes_apply_to_holders(
        self,
        client: AsyncClient,
        session: AsyncSession,
        settings: Settings,
        org: Organisation,
        headers: dict[str, str],
    ) -> None:
        created = (await _create(client, headers, permissions=[])).json()
        holder = await create_user(session, org)
        holder.role_id = created["id"]
        await session.flush()
        holder_headers = auth_headers(settings, holder)
        assert_problem(await client.get("/api/v1/audit-log", headers=holder_headers), 403)

        await client.patch(
            f"/api/v1/roles/{created['id']}",
            headers=headers,
            json={"permissions": ["manage_users"]},
        )

        assert (await client.get("/api/v1/audit-log", headers=holder_headers)).status_code == 200

    async def test_cannot_take_manage_users_from_the_role_one_holds(
        self, client: AsyncClient, session: AsyncSession, settings: Settings, org: Organisation
    ) -> None:
        # As changing one's own role to one without it is refused: no one is left unable to
        # give it back.
        created = (
            await _create(
                client,
                auth_headers(settings, await create_user(session, org, role_name="Admin")),
                permissions=["manage_users"],
            )
        ).json()
        holder = await create_user(session, org)
        holder.role_id = created["id"]
        await session.flush()
        holder_headers = auth_headers(settings, holder)

        response = await client.patch(
            f"/api/v1/roles/{created['id']}",
            headers=holder_headers,
            json={"permissions": ["view_all_accounts"]},
        )

        assert_problem(response, 409, "cannot_change_self")
        assert (await client.get("/api/v1/audit-log", headers=holder_headers)).status_code == 200
        # Other changes to it, and taking it away from a role one does not hold, still work.
        renamed = await client.patch(
            f"/api/v1/roles/{created['id']}",
            headers=holder_headers,
            json={"name": "User desk", "permissions": ["manage_users", "view_all_accounts"]},
        )
        assert renamed.status_code == 200
        other = (
            await _create(client, holder_headers, name="Other", permissions=["manage_users"])
        ).json()
        taken = await client.patch(
            f"/api/v1/roles/{other['id']}", headers=holder_headers, json={"permissions": []}
        )
        assert taken.json()["permissions"] == []

    @pytest.mark.parametrize("name", list(BUILTIN_ROLES))
    async def test_built_in_roles_are_fixed(
        self,
        client: AsyncClient,
        session: AsyncSession,
        org: Organisation,
        headers: dict[str, str],
        name: str,
    ) -> None:
        builtin = await role(session, org, name)

        response = await client.patch(
            f"/api/v1/roles/{builtin.id}", headers=headers, json={"permissions": []}
        )

        assert_problem(response, 409, "builtin_role_immutable")
        await session.refresh(builtin)
        assert builtin.permissions == sorted(str(p) for p in BUILTIN_ROLES[name][0])


class TestDeleteRole:
    async def test_deletes_an_unused_custom_role(
        self, client: AsyncClient, session: AsyncSession, headers: dict[str, str]
    ) -> None:
        created = (await _create(client, headers)).json()

        response = await client.delete(f"/api/v1/roles/{created['id']}", headers=headers)

        assert response.status_code == 204
        assert await session.get(Role, created["id"], populate_existing=True) is None
        assert_problem(
            await client.delete(f"/api/v1/roles/{created['id']}", headers=headers),
            404,
            "role_not_found",
        )

    @pytest.mark.parametrize("name", list(BUILTIN_ROLES))
    async def test_built_in_roles_cannot_be_deleted(
        self,
        client: AsyncClient,
        session: AsyncSession,
        org: Organisation,
        headers: dict[str, str],
        name: str,
    ) -> None:
        builtin = await role(session, org, name)

        response = await client.delete(f"/api/v1/roles/{builtin.id}", headers=headers)

        assert_problem(response, 409, "builtin_role_immutable")

    @pytest.mark.parametrize("status", list(UserStatus))
    async def test_a_role_someone_holds_cannot_be_deleted(
        self,
        client: AsyncClient,
        session: AsyncSession,
        org: Organisation,
        headers: dict[str, str],
        status: UserStatus,
    ) -> None:
        # Deactivated users keep their history, and with it their role.
        created = (await _create(client, headers)).json()
        holder = await create_user(session, org, status=status)
        holder.role_id = created["id"]
        await session.flush()

        response = await client.delete(f"/api/v1/roles/{created['id']}", headers=headers)

        assert_problem(response, 409, "role_in_use")
        assert await session.scalar(select(Role).where(Role.id == holder.role_id)) is not None


class TestRoleNameLength:
    async def test_a_name_longer_than_its_column_is_refused(
        self, client: AsyncClient, headers: dict[str, str]
    ) -> None:
        created = await _create(client, headers, name="R" * 100)
        assert created.status_code == 201, created.text

        too_long = await _create(client, headers, name="R" * 150)
        renamed = await client.patch(
            f"/api/v1/roles/{created.json()['id']}", headers=headers, json={"name": "S" * 101}
        )

        assert_problem(too_long, 422, "validation_error")
        assert_problem(renamed, 422, "validation_error")
