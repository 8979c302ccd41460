import gc
import re

from httpx import AsyncClient

from api.app import create_app
from domain.common.settings import Settings


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


class TestApiDocs:
    """The docs render without internet: every script and style comes from Tenure itself."""

    async def test_swagger_ui_and_redoc_load_their_assets_from_tenure(
        self, client: AsyncClient
    ) -> None:
        for page in ("/api/docs", "/api/redoc"):
            response = await client.get(page)
            assert response.status_code == 200
            html = response.text
            assert "/api/v1/openapi.json" in html
            assert "https://" not in html and "http://" not in html, page
            assets = re.findall(r'(?:src|href)="(/api/docs-assets/[^"]+)"', html)
            assert any(a.endswith(".js") for a in assets), page
            for asset in assets:
                served = await client.get(asset)
                assert served.status_code == 200, asset
                assert len(served.content) > 1000, asset


async def test_startup_sizes_the_pool_and_keeps_its_heap_out_of_the_collector(
    settings: Settings,
) -> None:
    app = create_app(settings.model_copy(update={"database_pool_size": 7}), serve_spa=False)
    gc.unfreeze()
    try:
        async with app.router.lifespan_context(app):
            assert gc.get_freeze_count() > 0
            assert app.state.engine.pool.size() == 7
    finally:
        gc.unfreeze()
