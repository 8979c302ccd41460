"""Every refusal is application/problem+json with a stable code, and changes nothing."""

import asyncio
import json
from collections.abc import AsyncIterator
from typing import Any

import pytest
from fastapi import Request
from httpx import AsyncClient
from sqlalchemy import func, select, text
from sqlalchemy.exc import DBAPIError
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession

from api.app import MAX_BODY_BYTES
from api.errors import handle_database_error
from domain.accounts.models import Account
from domain.audit.models import AuditEntry
from domain.common.settings import Settings
from domain.users import service as users
from domain.users.models import User
from tests.factories import auth_headers
from tests.helpers import assert_problem


@pytest.fixture
def headers(settings: Settings, admin: User) -> dict[str, str]:
    return auth_headers(settings, admin)


async def _rows(session: AsyncSession) -> tuple[int, int]:
    accounts = await session.scalar(select(func.count()).select_from(Account))
    audit = await session.scalar(select(func.count()).select_from(AuditEntry))
    return accounts or 0, audit or 0


class TestValidationErrors:
    async def test_malformed_json_is_422_with_errors(
        self, client: AsyncClient, session: AsyncSession, headers: dict[str, str]
    ) -> None:
        before = await _rows(session)

        response = await client.post(
            "/api/v1/accounts",
            headers={**headers, "Content-Type": "application/json"},
            content=b'{"external_id": "x",\n "name": }',
        )

        body = assert_problem(response, 422, "validation_error")
        assert body["errors"][0]["type"] == "json_invalid"
        assert body["errors"][0]["loc"][0] == "body"
        # Where it broke, as an editor counts.
        assert body["errors"][0]["msg"] == "Malformed JSON at line 2, column 10: Expecting value"
        assert "line 2, column 10" in body["detail"]
        assert await _rows(session) == before

    async def test_wrong_types_name_each_field(
        self, client: AsyncClient, session: AsyncSession, headers: dict[str, str]
    ) -> None:
        before = await _rows(session)

        response = await client.post(
            "/api/v1/accounts",
            headers=headers,
            json={"external_id": 5, "name": ["x"], "joined_on": "soon", "csm_ids": ["nope"]},
        )

        body = assert_problem(response, 422, "validation_error")
        locations = {tuple(e["loc"]) for e in body["errors"]}
        assert locations == {
            ("body", "external_id"),
            ("body", "name"),
            ("body", "joined_on"),
            ("body", "csm_ids", 0),
        }
        assert all(e["msg"] and e["type"] for e in body["errors"])
        assert "body.external_id" in body["detail"]
        assert await _rows(session) == before

    async def test_missing_body_is_422(self, client: AsyncClient, headers: dict[str, str]) -> None:
        response = await client.post("/api/v1/accounts", headers=headers)

        body = assert_problem(response, 422, "validation_error")
        assert body["errors"][0]["loc"] == ["body"]

    async def test_a_json_array_instead_of_an_object_is_422(
        self, client: AsyncClient, headers: dict[str, str]
    ) -> None:
        response = await client.post("/api/v1/accounts", headers=headers, json=[1, 2])

        assert_problem(response, 422, "validation_error")

    @pytest.mark.parametrize(
        "path", ["/api/v1/accounts/upsert", "/api/v1/segment/track", "/api/v1/accounts"]
    )
    async def test_a_body_that_is_not_utf8_is_malformed_json(
        self, client: AsyncClient, session: AsyncSession, headers: dict[str, str], path: str
    ) -> None:
        """Not a bare 400: a 422 like any malformed JSON, saying where."""
        before = await _rows(session)

        response = await client.post(
            path,
            headers={**headers, "Content-Type": "application/json"},
            content=b'{"name": "Caf\xe9"}',
        )

        body = assert_problem(response, 422, "validation_error")
        assert body["errors"] == [
            {
                "loc": ["body", 13],
                "msg": "Malformed JSON at byte 14: not UTF-8 text",
                "type": "json_invalid",
            }
        ]
        assert await _rows(session) == before

    async def test_malformed_form_data_is_a_422(
        self, client: AsyncClient, session: AsyncSession, headers: dict[str, str]
    ) -> None:
        """An upload whose multipart body does not parse: not a bare 400."""
        before = await _rows(session)
        boundary = "2a0cd505e5e99e753b29d70ff3baa4ea"

        response = await client.post(
            "/api/v1/account-imports",
            headers={**headers, "Content-Type": f"multipart/form-data; boundary={boundary}"},
            content=f"--{boundary}\r\n#--{boundary}--\r\n".encode(),
        )

        body = assert_problem(response, 422, "validation_error")
        assert body["errors"][0]["loc"] == ["body"]
        assert body["errors"][0]["msg"].startswith("Malformed form data: ")
        assert await _rows(session) == before

    async def test_messages_speak_json_not_python(
        self, client: AsyncClient, session: AsyncSession, headers: dict[str, str]
    ) -> None:
        """A record that is not an object, alone or in a batch, is told so without a Python
        class name; a validator's message reads without pydantic's "Value error, " before
        it, as a batch reports the same record."""
        before = await _rows(session)

        alone = await client.post("/api/v1/accounts/upsert", headers=headers, json=[1])
        batch = await client.post("/api/v1/accounts/batch", headers=headers, json={"items": [1]})
        domain = await client.post(
            "/api/v1/accounts/upsert",
            headers=headers,
            json={"external_id": "x", "name": "X", "domain": "https://x.com"},
        )

        [error] = assert_problem(alone, 422, "validation_error")["errors"]
        assert error["msg"] == "Input should be a JSON object"
        assert batch.json()["errors"][0]["message"] == "account: Input should be a JSON object"
        [error] = assert_problem(domain, 422, "validation_error")["errors"]
        assert error["msg"].startswith("not a domain: ")
        assert "Value error" not in domain.json()["detail"]
        assert await _rows(session) == before

    async def test_unknown_query_enum_is_422(
        self, client: AsyncClient, headers: dict[str, str]
    ) -> None:
        response = await client.get(
            "/api/v1/accounts", headers=headers, params={"sort": "name; drop table accounts"}
        )

        body = assert_problem(response, 422, "validation_error")
        assert body["errors"][0]["loc"] == ["query", "sort"]

    @pytest.mark.parametrize(
        "path",
        [
            "/api/v1/accounts/1234-not-a-uuid",
            "/api/v1/users/123",
            "/api/v1/accounts/00000000-0000-0000-0000-00000000000g/restore",
        ],
    )
    async def test_bad_uuid_in_the_path_is_422(
        self, client: AsyncClient, headers: dict[str, str], path: str
    ) -> None:
        response = (
            await client.get(path, headers=headers)
            if "restore" not in path
            else (await client.post(path, headers=headers))
        )

        body = assert_problem(response, 422, "validation_error")
        assert body["errors"][0]["loc"][0] == "path"

    async def test_overlong_query_string_is_422(
        self, client: AsyncClient, headers: dict[str, str]
    ) -> None:
        response = await client.get("/api/v1/accounts", headers=headers, params={"q": "x" * 201})

        body = assert_problem(response, 422, "validation_error")
        assert body["errors"][0]["loc"] == ["query", "q"]

    async def test_nul_characters_are_refused_not_a_500(
        self, client: AsyncClient, session: AsyncSession, headers: dict[str, str]
    ) -> None:
        before = await _rows(session)

        response = await client.post(
            "/api/v1/accounts", headers=headers, json={"external_id": "a\x00b", "name": "N"}
        )

        assert_problem(response, 422, "validation_error")
        assert await _rows(session) == before
        searched = await client.get("/api/v1/accounts", headers=headers, params={"q": "a\x00"})
        assert_problem(searched, 422, "validation_error")


