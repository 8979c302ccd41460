"""API keys: created once-shown and hashed, scoped, revocable; the API log of each key."""

import base64
import uuid
from typing import Any

import pytest
from fastapi import FastAPI
from httpx import AsyncClient
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from domain.audit.models import AuditEntry
from domain.common.settings import Settings
from domain.integration import keys
from domain.integration.models import ApiKey, ApiScope
from domain.orgs.models import Organisation
from domain.users.models import Role, User, UserStatus
from domain.users.permissions import Permission
from tests.factories import auth_headers, create_account, create_api_key, create_user
from tests.helpers import assert_problem

URL = "/api/v1/api-keys"


@pytest.fixture
def headers(settings: Settings, admin: User) -> dict[str, str]:
    return auth_headers(settings, admin)


async def _create(client: AsyncClient, headers: dict[str, str], **body: Any) -> dict[str, Any]:
    response = await client.post(URL, headers=headers, json={"name": "Warehouse", **body})
    assert response.status_code == 201, response.text
    created: dict[str, Any] = response.json()
    return created


class TestManagingKeys:
    async def test_a_key_is_shown_once_and_stored_only_as_a_hash(
        self, client: AsyncClient, session: AsyncSession, headers: dict[str, str]
    ) -> None:
        created = await _create(client, headers, scopes=["ingest", "read"])

        assert created["key"].startswith(f"tnr_{created['prefix']}_")
        assert created["scopes"] == ["ingest", "read"]
        listed = (await client.get(URL, headers=headers)).json()
        assert [k["id"] for k in listed] == [created["id"]]
        assert "key" not in listed[0]
        stored = await session.scalar(select(ApiKey).where(ApiKey.prefix == created["prefix"]))
        assert stored is not None and created["key"] not in stored.secret_hash
        assert stored.secret_hash == keys.hash_key(created["key"])
        actions = await session.scalars(
            select(AuditEntry.action).where(AuditEntry.entity_id == stored.id)
        )
        assert list(actions) == ["api_key.created"]

    @pytest.mark.parametrize(
        "body",
        [{"scopes": []}, {"scopes": ["admin"]}, {"name": "", "scopes": ["read"]}, {"name": 3}],
    )
    async def test_bad_requests_are_422(
        self, client: AsyncClient, headers: dict[str, str], body: dict[str, Any]
    ) -> None:
        assert_problem(await client.post(URL, headers=headers, json={"name": "x", **body}), 422)

    async def test_only_connector_admins_manage_keys(
        self, client: AsyncClient, session: AsyncSession, settings: Settings, org: Organisation
    ) -> None:
        csm = auth_headers(settings, await create_user(session, org, role_name="CSM"))

        assert_problem(await client.get(URL, headers=csm), 403)
        assert_problem(
            await client.post(URL, headers=csm, json={"name": "x", "scopes": ["read"]}), 403
        )

    async def test_a_revoked_key_stops_working_at_once(
        self, client: AsyncClient, headers: dict[str, str]
    ) -> None:
        created = await _create(client, headers, scopes=["read"])
        key = {"Authorization": f"Bearer {created['key']}"}
        assert (await client.get("/api/v1/accounts", headers=key)).status_code == 200

        revoked = await client.post(f"{URL}/{created['id']}/revoke", headers=headers)

        assert revoked.status_code == 200 and revoked.json()["revoked_at"]
        assert_problem(await client.get("/api/v1/accounts", headers=key), 401, "invalid_api_key")

    async def test_another_organisations_key_is_404(
        self,
        client: AsyncClient,
        session: AsyncSession,
        other_org: Organisation,
        headers: dict[str, str],
    ) -> None:
        foreign, _ = await create_api_key(session, other_org)

        assert_problem(await client.post(f"{URL}/{foreign.id}/revoke", headers=headers), 404)
        assert_problem(await client.get(f"{URL}/{foreign.id}/calls", headers=headers), 404)


async def _user_who_may(session: AsyncSession, org: Organisation, *permissions: Permission) -> User:
    """A user whose custom role grants exactly `permissions`."""
    custom = Role(org_id=org.id, name="Integrator", permissions=sorted(permissions))
    session.add(custom)
    await session.flush()
    user = await create_user(session, org)
    user.role_id = custom.id
    await session.flush()
    return user


