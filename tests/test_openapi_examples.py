"""The request examples `openapi.json` shows integrators are requests Tenure accepts: every
operation's example, sent as it is to the demo organisation (whose names the examples use), is
stored whole: with an API key where the operation takes one, else as the admin, and signed with
the organisation's secret for the inbound webhook."""

import asyncio
import json
import uuid
from datetime import UTC, datetime
from typing import Any

from httpx import AsyncClient
from sqlalchemy.ext.asyncio import AsyncSession
from standardwebhooks.webhooks import Webhook

from domain.common.settings import Settings
from domain.integration.models import ApiScope
from scripts import demo
from tests.factories import auth_headers, create_api_key, user_by_role

# Accounts first: the other examples name the account the first one creates.
FIRST = "/api/v1/accounts/upsert"
WEBHOOK = "/api/v1/webhooks/{org_id}"
# A new install's first organisation: sent before the demo is loaded, as only then it may be.
SETUP = "/api/v1/setup"
# Sending them all takes seconds: a hang is a failure, not a stuck suite.
TIME_LIMIT_SECONDS = 120


def _example(content: dict[str, Any], schemas: dict[str, Any]) -> Any:
    if "example" in content:
        return content["example"]
    schema = content.get("schema", {})
    if ref := schema.get("$ref"):
        schema = schemas[ref.rsplit("/", 1)[-1]]
    listed = schema.get("examples")
    return listed[0] if listed else None


def _signed(secret: str, example: Any) -> tuple[bytes, dict[str, str]]:
    body = json.dumps(example)
    webhook_id, at = f"msg_{uuid.uuid4().hex}", datetime.now(UTC)
    return body.encode(), {
        "webhook-id": webhook_id,
        "webhook-timestamp": str(int(at.timestamp())),
        "webhook-signature": Webhook(secret).sign(webhook_id, at, body),
        "content-type": "application/json",
    }


async def test_every_request_example_is_accepted(
    session: AsyncSession, client: AsyncClient, app: Any, settings: Settings
) -> None:
    document = app.openapi()
    schemas = document["components"]["schemas"]
    setup = document["paths"][SETUP]["post"]["requestBody"]["content"]["application/json"]
    first = await client.post(SETUP, json=_example(setup, schemas))
    assert first.status_code < 300, first.text
    org = await demo.load(session)
    _, key = await create_api_key(session, org, ApiScope.FULL)
    admin = auth_headers(settings, await user_by_role(session, org, "Admin"))
    await session.commit()
    sent: list[tuple[str, str, Any, dict[str, str]]] = []
    for path, operations in document["paths"].items():
        for method, operation in operations.items():
            content = operation.get("requestBody", {}).get("content", {}).get("application/json")
            example = _example(content, schemas) if content is not None else None
            if example is None or path == SETUP:
                continue
            schemes = {name for s in operation.get("security", []) for name in s}
            sent.append((method, path, example, key if "ApiKey" in schemes else admin))
    sent.sort(key=lambda item: item[1] != FIRST)
    # The ingestion routes, the Segment calls, the API key and the webhook at least.
    assert len(sent) >= 15, [path for _, path, _, _ in sent]
    assert WEBHOOK in {path for _, path, _, _ in sent}

    async with asyncio.timeout(TIME_LIMIT_SECONDS):
        for method, path, example, headers in sent:
            if path == WEBHOOK:
                secret = await client.post("/api/v1/webhook-secrets", headers=admin)
                body, headers = _signed(secret.json()["secret"], example)
                url = path.format(org_id=org.id)
                response = await client.request(method, url, content=body, headers=headers)
            else:
                assert "{" not in path, f"{path}: an example for a route with ids to fill in"
                response = await client.request(method, path, json=example, headers=headers)
            assert response.status_code < 300, (path, response.text)
            answer = response.json() if response.content else {}
            assert not answer.get("rejected"), (path, answer)
