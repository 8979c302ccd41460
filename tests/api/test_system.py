from httpx import AsyncClient


async def test_liveness(client: AsyncClient) -> None:
    response = await client.get("/healthz")
    assert response.json() == {"status": "ok", "checks": {}}


async def test_readiness_checks_database_and_redis(client: AsyncClient) -> None:
    response = await client.get("/readyz")
    assert response.status_code == 200
    assert response.json()["checks"] == {"database": "ok", "redis": "ok"}


async def test_request_id_is_echoed_or_made(client: AsyncClient) -> None:
    given = await client.get("/healthz", headers={"X-Request-ID": "abc123"})
    assert given.headers["x-request-id"] == "abc123"
    made = await client.get("/healthz")
    assert len(made.headers["x-request-id"]) == 32


async def test_unknown_route_is_problem_json(client: AsyncClient) -> None:
    response = await client.get("/api/v1/nope")
    assert response.status_code == 404
    assert response.headers["content-type"] == "application/problem+json"
    assert response.json()["code"] == "not_found"