class TestAKeyDoesNoMoreThanItsMaker:
    async def test_scopes_granting_what_the_maker_may_not_do_are_refused(
        self, client: AsyncClient, session: AsyncSession, settings: Settings, org: Organisation
    ) -> None:
        # May manage keys, and nothing else: sees no account at all.
        maker = auth_headers(
            settings, await _user_who_may(session, org, Permission.CONFIGURE_CONNECTORS)
        )

        full = await client.post(URL, headers=maker, json={"name": "x", "scopes": ["full"]})

        body = assert_problem(full, 403, "scope_beyond_your_permissions")
        for permission in ("view_all_accounts", "update_accounts", "delete_accounts"):
            assert permission in body["detail"]
        for scopes in (["read"], ["ingest"]):
            refused = await client.post(URL, headers=maker, json={"name": "x", "scopes": scopes})
            assert_problem(refused, 403, "scope_beyond_your_permissions")
        assert (await client.get(URL, headers=maker)).json() == []

    async def test_a_maker_grants_the_scopes_within_their_permissions(
        self, client: AsyncClient, session: AsyncSession, settings: Settings, org: Organisation
    ) -> None:
        maker = auth_headers(
            settings,
            await _user_who_may(
                session, org, Permission.CONFIGURE_CONNECTORS, Permission.INGEST_DATA
            ),
        )

        ingest = await client.post(URL, headers=maker, json={"name": "x", "scopes": ["ingest"]})
        both = await client.post(
            URL, headers=maker, json={"name": "x", "scopes": ["ingest", "read"]}
        )

        assert ingest.status_code == 201, ingest.text
        body = assert_problem(both, 403, "scope_beyond_your_permissions")
        assert "read" in body["detail"] and "view_all_accounts" in body["detail"]
        assert "ingest_data" not in body["detail"]

    async def test_deactivating_the_maker_revokes_their_keys(
        self,
        client: AsyncClient,
        session: AsyncSession,
        settings: Settings,
        org: Organisation,
        admin: User,
        headers: dict[str, str],
    ) -> None:
        maker = await create_user(session, org, role_name="Admin")
        made = await _create(client, auth_headers(settings, maker), scopes=["full"])
        _, others = await create_api_key(session, org, ApiScope.READ, by=admin)
        key = {"Authorization": f"Bearer {made['key']}"}
        assert (await client.get("/api/v1/accounts", headers=key)).status_code == 200

        deactivated = await client.post(f"/api/v1/users/{maker.id}/deactivate", headers=headers)

        assert deactivated.status_code == 200, deactivated.text
        assert_problem(await client.get("/api/v1/accounts", headers=key), 401, "invalid_api_key")
        assert (await client.get("/api/v1/accounts", headers=others)).status_code == 200
        listed = {k["id"]: k for k in (await client.get(URL, headers=headers)).json()}
        assert listed[made["id"]]["revoked_at"] is not None
        revoked = await session.scalar(
            select(AuditEntry).where(
                AuditEntry.entity_id == uuid.UUID(made["id"]),
                AuditEntry.action == "api_key.revoked",
            )
        )
        assert revoked is not None and revoked.actor_user_id == admin.id
        assert revoked.after == {"reason": "maker_deactivated"}
        # Reactivating the maker does not bring the key back.
        await client.post(f"/api/v1/users/{maker.id}/reactivate", headers=headers)
        assert_problem(await client.get("/api/v1/accounts", headers=key), 401, "invalid_api_key")

    async def test_a_key_loses_what_its_makers_role_loses(
        self, client: AsyncClient, session: AsyncSession, settings: Settings, org: Organisation
    ) -> None:
        await create_account(session, org)
        maker = await _user_who_may(
            session, org, Permission.CONFIGURE_CONNECTORS, Permission.VIEW_ALL_ACCOUNTS
        )
        made = await _create(client, auth_headers(settings, maker), scopes=["read"])
        key = {"Authorization": f"Bearer {made['key']}"}
        assert (await client.get("/api/v1/accounts", headers=key)).json()["total"] == 1
        custom = await session.get_one(Role, maker.role_id)

        custom.permissions = [Permission.CONFIGURE_CONNECTORS]
        await session.flush()
        lost = await client.get("/api/v1/accounts", headers=key)
        custom.permissions = [Permission.CONFIGURE_CONNECTORS, Permission.VIEW_ALL_ACCOUNTS]
        await session.flush()
        regained = await client.get("/api/v1/accounts", headers=key)

        assert "the user who made it" in assert_problem(lost, 403, "permission_denied")["detail"]
        assert regained.json()["total"] == 1

    async def test_a_key_whose_maker_is_not_active_is_refused(
        self, client: AsyncClient, session: AsyncSession, org: Organisation
    ) -> None:
        # Deactivation revokes the maker's keys; a key made at that very moment (its request
        # began before) must not outlive them either.
        maker = await create_user(session, org, role_name="Admin")
        _, key = await create_api_key(session, org, ApiScope.READ, by=maker)

        maker.status = UserStatus.INACTIVE
        await session.flush()

        assert_problem(await client.get("/api/v1/accounts", headers=key), 401, "invalid_api_key")


