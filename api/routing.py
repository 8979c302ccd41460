"""The API's routers: FastAPI's, each declining at once a request none of its routes can take."""

from collections.abc import Callable, Coroutine
from functools import cached_property
from typing import Any

from fastapi import APIRouter, Request, Response
from fastapi.routing import APIRoute
from starlette._utils import get_route_path  # how Starlette's own routes read the path
from starlette.convertors import PathConvertor, StringConvertor, register_url_convertor
from starlette.routing import Match
from starlette.types import Scope

from api.deps import end_session


class IdConvertor(StringConvertor):
    """A path's id (`{account_id:id}`): any segment but a word of a sibling route, so
    `GET /accounts/batch`, a route taking only POST, is a 405 rather than a malformed account
    id. A word holds a letter past `f`; an id (a UUID) holds none."""

    regex = "(?![a-z-]*[g-z][a-z-]*(?:/|$))[^/]+"


register_url_convertor("id", IdConvertor())


class SpaPathConvertor(PathConvertor):
    """A path of the SPA's (`{path:spa}`): any but the API's, so that an unknown API path is
    a 404 whatever its method, not a 405 from the SPA's GET route matching it."""

    regex = "(?!api(?:/|$)).*"


register_url_convertor("spa", SpaPathConvertor())


class InSession(APIRoute):
    """A route whose request's session (`api.deps.Session`) ends when its handler has returned
    or raised, before the response is sent (`end_session`)."""

    def get_route_handler(self) -> Callable[[Request], Coroutine[Any, Any, Response]]:
        handle = super().get_route_handler()

        async def handle_in_session(request: Request) -> Response:
            try:
                response = await handle(request)
            except BaseException as error:
                await end_session(request, error)
                raise
            await end_session(request, None)
            return response

        return handle_in_session


class AreaRouter(APIRouter):
    """An area's routes. FastAPI finds a request's route by trying the pattern of every route
    of every router included before it, in order: a request to `/healthz`, in the last router,
    spent more than half its CPU time on the 240 patterns before it. This router first looks at the
    path's first segment after where it is included (`included_at`, set by `include`), and
    when none of its routes begins with that segment, declines without trying them."""

    included_at = ""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, route_class=InSession, **kwargs)

    @cached_property
    def first_segments(self) -> frozenset[str] | None:
        """Its routes' first segments; None when one of them is a parameter (any segment)."""
        paths = [getattr(route, "path", "{}") for route in self.routes]
        segments = {path.lstrip("/").split("/", 1)[0] for path in paths}
        return None if any("{" in segment for segment in segments) else frozenset(segments)

    def matches(self, scope: Scope) -> tuple[Match, Scope]:
        segments = self.first_segments
        if segments is not None:
            path = get_route_path(scope)
            if not path.startswith(self.included_at):
                return Match.NONE, {}
            if path[len(self.included_at) :].lstrip("/").split("/", 1)[0] not in segments:
                return Match.NONE, {}
        return super().matches(scope)