class TestBodySizeLimit:
    async def test_a_declared_oversized_body_is_413(
        self, client: AsyncClient, session: AsyncSession, headers: dict[str, str]
    ) -> None:
        before = await _rows(session)
        body = b'{"external_id": "x", "name": "' + b"x" * MAX_BODY_BYTES + b'"}'

        response = await client.post(
            "/api/v1/accounts",
            headers={**headers, "Content-Type": "application/json"},
            content=body,
        )

        assert_problem(response, 413, "payload_too_large")
        assert await _rows(session) == before

    async def test_a_streamed_oversized_body_is_413(
        self, client: AsyncClient, session: AsyncSession, headers: dict[str, str]
    ) -> None:
        # No Content-Length: the limit has to be enforced while reading.
        before = await _rows(session)

        async def chunks() -> AsyncIterator[bytes]:
            yield b'{"external_id": "x", "name": "'
            for _ in range(11):
                yield b"x" * 1_000_000
            yield b'"}'

        response = await client.post(
            "/api/v1/accounts",
            headers={**headers, "Content-Type": "application/json"},
            content=chunks(),
        )

        assert_problem(response, 413, "payload_too_large")
        assert await _rows(session) == before

    async def test_a_body_just_under_the_limit_is_read(
        self, client: AsyncClient, headers: dict[str, str]
    ) -> None:
        padding = b" " * (MAX_BODY_BYTES - 100)
        body = b'{"external_id": "x", "name": "N"' + padding + b"}"

        response = await client.post(
            "/api/v1/accounts",
            headers={**headers, "Content-Type": "application/json"},
            content=body,
        )

        assert response.status_code == 201, response.text

    async def test_a_non_numeric_content_length_is_refused(
        self, client: AsyncClient, headers: dict[str, str]
    ) -> None:
        response = await client.post(
            "/api/v1/accounts",
            headers={**headers, "Content-Type": "application/json", "Content-Length": "lots"},
            content=b"{}",
        )

        assert_problem(response, 413, "payload_too_large")


