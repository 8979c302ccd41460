import gc
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

from fastapi import FastAPI
from fastapi.responses import FileResponse
from fastapi.staticfiles import StaticFiles
from fastapi_offline import FastAPIOffline

from api import errors
from api.middleware import (
    ActiveRequestLimit,
    ApiCallLog,
    BodySizeLimit,
    GzipRequests,
    RequestContext,
    SegmentAnswers,
    StorableText,
)
from api.openapi import add_components, operation_id
from api.routers import (
    account_imports,
    account_settings,
    account_views,
    accounts,
    alerts,
    api_keys,
    attribute_triggers,
    audit,
    auth,
    churn,
    contacts,
    events,
    freshness,
    health,
    interactions,
    me,
    metrics,
    notifications,
    organisation,
    reports,
    revenue,
    roles,
    segment,
    setup,
    system,
    task_views,
    tasks,
    usage,
    users,
    webhooks,
)
from api.routing import AreaRouter, InSession
from domain.common.db import create_engine, create_read_sessionmaker, create_sessionmaker
from domain.common.logging import configure_logging
from domain.common.settings import Settings, get_settings
from workers import queue

SPA_DIST = Path(__file__).resolve().parent.parent / "frontend" / "dist"
MAX_BODY_BYTES = 10_000_000
API_PREFIX = "/api/v1"


def create_app(settings: Settings | None = None, *, serve_spa: bool = True) -> FastAPI:
    settings = settings or get_settings()

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        configure_logging(
            settings.log_level, as_json=settings.log_json, access_log_file=settings.access_log_file
        )
        app.state.engine = create_engine(
            settings.async_database_url, pool_size=settings.database_pool_size
        )
        app.state.sessionmaker = create_sessionmaker(app.state.engine)
        # At most `web_active_requests` requests work at once (`ActiveRequestLimit`): as many
        # connections, and no more, for the reads whose plans PostgreSQL may keep.
        app.state.generic_engine = create_engine(
            settings.async_database_url,
            pool_size=settings.web_active_requests,
            max_overflow=0,
            plans="generic",
        )
        app.state.read_sessionmaker = create_read_sessionmaker(
            app.state.engine, generic=app.state.generic_engine
        )
        app.state.redis = await queue.connect(settings.redis_url)
        # What startup made (routes, schemas, mappers, compiled statements) lives as long as
        # the process: kept out of the collector, whose full passes would walk it again and
        # again while requests wait.
        gc.collect()
        gc.freeze()
        yield
        await app.state.redis.aclose()
        await app.state.engine.dispose()
        await app.state.generic_engine.dispose()

    # The docs' scripts and styles are served from the package's own copy (no CDN), so they
    # render on a network without internet.
    app = FastAPIOffline(
        docs_url="/api/docs",
        redoc_url="/api/redoc",
        static_url="/api/docs-assets",
        title="Tenure API",
        version="1.0.0",
        summary="Customer-success platform: accounts, their activity, usage, metrics and revenue.",
        lifespan=lifespan,
        generate_unique_id_function=operation_id,
        separate_input_output_schemas=False,
        openapi_url="/api/v1/openapi.json",
    )
    app.state.settings = settings
    # A route added to the app itself ends its request's session too (`InSession`).
    app.router.route_class = InSession
    errors.install(app)
    # Innermost: a request takes its turn with its body received (and a JSON body checked).
    app.add_middleware(ActiveRequestLimit, limit=settings.web_active_requests)
    # It reads the body through BodySizeLimit's limit.
    app.add_middleware(StorableText)
    # Between the two: the limit applies to the bytes received and to what they inflate to.
    app.add_middleware(GzipRequests, max_bytes=MAX_BODY_BYTES)
    app.add_middleware(BodySizeLimit, max_bytes=MAX_BODY_BYTES)
    # Outside every producer of errors, so all of Segment's routes' errors carry its members.
    app.add_middleware(SegmentAnswers, prefix=f"{API_PREFIX}/segment")
    # Inside RequestContext, so the log line carries the request id.
    app.add_middleware(ApiCallLog)
    app.add_middleware(RequestContext)

    # Each area's router is included straight into the app: FastAPI matches an included router
    # by walking its routes (and re-walking nested ones), so one /api/v1 router around them all
    # doubled the matching work of every request.
    for router in (
        setup,
        auth,
        me,
        users,
        roles,
        organisation,
        accounts,
        account_settings,
        account_views,
        account_imports,
        attribute_triggers,
        interactions,
        api_keys,
        webhooks,
        contacts,
        events,
        usage,
        segment,
        revenue,
        metrics,
        health,
        churn,
        alerts,
        tasks,
        reports,
        notifications,
        task_views,
        freshness,
        audit,
    ):
        include(app, router.router, API_PREFIX)
    include(app, system.router, "")
    add_components(app, webhooks.body_schemas)

    if serve_spa and (SPA_DIST / "index.html").exists():
        _serve_spa(app)
    return app


def include(app: FastAPI, router: AreaRouter, prefix: str) -> None:
    """`router` under `prefix`, which it is told: it declines paths by what follows it."""
    router.included_at = prefix
    app.include_router(router, prefix=prefix)


def _serve_spa(app: FastAPI) -> None:
    """The built SPA on `/`; any unknown non-API path gets index.html so client routes work."""
    app.mount("/assets", StaticFiles(directory=SPA_DIST / "assets"), name="assets")
    index = SPA_DIST / "index.html"

    @app.get("/{path:spa}", include_in_schema=False)
    async def spa(path: str) -> FileResponse:
        candidate = (SPA_DIST / path).resolve()
        if path and candidate.is_file() and candidate.is_relative_to(SPA_DIST):
            return FileResponse(candidate)
        return FileResponse(index, headers={"Cache-Control": "no-cache"})
