"""Inbound webhooks: Standard Webhooks signatures, stale timestamps, replays and rotation."""

import json
import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from fastapi import FastAPI
from httpx import AsyncClient
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession
from standardwebhooks.webhooks import Webhook

from domain.audit import service as audit
from domain.audit.models import AuditEntry
from domain.common.schemas import BatchResult
from domain.common.settings import Settings
from domain.integration import webhooks
from domain.orgs.models import Organisation
from domain.users.actor import Actor
from domain.users.models import User
from tests.factories import auth_headers, create_user
from tests.helpers import assert_problem


@pytest.fixture
def headers(settings: Settings, admin: User) -> dict[str, str]:
    return auth_headers(settings, admin)


@pytest.fixture(autouse=True)
def echo_type(monkeypatch: pytest.MonkeyPatch) -> None:
    """A webhook type that writes one audit entry per item, so a replay would show."""

    async def ingest(session: AsyncSession, actor: Actor, data: Any) -> BatchResult:
        items = data["items"]
        for item in items:
            audit.record_for(session, actor, "test.echo", "echo", None, after={"item": item})
        return BatchResult(accepted=len(items), rejected=0, errors=[], records=[])

    monkeypatch.setitem(webhooks.HANDLERS, "test.echo", ingest)


async def _secret(client: AsyncClient, headers: dict[str, str]) -> str:
    response = await client.post("/api/v1/webhook-secrets", headers=headers)
    assert response.status_code == 201, response.text
    secret: str = response.json()["secret"]
    return secret


def _signed(
    secret: str,
    body: dict[str, Any] | bytes,
    *,
    webhook_id: str | None = None,
    at: datetime | None = None,
) -> tuple[bytes, dict[str, str]]:
    raw = body if isinstance(body, bytes) else json.dumps(body).encode()
    webhook_id = webhook_id or f"msg_{uuid.uuid4().hex}"
    at = at or datetime.now(UTC)
    signature = Webhook(secret).sign(webhook_id, at, raw.decode())
    return raw, {
        "webhook-id": webhook_id,
        "webhook-timestamp": str(int(at.timestamp())),
        "webhook-signature": signature,
        "content-type": "application/json",
    }


async def _echoes(session: AsyncSession) -> int:
    return (
        await session.scalar(
            select(func.count()).select_from(AuditEntry).where(AuditEntry.action == "test.echo")
        )
        or 0
    )


ECHO = {"type": "test.echo", "data": {"items": [1, 2]}}