class TestHttpErrors:
    @pytest.mark.parametrize(
        ("method", "path", "status", "code"),
        [
            ("GET", "/api/v1/nowhere", 404, "not_found"),
            ("PUT", "/api/v1/accounts", 405, "method_not_allowed"),
            ("DELETE", "/api/v1/me", 405, "method_not_allowed"),
            # A word where an id would be is a route's name, not a malformed id.
            ("GET", "/api/v1/accounts/batch", 405, "method_not_allowed"),
            ("GET", "/api/v1/subscriptions/batch", 405, "method_not_allowed"),
            ("GET", "/api/v1/accounts/nowhere", 404, "not_found"),
            ("GET", "/api/v1/accounts", 401, "invalid_token"),
        ],
    )
    async def test_are_problem_json(
        self, client: AsyncClient, method: str, path: str, status: int, code: str
    ) -> None:
        response = await client.request(method, path)

        assert_problem(response, status, code)

    async def test_a_domain_error_carries_its_code_and_detail(
        self, client: AsyncClient, headers: dict[str, str], admin: User
    ) -> None:
        response = await client.get(f"/api/v1/accounts/{admin.id}", headers=headers)

        body = assert_problem(response, 404, "account_not_found")
        assert body == {
            "type": "about:blank",
            "title": "Account not found",
            "status": 404,
            "detail": "Account not found",
            "code": "account_not_found",
        }


class TestRefusedRequestsChangeNothing:
    @pytest.mark.parametrize(
        ("payload", "status"),
        [
            ({"external_id": "", "name": "N"}, 422),
            ({"external_id": "x" * 201, "name": "N"}, 422),
            # A CSM that is not one: the payload is well formed, what is stored refuses it.
            (
                {
                    "external_id": "x",
                    "name": "N",
                    "csm_ids": ["00000000-0000-0000-0000-000000000000"],
                },
                409,
            ),
            ({"external_id": "x", "name": "N", "csm_ids": [f"{n:032x}" for n in range(21)]}, 422),
        ],
    )
    async def test_on_create(
        self,
        client: AsyncClient,
        session: AsyncSession,
        headers: dict[str, str],
        payload: dict[str, Any],
        status: int,
    ) -> None:
        before = await _rows(session)

        response = await client.post("/api/v1/accounts", headers=headers, json=payload)

        assert response.status_code == status
        assert response.headers["content-type"] == "application/problem+json"
        assert await _rows(session) == before


class TestTransientDatabaseConflicts:
    async def test_a_deadlock_is_a_503_to_retry_not_a_500(self, engine: AsyncEngine) -> None:
        """A real deadlock between two connections, rendered by the app's handler."""
        async with engine.connect() as first, engine.connect() as second:
            await first.execute(text("SELECT pg_advisory_xact_lock(731001)"))
            await second.execute(text("SELECT pg_advisory_xact_lock(731002)"))
            outcomes = await asyncio.gather(
                first.execute(text("SELECT pg_advisory_xact_lock(731002)")),
                second.execute(text("SELECT pg_advisory_xact_lock(731001)")),
                return_exceptions=True,
            )
            await first.rollback()
            await second.rollback()
        errors = [o for o in outcomes if isinstance(o, DBAPIError)]
        assert len(errors) == 1

        response = await handle_database_error(Request({"type": "http"}), errors[0])

        assert response.status_code == 503
        assert response.headers["retry-after"] == "1"
        assert json.loads(response.body)["code"] == "try_again"


class TestValuesOutOfRange:
    async def test_a_number_or_time_past_postgresqls_range_is_a_422(
        self, engine: AsyncEngine
    ) -> None:
        """What bounded inputs leave possible (stored figures multiplied past numeric's range),
        from a real server, rendered by the app's handler."""
        errors = []
        async with engine.connect() as conn:
            for query in (
                "SELECT 10::numeric ^ 200000",
                "SELECT 2147483647::int + 1",
                "SELECT make_timestamp(300000, 1, 1, 0, 0, 0)",
            ):
                try:
                    await conn.execute(text(query))
                except DBAPIError as exc:
                    errors.append(exc)
                await conn.rollback()
        assert len(errors) == 3

        for error in errors:
            response = await handle_database_error(Request({"type": "http"}), error)
            assert response.status_code == 422, error
            assert json.loads(response.body)["code"] == "out_of_range"


class TestUnexpectedErrors:
    async def test_a_fault_is_a_logged_500_problem_the_server_need_not_close_for(
        self,
        client: AsyncClient,
        headers: dict[str, str],
        monkeypatch: pytest.MonkeyPatch,
        caplog: pytest.LogCaptureFixture,
    ) -> None:
        """An error nothing expected is answered and not raised on to the server (this client
        raises what the app raises): uvicorn closes a connection whose request raised, and a
        pooled client's next request on it would fail."""

        async def fault(*_: Any) -> None:
            raise RuntimeError("a fault")

        monkeypatch.setattr(users, "describe_me", fault)

        response = await client.get("/api/v1/me", headers=headers)

        body = assert_problem(response, 500, "internal_error")
        assert "logged" in body["detail"]
        assert response.headers["x-request-id"]
        assert any(r.exc_info and r.exc_info[1].args == ("a fault",) for r in caplog.records)
