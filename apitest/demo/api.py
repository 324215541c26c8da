"""What every endpoint of the API shares: the state, token checks, error bodies, JSON input.

Endpoints raise `ApiError` (or `InvalidInput`) and `guarded` turns it into the declared
`{"code", "message", "status": "error"}` body, so the `error-200` defect mode can bend every
error answer in one place and no endpoint can forget the error format.
"""

from __future__ import annotations

import json
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from apitest.demo.config import DemoConfig
from apitest.demo.oauth import Authority
from apitest.demo.store import JsonObject, Store
from apitest.demo.throttle import Throttle
from apitest.demo.validate import INVALID_DATA, InvalidInput

Endpoint = Callable[[Request], Awaitable[Response]]

ANONYMOUS = "anonymous"
_TOKEN_SCHEMES = ("zoho-oauthtoken", "bearer")


@dataclass(frozen=True)
class DemoState:
    """The live state of one service instance; tests reach it through `DemoServer.state`."""

    config: DemoConfig
    store: Store
    authority: Authority
    put_throttle: Throttle

    @classmethod
    def create(cls, config: DemoConfig) -> DemoState:
        throttle = Throttle(
            config.throttle_threshold,
            config.throttle_window_ms / 1000,
            config.throttle_lock_ms / 1000,
        )
        return cls(config, Store(config.lag_ms / 1000), Authority(config.token_ttl_s), throttle)


class ApiError(Exception):
    """An error answer: HTTP status, the body's `code` and `message`, extra headers."""

    def __init__(
        self, status: int, code: str, message: str, headers: dict[str, str] | None = None
    ) -> None:
        super().__init__(message)
        self.status = status
        self.code = code
        self.message = message
        self.headers = headers or {}


def not_found(what: str, ids: list[str]) -> ApiError:
    return ApiError(404, "NOT_FOUND", f"no {what} with id {', '.join(ids)}")


def error_response(
    state: DemoState, status: int, code: str, message: str, headers: dict[str, str] | None = None
) -> JSONResponse:
    """The declared error body; status 200 under the `error-200` defect mode."""
    if state.config.has_bug("error-200"):
        status = 200
    body = {"code": code, "message": message, "status": "error"}
    return JSONResponse(body, status_code=status, headers=headers)


def success(message: str, status: int = 200, details: JsonObject | None = None) -> JSONResponse:
    body: JsonObject = {"code": "SUCCESS", "message": message, "status": "success"}
    if details is not None:
        body["details"] = details
    return JSONResponse(body, status_code=status)


def guarded(state: DemoState, endpoint: Endpoint) -> Endpoint:
    """Wrap an endpoint so its ApiError / InvalidInput become declared error answers."""

    async def run(request: Request) -> Response:
        try:
            return await endpoint(request)
        except InvalidInput as exc:
            return error_response(state, 400, exc.code, exc.message)
        except ApiError as exc:
            return error_response(state, exc.status, exc.code, exc.message, exc.headers)

    return run


def authorize(state: DemoState, request: Request, scope: str) -> str:
    """The client id behind the request's token, checked for `scope`; else 401 or 403."""
    if state.config.has_bug("no-auth"):
        return ANONYMOUS
    scheme, _, token = request.headers.get("authorization", "").strip().partition(" ")
    token = token.strip()
    grant = None
    if scheme.lower() in _TOKEN_SCHEMES and token:
        grant = state.authority.verify(token)
    elif scheme and not token:
        grant = state.authority.verify(scheme)  # a bare token, as a <token> schema sends it
    if grant is None:
        raise ApiError(
            401,
            "INVALID_TOKEN",
            "the access token is missing, invalid or expired; send 'Authorization: "
            "Zoho-oauthtoken <token>'",
            {"WWW-Authenticate": 'Bearer error="invalid_token"'},
        )
    if scope not in grant.scopes:
        raise ApiError(
            403,
            "OAUTH_SCOPE_MISMATCH",
            f"the access token lacks the scope {scope}",
            {"WWW-Authenticate": f'Bearer error="insufficient_scope", scope="{scope}"'},
        )
    return grant.client_id


async def read_json(request: Request) -> Any:
    """The request body as JSON (strict: no NaN or Infinity), else INVALID_DATA."""
    raw = await request.body()
    try:
        return json.loads(raw.decode("utf-8"), parse_constant=_refuse_constant)
    except (UnicodeDecodeError, ValueError, RecursionError):
        raise InvalidInput(INVALID_DATA, "the request body is not valid JSON") from None


def _refuse_constant(name: str) -> Any:
    raise ValueError(f"{name} is not JSON")