class TestAuthenticatingWithAKey:
    async def test_a_read_key_reads_every_account_but_cannot_edit(
        self, client: AsyncClient, session: AsyncSession, org: Organisation
    ) -> None:
        account = await create_account(session, org, name="Acme")
        _, key = await create_api_key(session, org, ApiScope.READ)

        listed = await client.get("/api/v1/accounts", headers=key)

        assert [a["name"] for a in listed.json()["items"]] == ["Acme"]
        assert_problem(
            await client.patch(f"/api/v1/accounts/{account.id}", headers=key, json={"name": "X"}),
            403,
        )

    async def test_a_read_key_reads_the_accounts_history_but_cannot_log_to_it(
        self, client: AsyncClient, session: AsyncSession, org: Organisation
    ) -> None:
        account = await create_account(session, org)
        _, key = await create_api_key(session, org, ApiScope.READ)
        base = f"/api/v1/accounts/{account.id}"

        for path in (f"{base}/timeline", f"{base}/interactions", "/api/v1/interactions/search"):
            assert (await client.get(path, headers=key)).status_code == 200, path
        note = await client.post(f"{base}/notes", headers=key, json={"body": "<p>hi</p>"})
        # Notes, interactions and tickets by hand are for signed-in people (they have authors).
        assert_problem(note, 401)

    async def test_a_full_key_edits_and_deletes_accounts(
        self, client: AsyncClient, session: AsyncSession, org: Organisation
    ) -> None:
        account = await create_account(session, org, name="Acme")
        _, key = await create_api_key(session, org, ApiScope.FULL)

        response = await client.patch(
            f"/api/v1/accounts/{account.id}", headers=key, json={"name": "Acme Inc"}
        )
        deleted = await client.delete(f"/api/v1/accounts/{account.id}", headers=key)

        assert response.status_code == 200 and response.json()["name"] == "Acme Inc"
        assert deleted.status_code == 204, deleted.text

    async def test_an_ingest_key_cannot_read_accounts(
        self, client: AsyncClient, session: AsyncSession, org: Organisation
    ) -> None:
        account = await create_account(session, org)
        _, key = await create_api_key(session, org, ApiScope.INGEST)

        # Refused, not an empty list that would read as "there are no accounts".
        for url in (
            "/api/v1/accounts",
            f"/api/v1/accounts/{account.id}",
            # What belongs to accounts too: the alert and task reports and their rows.
            "/api/v1/reports/alerts",
            "/api/v1/reports/tasks",
            "/api/v1/reports/alerts/rows?metric=raised",
            "/api/v1/alerts",
            "/api/v1/tasks",
        ):
            response = await client.get(url, headers=key)
            assert_problem(response, 403, "permission_denied")
            assert "read" in response.json()["detail"]
        query = await client.post("/api/v1/accounts/query", headers=key, json={})
        assert_problem(query, 403, "permission_denied")

    async def test_a_key_on_a_route_for_signed_in_users_is_told_so(
        self, client: AsyncClient, session: AsyncSession, org: Organisation
    ) -> None:
        _, key = await create_api_key(session, org, ApiScope.FULL)

        for url in ("/api/v1/me", "/api/v1/users", "/api/v1/api-keys"):
            response = await client.get(url, headers=key)
            assert_problem(response, 401, "invalid_token")
            assert "API keys are not accepted here" in response.json()["detail"]
        # The names a batch refers to are read with a key.
        for url in ("/api/v1/tiers", "/api/v1/lifecycle-stages", "/api/v1/custom-fields"):
            assert (await client.get(url, headers=key)).status_code == 200, url

    async def test_a_key_works_as_the_basic_auth_user_name(
        self, client: AsyncClient, session: AsyncSession, org: Organisation
    ) -> None:
        await create_account(session, org)
        _, key = await create_api_key(session, org, ApiScope.READ)
        raw = key["Authorization"].removeprefix("Bearer ")
        basic = {"Authorization": "Basic " + base64.b64encode(f"{raw}:".encode()).decode()}

        assert (await client.get("/api/v1/accounts", headers=basic)).json()["total"] == 1

    @pytest.mark.parametrize(
        "credential",
        [
            "tnr_",
            "tnr_0123456789ab_forged-secret",
            "tnr_zz_short",
            "tnr_" + "a" * 300,
            "Basic !!!notbase64",
        ],
    )
    async def test_forged_or_malformed_keys_are_401(
        self, client: AsyncClient, session: AsyncSession, org: Organisation, credential: str
    ) -> None:
        key, _ = await create_api_key(session, org, ApiScope.READ)
        header = credential if credential.startswith("Basic") else f"Bearer {credential}"
        if credential.endswith("forged-secret"):
            header = f"Bearer tnr_{key.prefix}_forged-secret"

        assert_problem(await client.get("/api/v1/accounts", headers={"Authorization": header}), 401)

    async def test_keys_cannot_manage_keys_or_users(
        self, client: AsyncClient, session: AsyncSession, org: Organisation
    ) -> None:
        _, key = await create_api_key(session, org, ApiScope.FULL)

        # Key management and the user's own pages need a signed-in person.
        assert_problem(await client.get(URL, headers=key), 401)
        assert_problem(await client.get("/api/v1/users", headers=key), 401)