class TestReceiving:
    async def test_a_signed_webhook_is_ingested(
        self, client: AsyncClient, session: AsyncSession, org: Organisation, headers: dict[str, str]
    ) -> None:
        body, signed = _signed(await _secret(client, headers), ECHO)

        response = await client.post(f"/api/v1/webhooks/{org.id}", content=body, headers=signed)

        assert response.status_code == 200, response.text
        assert response.json() | {"webhook_id": None} == {
            "webhook_id": None,
            "type": "test.echo",
            "accepted": 2,
            "rejected": 0,
            "errors": [],
            "records": [],
            "replayed": False,
            "change": None,
        }
        assert await _echoes(session) == 2

    async def test_a_replay_changes_nothing_and_gets_the_first_receipt(
        self, client: AsyncClient, session: AsyncSession, org: Organisation, headers: dict[str, str]
    ) -> None:
        body, signed = _signed(await _secret(client, headers), ECHO)
        first = await client.post(f"/api/v1/webhooks/{org.id}", content=body, headers=signed)

        again = await client.post(f"/api/v1/webhooks/{org.id}", content=body, headers=signed)

        assert again.status_code == 200
        assert again.json() == {**first.json(), "replayed": True}
        assert await _echoes(session) == 2

    async def test_a_retry_gets_the_ids_the_first_delivery_gave_its_records(
        self, client: AsyncClient, org: Organisation, headers: dict[str, str]
    ) -> None:
        accounts = {
            "type": "accounts.upsert",
            "data": {"items": [{"external_id": "wh-1", "name": "W"}]},
        }
        body, signed = _signed(await _secret(client, headers), accounts)
        first = await client.post(f"/api/v1/webhooks/{org.id}", content=body, headers=signed)
        assert [r["external_id"] for r in first.json()["records"]] == ["wh-1"], first.text

        again = await client.post(f"/api/v1/webhooks/{org.id}", content=body, headers=signed)

        assert again.json() == {**first.json(), "replayed": True}
        assert again.json()["change"] is not None

    @pytest.mark.parametrize(
        "tamper",
        [
            "body",
            "signature",
            "wrong_secret",
            "stale",
            "future",
            "no_headers",
            "garbage_signature",
            "garbage_timestamp",
        ],
    )
    async def test_bad_signatures_and_timestamps_are_401_and_change_nothing(
        self,
        client: AsyncClient,
        session: AsyncSession,
        org: Organisation,
        headers: dict[str, str],
        tamper: str,
    ) -> None:
        secret = await _secret(client, headers)
        at = datetime.now(UTC)
        if tamper == "stale":
            at -= timedelta(minutes=6)
        if tamper == "future":
            at += timedelta(minutes=6)
        other = "whsec_" + "A" * 43 + "="
        body, signed = _signed(other if tamper == "wrong_secret" else secret, ECHO, at=at)
        if tamper == "body":
            body = body.replace(b"[1, 2]", b"[1, 2, 3]")
        if tamper == "signature":
            signed["webhook-signature"] = "v1," + "A" * 43 + "="
        if tamper == "no_headers":
            signed = {"content-type": "application/json"}
        if tamper == "garbage_signature":
            signed["webhook-signature"] = "v1 no-comma !!!"
        if tamper == "garbage_timestamp":
            signed["webhook-timestamp"] = "yesterday"

        response = await client.post(f"/api/v1/webhooks/{org.id}", content=body, headers=signed)

        assert_problem(response, 401, "invalid_webhook_signature")
        assert await _echoes(session) == 0

    async def test_an_organisation_without_a_secret_or_unknown_refuses_everything(
        self, client: AsyncClient, org: Organisation
    ) -> None:
        body, signed = _signed("whsec_" + "A" * 43 + "=", ECHO)

        for target in (org.id, uuid.uuid4()):
            response = await client.post(f"/api/v1/webhooks/{target}", content=body, headers=signed)
            assert_problem(response, 401)

    async def test_another_organisations_secret_does_not_sign_for_this_one(
        self,
        client: AsyncClient,
        settings: Settings,
        org: Organisation,
        other_org: Organisation,
        session: AsyncSession,
        headers: dict[str, str],
    ) -> None:
        await _secret(client, headers)
        foreign_admin = await create_user(session, other_org, role_name="Admin")
        foreign = await _secret(client, auth_headers(settings, foreign_admin))
        body, signed = _signed(foreign, ECHO)

        assert_problem(
            await client.post(f"/api/v1/webhooks/{org.id}", content=body, headers=signed), 401
        )

    @pytest.mark.parametrize(
        ("body", "code", "said"),
        [
            # As a batch route answers a body it cannot read, saying where it is wrong.
            (b"not json", "invalid_batch", "body: Invalid JSON: expected ident at line 1 column 2"),
            (json.dumps({"data": {}}).encode(), "invalid_batch", "type: Field required"),
            (json.dumps({"type": "x"}).encode(), "invalid_batch", "data: Field required"),
            (json.dumps({"type": 5, "data": {}}).encode(), "invalid_batch", "type: Input should"),
            (json.dumps([]).encode(), "invalid_batch", "body: Input should be a JSON object"),
            (json.dumps({"type": "nope", "data": {}}).encode(), "unknown_webhook_type", "nope"),
        ],
    )
    async def test_a_signed_but_unusable_body_is_422(
        self,
        client: AsyncClient,
        org: Organisation,
        headers: dict[str, str],
        body: bytes,
        code: str,
        said: str,
    ) -> None:
        raw, signed = _signed(await _secret(client, headers), body)

        response = await client.post(f"/api/v1/webhooks/{org.id}", content=raw, headers=signed)

        assert said in assert_problem(response, 422, code)["detail"]


