"""The team: listing, roles, deactivation, and what an admin can reset for a user."""

import uuid
from typing import Any

import pyotp
import pytest
from httpx import AsyncClient
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from domain.common import clock
from domain.common.settings import Settings
from domain.orgs.models import Organisation
from domain.users.models import RecoveryCode, User, UserStatus
from tests.factories import PASSWORD, auth_headers, create_user, role
from tests.helpers import assert_problem, emails_to, link_token


async def _login(client: AsyncClient, user: User) -> Any:
    return await client.post("/api/v1/auth/login", json={"email": user.email, "password": PASSWORD})


class TestListUsers:
    @pytest.fixture
    async def team(self, session: AsyncSession, org: Organisation, admin: User) -> dict[str, User]:
        return {
            "admin": admin,
            "active": await create_user(session, org, full_name="Alice Active"),
            "invited": await create_user(
                session, org, status=UserStatus.INVITED, full_name="Ivan Invited"
            ),
            "inactive": await create_user(
                session, org, status=UserStatus.INACTIVE, full_name="Ingrid Inactive"
            ),
        }

    async def test_lists_everyone_sorted_by_name(
        self, client: AsyncClient, settings: Settings, team: dict[str, User]
    ) -> None:
        response = await client.get("/api/v1/users", headers=auth_headers(settings, team["admin"]))

        assert response.status_code == 200
        assert [u["full_name"] for u in response.json()] == [
            "Admin",
            "Alice Active",
            "Ingrid Inactive",
            "Ivan Invited",
        ]

    @pytest.mark.parametrize("status", ["active", "invited", "inactive"])
    async def test_filters_by_status(
        self, client: AsyncClient, settings: Settings, team: dict[str, User], status: str
    ) -> None:
        response = await client.get(
            "/api/v1/users",
            params={"status": status},
            headers=auth_headers(settings, team["admin"]),
        )

        assert {u["status"] for u in response.json()} == {status}
        expected = {u.email for u in team.values() if u.status == status}
        assert {u["email"] for u in response.json()} == expected

    async def test_searches_name_and_email(
        self, client: AsyncClient, settings: Settings, team: dict[str, User]
    ) -> None:
        headers = auth_headers(settings, team["admin"])

        by_name = await client.get("/api/v1/users", params={"q": "ALICE"}, headers=headers)
        by_email = await client.get(
            "/api/v1/users", params={"q": team["invited"].email[:12]}, headers=headers
        )

        assert [u["full_name"] for u in by_name.json()] == ["Alice Active"]
        assert [u["email"] for u in by_email.json()] == [team["invited"].email]

    async def test_unknown_status_is_422(
        self, client: AsyncClient, settings: Settings, admin: User
    ) -> None:
        response = await client.get(
            "/api/v1/users", params={"status": "deleted"}, headers=auth_headers(settings, admin)
        )

        body = assert_problem(response, 422, "validation_error")
        assert body["errors"][0]["loc"] == ["query", "status"]

    async def test_does_not_show_other_organisations(
        self,
        client: AsyncClient,
        session: AsyncSession,
        settings: Settings,
        admin: User,
        other_org: Organisation,
    ) -> None:
        stranger = await create_user(session, other_org)

        response = await client.get("/api/v1/users", headers=auth_headers(settings, admin))

        assert stranger.email not in {u["email"] for u in response.json()}


