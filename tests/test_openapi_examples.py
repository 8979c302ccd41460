"""The request examples `openapi.json` shows integrators are requests Tenure accepts: each
ingestion operation's example, sent as it is with an API key to the demo organisation (whose
names the examples use), is stored whole."""

from typing import Any

from httpx import AsyncClient
from sqlalchemy.ext.asyncio import AsyncSession

from domain.integration.models import ApiScope
from scripts import demo
from tests.factories import create_api_key

# Accounts first: the other examples name the account the first one creates.
FIRST = "/api/v1/accounts/upsert"


def _example(content: dict[str, Any], schemas: dict[str, Any]) -> Any:
    if "example" in content:
        return content["example"]
    schema = content.get("schema", {})
    if ref := schema.get("$ref"):
        schema = schemas[ref.rsplit("/", 1)[-1]]
    listed = schema.get("examples")
    return listed[0] if listed else None


async def test_every_ingestion_example_is_accepted(
    session: AsyncSession, client: AsyncClient, app: Any
) -> None:
    org = await demo.load(session)
    _, key = await create_api_key(session, org, ApiScope.FULL)
    await session.commit()
    document = app.openapi()
    schemas = document["components"]["schemas"]
    sent: list[tuple[str, Any]] = []
    for path, operations in document["paths"].items():
        for method, operation in operations.items():
            schemes = {name for s in operation.get("security", []) for name in s}
            content = operation.get("requestBody", {}).get("content", {}).get("application/json")
            if method != "post" or "ApiKey" not in schemes or "{" in path or content is None:
                continue
            if (example := _example(content, schemas)) is not None:
                sent.append((path, example))
    sent.sort(key=lambda item: item[0] != FIRST)
    assert len(sent) >= 12, [path for path, _ in sent]

    for path, example in sent:
        response = await client.post(path, json=example, headers=key)
        assert response.status_code < 300, (path, response.text)
        answer = response.json() if response.content else {}
        assert not answer.get("rejected"), (path, answer)