class TestTheDocumentedWebhook:
    """What openapi.json tells a sender, and so every client generated from it."""

    @staticmethod
    def _operation(app: FastAPI) -> dict[str, Any]:
        operation: dict[str, Any] = app.openapi()["paths"]["/api/v1/webhooks/{org_id}"]["post"]
        return operation

    async def test_the_example_is_accepted(
        self,
        client: AsyncClient,
        app_instance: FastAPI,
        org: Organisation,
        headers: dict[str, str],
    ) -> None:
        body = self._operation(app_instance)["requestBody"]["content"]["application/json"]
        raw, signed = _signed(await _secret(client, headers), body["example"])

        response = await client.post(f"/api/v1/webhooks/{org.id}", content=raw, headers=signed)

        assert response.status_code == 200, response.text
        assert (response.json()["accepted"], response.json()["rejected"]) == (1, 0)

    def test_the_body_is_one_envelope_per_type_with_typed_data(self, app_instance: FastAPI) -> None:
        schemas = app_instance.openapi()["components"]["schemas"]
        body = self._operation(app_instance)["requestBody"]["content"]["application/json"]
        webhook = schemas[body["schema"]["$ref"].rsplit("/", 1)[1]]

        mapping = webhook["discriminator"]["mapping"]
        assert webhook["discriminator"]["propertyName"] == "type"
        assert set(mapping) == set(webhooks.HANDLERS) - {"test.echo"}
        assert [one["$ref"] for one in webhook["oneOf"]] == sorted(mapping.values())
        accounts = schemas[mapping["accounts.upsert"].rsplit("/", 1)[1]]
        assert accounts["properties"]["type"]["const"] == "accounts.upsert"
        assert accounts["properties"]["data"]["anyOf"] == [
            {"$ref": "#/components/schemas/AccountUpsertBatch"},
            {"$ref": "#/components/schemas/AccountUpsert"},
        ]
        events = schemas[mapping["events.batch"].rsplit("/", 1)[1]]
        assert events["properties"]["data"] == {"$ref": "#/components/schemas/EventBatch"}
        assert schemas["EventBatch"]["properties"]["items"]["items"] == {
            "$ref": "#/components/schemas/EventCreate"
        }

    def test_the_signature_headers_are_required(self, app_instance: FastAPI) -> None:
        declared = {
            p["name"]: p["required"]
            for p in self._operation(app_instance)["parameters"]
            if p["in"] == "header"
        }

        assert declared == {
            "webhook-id": True,
            "webhook-timestamp": True,
            "webhook-signature": True,
        }


class TestSecrets:
    async def test_rotation_keeps_the_old_secret_working_for_a_day(
        self, client: AsyncClient, org: Organisation, headers: dict[str, str]
    ) -> None:
        old = await _secret(client, headers)
        new = await _secret(client, headers)

        for secret in (old, new):
            body, signed = _signed(secret, ECHO)
            response = await client.post(f"/api/v1/webhooks/{org.id}", content=body, headers=signed)
            assert response.status_code == 200, response.text
        listed = (await client.get("/api/v1/webhook-secrets", headers=headers)).json()
        assert [s["retired_at"] is None for s in listed] == [True, False]
        assert listed[0]["hint"] == "…" + new[-4:] and "secret" not in listed[0]

    async def test_only_connector_admins_see_or_rotate_secrets(
        self, client: AsyncClient, session: AsyncSession, settings: Settings, org: Organisation
    ) -> None:
        csm = auth_headers(settings, await create_user(session, org, role_name="CSM"))

        assert_problem(await client.get("/api/v1/webhook-secrets", headers=csm), 403)
        assert_problem(await client.post("/api/v1/webhook-secrets", headers=csm), 403)


async def test_events_arrive_by_webhook_once_however_often_it_is_delivered(
    client: AsyncClient, session: AsyncSession, org: Organisation, headers: dict[str, str]
) -> None:
    from domain.usage.models import UsageEvent

    event = {
        "message_id": "m-1",
        "name": "Report Exported",
        "contact_external_id": "user-42",
        "occurred_at": "2026-11-20T09:30:00Z",
    }
    secret = await _secret(client, headers)
    sent = []
    # The sender retries with the same webhook-id; another webhook repeats the message id.
    for webhook_id in ("msg_a", "msg_a", "msg_b"):
        body, signed = _signed(
            secret, {"type": "events.batch", "data": {"items": [event]}}, webhook_id=webhook_id
        )
        response = await client.post(f"/api/v1/webhooks/{org.id}", content=body, headers=signed)
        assert response.status_code == 200, response.text
        sent.append(response.json())

    assert [(r["accepted"], r["replayed"]) for r in sent] == [(1, False), (1, True), (1, False)]
    stored = select(func.count()).select_from(UsageEvent).where(UsageEvent.org_id == org.id)
    assert await session.scalar(stored) == 1