class TestUpdateUser:
    async def test_changes_role_and_name(
        self, client: AsyncClient, session: AsyncSession, settings: Settings, org: Organisation
    ) -> None:
        admin = await create_user(session, org, role_name="Admin")
        csm = await create_user(session, org)
        manager = await role(session, org, "CSM Manager")

        response = await client.patch(
            f"/api/v1/users/{csm.id}",
            headers=auth_headers(settings, admin),
            json={"role_id": str(manager.id), "full_name": "  Promoted  "},
        )

        assert response.status_code == 200, response.text
        assert response.json()["role_id"] == str(manager.id)
        assert response.json()["full_name"] == "Promoted"
        # The new role takes effect on the user's next request.
        me = await client.get("/api/v1/me", headers=auth_headers(settings, csm))
        assert "view_all_accounts" in me.json()["permissions"]

    async def test_admin_cannot_remove_their_own_admin_rights(
        self, client: AsyncClient, session: AsyncSession, settings: Settings, org: Organisation
    ) -> None:
        admin = await create_user(session, org, role_name="Admin")
        csm_role = await role(session, org, "CSM")

        response = await client.patch(
            f"/api/v1/users/{admin.id}",
            headers=auth_headers(settings, admin),
            json={"role_id": str(csm_role.id)},
        )

        assert_problem(response, 409, "cannot_change_self")

    async def test_a_new_manager_must_be_an_active_user(
        self, client: AsyncClient, session: AsyncSession, settings: Settings, org: Organisation
    ) -> None:
        admin = await create_user(session, org, role_name="Admin")
        csm = await create_user(session, org)
        headers = auth_headers(settings, admin)
        left = await create_user(session, org, status=UserStatus.INACTIVE, full_name="Lee Left")
        invited = await create_user(session, org, status=UserStatus.INVITED)

        for manager in (left, invited):
            response = await client.patch(
                f"/api/v1/users/{csm.id}", headers=headers, json={"manager_id": str(manager.id)}
            )
            assert_problem(response, 409, "manager_not_found")
            assert response.json()["detail"].startswith(f"{manager.full_name} cannot sign in")

        # A manager who left after being set stays while the user's other fields change.
        csm.manager_id = left.id
        await session.flush()
        kept = await client.patch(
            f"/api/v1/users/{csm.id}",
            headers=headers,
            json={"full_name": "Renamed", "manager_id": str(left.id)},
        )
        assert kept.status_code == 200 and kept.json()["manager_id"] == str(left.id)

    async def test_unknown_role_is_404(
        self, client: AsyncClient, session: AsyncSession, settings: Settings, org: Organisation
    ) -> None:
        admin = await create_user(session, org, role_name="Admin")
        csm = await create_user(session, org)

        response = await client.patch(
            f"/api/v1/users/{csm.id}",
            headers=auth_headers(settings, admin),
            json={"role_id": str(uuid.uuid4())},
        )

        assert_problem(response, 409, "role_not_found")


class TestDeactivateUser:
    async def test_user_can_no_longer_sign_in_refresh_or_use_their_token(
        self, client: AsyncClient, session: AsyncSession, settings: Settings, org: Organisation
    ) -> None:
        admin = await create_user(session, org, role_name="Admin")
        csm = await create_user(session, org)
        signed_in = await _login(client, csm)
        refresh = signed_in.cookies["tenure_refresh"]
        access = {"Authorization": f"Bearer {signed_in.json()['access_token']}"}

        response = await client.post(
            f"/api/v1/users/{csm.id}/deactivate", headers=auth_headers(settings, admin)
        )

        assert response.status_code == 200
        assert response.json()["status"] == "inactive"
        assert response.json()["deactivated_at"] is not None
        assert_problem(await _login(client, csm), 401, "invalid_credentials")
        assert_problem(await client.get("/api/v1/me", headers=access), 401)
        client.cookies.clear()
        refreshed = await client.post(
            "/api/v1/auth/refresh", headers={"Cookie": f"tenure_refresh={refresh}"}
        )
        assert_problem(refreshed, 401)

    async def test_admin_cannot_deactivate_themselves(
        self, client: AsyncClient, settings: Settings, admin: User
    ) -> None:
        response = await client.post(
            f"/api/v1/users/{admin.id}/deactivate", headers=auth_headers(settings, admin)
        )

        assert_problem(response, 409, "cannot_change_self")
        assert (await client.get("/api/v1/me", headers=auth_headers(settings, admin))).json()[
            "status"
        ] == "active"


class TestReactivateUser:
    async def test_user_can_sign_in_again(
        self, client: AsyncClient, session: AsyncSession, settings: Settings, admin: User
    ) -> None:
        org = await session.get_one(Organisation, admin.org_id)
        csm = await create_user(session, org)
        headers = auth_headers(settings, admin)
        await client.post(f"/api/v1/users/{csm.id}/deactivate", headers=headers)

        response = await client.post(f"/api/v1/users/{csm.id}/reactivate", headers=headers)

        assert response.json()["status"] == "active"
        assert response.json()["deactivated_at"] is None
        assert (await _login(client, csm)).status_code == 200

    async def test_a_deactivated_invitee_goes_back_to_pending(
        self, client: AsyncClient, session: AsyncSession, settings: Settings, admin: User
    ) -> None:
        org = await session.get_one(Organisation, admin.org_id)
        # Deactivated before accepting: no password yet.
        invitee = await create_user(session, org, status=UserStatus.INACTIVE)
        invitee.password_hash = None
        await session.flush()

        response = await client.post(
            f"/api/v1/users/{invitee.id}/reactivate", headers=auth_headers(settings, admin)
        )

        assert response.json()["status"] == "invited"