class TestDeclaredSchemes:
    """Each operation's `security` lists the credentials its dependencies read, so generated
    clients know which routes take an API key."""

    def test_the_api_key_is_a_security_scheme(self, app_instance: FastAPI) -> None:
        schemes = app_instance.openapi()["components"]["securitySchemes"]

        assert schemes["ApiKey"]["scheme"] == "bearer"
        assert schemes["ApiKeyBasic"]["scheme"] == "basic"
        assert schemes["AccessToken"]["scheme"] == "bearer"

    @pytest.mark.parametrize(
        ("operation", "schemes"),
        [
            ("GET /api/v1/accounts", ["AccessToken", "ApiKey", "ApiKeyBasic"]),
            ("POST /api/v1/events/batch", ["AccessToken", "ApiKey", "ApiKeyBasic"]),
            ("POST /api/v1/segment/track", ["AccessToken", "ApiKey", "ApiKeyBasic"]),
            ("GET /api/v1/api-keys", ["AccessToken"]),
            ("GET /api/v1/users", ["AccessToken"]),
            ("GET /api/v1/me", ["AccessToken"]),
            ("POST /api/v1/auth/login", []),
            ("POST /api/v1/setup", []),
            ("POST /api/v1/webhooks/{org_id}", []),
            ("GET /healthz", []),
        ],
    )
    def test_each_route_declares_what_it_accepts(
        self, app_instance: FastAPI, operation: str, schemes: list[str]
    ) -> None:
        method, path = operation.split(" ")
        declared = app_instance.openapi()["paths"][path][method.lower()].get("security", [])

        assert [name for requirement in declared for name in requirement] == schemes


class TestApiLog:
    async def test_each_call_is_logged_with_its_outcome(
        self, client: AsyncClient, session: AsyncSession, org: Organisation, headers: dict[str, str]
    ) -> None:
        key, sender = await create_api_key(session, org, ApiScope.FULL)
        account = await create_account(session, org)
        await client.get("/api/v1/accounts", headers=sender)
        await client.patch(
            f"/api/v1/accounts/{account.id}", headers=sender, json={"csm_score": 500}
        )

        calls = (await client.get(f"{URL}/{key.id}/calls", headers=headers)).json()

        assert calls["total"] == 2
        failed, ok = calls["items"]
        assert (ok["method"], ok["path"], ok["status"]) == ("GET", "/api/v1/accounts", 200)
        assert ok["request_id"] and ok["errors"] == []
        assert (failed["method"], failed["status"]) == ("PATCH", 422)
        assert "csm_score" in failed["errors"][0]["message"]
        only_errors = await client.get(
            f"{URL}/{key.id}/calls", headers=headers, params={"only_errors": True}
        )
        assert [c["id"] for c in only_errors.json()["items"]] == [failed["id"]]

    async def test_calls_by_people_are_not_in_the_api_log(
        self, client: AsyncClient, session: AsyncSession, org: Organisation, headers: dict[str, str]
    ) -> None:
        key, _ = await create_api_key(session, org)
        await client.get("/api/v1/accounts", headers=headers)

        assert (await client.get(f"{URL}/{key.id}/calls", headers=headers)).json()["total"] == 0
