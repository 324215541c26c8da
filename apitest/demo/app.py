"""`create_app`: the Starlette application of the reference trips service.

One function wires the parts (state, routes, faults, error handlers) so an in-process test can
build an app without a socket and `DemoServer` can serve the very same thing.
"""

from __future__ import annotations

from starlette.applications import Starlette
from starlette.exceptions import HTTPException
from starlette.middleware import Middleware
from starlette.requests import ClientDisconnect, Request
from starlette.responses import Response

from apitest.demo import destinations, oauth_routes, trips
from apitest.demo.api import DemoState, error_response
from apitest.demo.config import DemoConfig
from apitest.demo.faults import FaultInjector

_HTTP_CODES = {404: "INVALID_URL_PATTERN", 405: "METHOD_NOT_ALLOWED"}


def create_app(config: DemoConfig | None = None) -> Starlette:
    """A fresh service with its own in-memory state, reachable as `app.state.demo`."""
    config = config or DemoConfig()
    state = DemoState.create(config)

    async def http_error(request: Request, exc: Exception) -> Response:
        # Unknown paths and methods answer in the API's error format rather than plain text.
        assert isinstance(exc, HTTPException)
        code = _HTTP_CODES.get(exc.status_code, "INVALID_REQUEST")
        message = f"{request.method} {request.url.path}: {exc.detail}"
        return error_response(state, exc.status_code, code, message, dict(exc.headers or {}))

    async def gone(request: Request, exc: Exception) -> Response:
        # The client went away mid-request (a run interrupted, a call timed out): nobody is
        # left to answer, and it is no fault of the service, so no traceback in its log.
        return Response(status_code=499)

    app = Starlette(
        routes=[*trips.routes(state), *destinations.routes(state), *oauth_routes.routes(state)],
        middleware=[Middleware(FaultInjector, config=config)],
        exception_handlers={HTTPException: http_error, ClientDisconnect: gone},
    )
    app.state.demo = state
    return app