class TestAdminResetPassword:
    async def test_emails_a_link_and_signs_the_user_out(
        self, client: AsyncClient, session: AsyncSession, settings: Settings, admin: User
    ) -> None:
        org = await session.get_one(Organisation, admin.org_id)
        csm = await create_user(session, org)
        refresh = (await _login(client, csm)).cookies["tenure_refresh"]

        response = await client.post(
            f"/api/v1/users/{csm.id}/reset-password", headers=auth_headers(settings, admin)
        )

        assert response.status_code == 200
        [email] = await emails_to(session, csm.email)
        token = link_token(email, "/reset-password")
        client.cookies.clear()
        refreshed = await client.post(
            "/api/v1/auth/refresh", headers={"Cookie": f"tenure_refresh={refresh}"}
        )
        assert_problem(refreshed, 401)
        confirmed = await client.post(
            "/api/v1/auth/password-reset/confirm",
            json={"token": token, "new_password": "chosen-after-reset"},
        )
        assert confirmed.status_code == 204

    async def test_inactive_user_is_409(
        self, client: AsyncClient, session: AsyncSession, settings: Settings, admin: User
    ) -> None:
        org = await session.get_one(Organisation, admin.org_id)
        gone = await create_user(session, org, status=UserStatus.INACTIVE)

        response = await client.post(
            f"/api/v1/users/{gone.id}/reset-password", headers=auth_headers(settings, admin)
        )

        assert_problem(response, 409, "user_not_active")
        assert await emails_to(session, gone.email) == []


class TestAdminResetMfa:
    async def test_clears_the_second_factor(
        self, client: AsyncClient, session: AsyncSession, settings: Settings, admin: User
    ) -> None:
        org = await session.get_one(Organisation, admin.org_id)
        csm = await create_user(session, org, mfa_secret=pyotp.random_base32())
        session.add(RecoveryCode(org_id=org.id, user_id=csm.id, code_hash="0" * 64))
        await session.flush()
        assert (await _login(client, csm)).json()["status"] == "mfa_required"

        response = await client.post(
            f"/api/v1/users/{csm.id}/reset-mfa", headers=auth_headers(settings, admin)
        )

        assert response.status_code == 200
        assert response.json()["mfa_enabled"] is False
        assert (await _login(client, csm)).json()["status"] == "authenticated"
        codes = await session.scalars(select(RecoveryCode).where(RecoveryCode.user_id == csm.id))
        assert list(codes) == []

    async def test_an_admin_cannot_reset_their_own(
        self, client: AsyncClient, session: AsyncSession, settings: Settings, admin: User
    ) -> None:
        # Their own goes through /me/mfa/disable, which asks for the password and a code: a
        # stolen session must not remove the second factor.
        admin.mfa_secret = pyotp.random_base32()
        admin.mfa_enabled_at = clock.now()
        await session.flush()

        response = await client.post(
            f"/api/v1/users/{admin.id}/reset-mfa", headers=auth_headers(settings, admin)
        )

        body = assert_problem(response, 409, "cannot_reset_own_mfa")
        assert "/me/mfa/disable" in body["detail"]
        assert (await _login(client, admin)).json()["status"] == "mfa_required"


# Every route that needs "manage users", with a body that would otherwise be valid.
ADMIN_ROUTES = [
    ("POST", "/api/v1/users/invitations", {"email": "x@example.com", "full_name": "X"}),
    ("PATCH", "/api/v1/users/{user}", {"full_name": "X"}),
    ("POST", "/api/v1/users/{user}/deactivate", None),
    ("POST", "/api/v1/users/{user}/reactivate", None),
    ("POST", "/api/v1/users/{user}/resend-invitation", None),
    ("POST", "/api/v1/users/{user}/reset-password", None),
    ("POST", "/api/v1/users/{user}/reset-mfa", None),
    ("POST", "/api/v1/roles", {"name": "Sneaky", "permissions": ["manage_users"]}),
    ("PATCH", "/api/v1/roles/{role}", {"name": "Sneaky"}),
    ("DELETE", "/api/v1/roles/{role}", None),
    ("GET", "/api/v1/audit-log", None),
]


class TestAdminRoutesNeedManageUsers:
    @pytest.mark.parametrize("role_name", ["CSM", "CSM Manager", "Guest"])
    @pytest.mark.parametrize(("method", "path", "body"), ADMIN_ROUTES)
    async def test_refused_without_manage_users(
        self,
        client: AsyncClient,
        session: AsyncSession,
        settings: Settings,
        org: Organisation,
        role_name: str,
        method: str,
        path: str,
        body: dict[str, Any] | None,
    ) -> None:
        caller = await create_user(session, org, role_name=role_name)
        target = await create_user(session, org, status=UserStatus.INVITED)
        guest = await role(session, org, "Guest")
        url = path.format(user=target.id, role=guest.id)
        if body is not None and path.endswith("invitations"):
            body = {**body, "role_id": str(guest.id)}

        response = await client.request(
            method, url, json=body, headers=auth_headers(settings, caller)
        )

        assert_problem(response, 403, "permission_denied")
        await session.refresh(target)
        assert (target.status, target.full_name) == (UserStatus.INVITED, "CSM User")
