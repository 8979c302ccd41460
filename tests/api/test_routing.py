"""Each area's router declines at once a path none of its routes begins like (`api.routing`):
every operation is still reached, and every router keeps the shortcut."""

import re
import uuid
from pathlib import Path
from typing import Any

import pytest
from httpx import ASGITransport, AsyncClient

from api import app as app_module
from api.app import create_app
from api.routers import system
from api.routing import AreaRouter, InSession
from tests.helpers import assert_problem


async def test_every_operation_is_routed_to(client: AsyncClient, app: Any) -> None:
    """Sent without credentials or a body, an operation answers for itself (401, 422, a 404
    naming what was not found...), never the router's "no such route" or "method not
    allowed"."""
    operations = [
        (method, path)
        for path, item in app.openapi()["paths"].items()
        for method in item
        if method in {"get", "post", "put", "patch", "delete"}
    ]
    assert len(operations) > 200
    unrouted = []
    for method, path in operations:
        concrete = re.sub(r"\{[^}]+\}", str(uuid.uuid4()), path)
        response = await client.request(method.upper(), concrete)
        if response.status_code == 405 or (
            response.status_code == 404 and response.json().get("detail") == "Not Found"
        ):
            unrouted.append(f"{method.upper()} {path}")
    assert unrouted == []


def test_every_router_declines_what_none_of_its_routes_begins_like() -> None:
    app = create_app(serve_spa=False)
    routers = [
        route.original_router  # FastAPI's wrapper of an included router
        for route in app.router.routes
        if isinstance(getattr(route, "original_router", None), AreaRouter)
    ]
    assert len(routers) == 30
    assert all(router.first_segments for router in routers)
    assert system.router.first_segments == {"healthz", "readyz"}
    assert system.router.included_at == ""
    api_routers = [router for router in routers if router is not system.router]
    assert {router.included_at for router in api_routers} == {"/api/v1"}


def test_every_route_ends_its_request_s_session() -> None:
    """`api.deps.Session` is ended by the route (`InSession`): a route of another class would
    leave its session open, its connection out of the pool. Routes added to the app itself
    (the SPA's, a test's) are of the class too."""
    app = create_app(serve_spa=False)
    routes = [
        route
        for included in app.router.routes
        if isinstance(router := getattr(included, "original_router", None), AreaRouter)
        for route in router.routes
    ]
    assert len(routes) > 200
    assert all(isinstance(route, InSession) for route in routes)

    async def added() -> None: ...

    app.add_api_route("/added", added)
    assert isinstance(app.router.routes[-1], InSession)


async def test_an_unknown_api_path_is_a_404_whatever_the_method(
    settings: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """With the SPA served, its GET route answers every other path: an API path no route has
    (a typo) is still a 404, not a 405 telling the integrator to change the method, and one
    with a trailing slash is redirected to the route, its method kept."""
    (tmp_path / "assets").mkdir()
    (tmp_path / "index.html").write_text("<!doctype html><title>Tenure</title>")
    monkeypatch.setattr(app_module, "SPA_DIST", tmp_path)
    served = create_app(settings, serve_spa=True)

    async with AsyncClient(transport=ASGITransport(served), base_url="http://test") as client:
        answers = [
            await client.request(method, path)
            for method, path in [
                ("POST", "/api/v1/acounts/batch"),
                ("DELETE", "/api/v1/accounts/null"),
                ("PUT", "/api"),
                ("GET", "/api/v2/accounts"),
            ]
        ]
        page = await client.get("/accounts/123")
        slashed = await client.post("/api/v1/accounts/batch/")

    for answer in answers:
        assert_problem(answer, 404, "not_found")
    assert (slashed.status_code, slashed.headers["location"]) == (
        307,
        "http://test/api/v1/accounts/batch",
    )
    assert page.status_code == 200
    assert "<title>Tenure</title>" in page.text


async def test_every_id_in_a_path_is_told_from_a_word(client: AsyncClient, app: Any) -> None:
    """Every `{..._id}` takes the `id` convertor (`api.routing.IdConvertor`), so a sibling
    route's word is not read as a malformed id: `GET /tickets/batch` (a route taking only
    POST) is a 405, not a 422 about a ticket id."""
    plain = [
        route.path
        for included in app.router.routes
        if isinstance(router := getattr(included, "original_router", None), AreaRouter)
        for route in router.routes
        if re.search(r"\{[a-z_]+_id\}", getattr(route, "path", ""))
    ]
    assert plain == []
    for path in ("/api/v1/tickets/batch", "/api/v1/interactions/batch"):
        assert_problem(await client.get(path), 405, "method_not_allowed")
