"""The HTTP face of the token authority: /oauth/v2/token and /oauth/v2/auth, Zoho style.

Zoho's accounts server takes token parameters in the query string as often as in a form body,
so both are read (the form wins). Client credentials may also come as HTTP Basic (RFC 6749
section 2.3.1). Every answer carries `Cache-Control: no-store`, as section 5.1 requires.
"""

from __future__ import annotations

import base64
import binascii
from urllib.parse import parse_qsl, unquote

from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from apitest.demo.api import DemoState
from apitest.demo.oauth import OAuthError

_NO_STORE = {"Cache-Control": "no-store", "Pragma": "no-cache"}


def routes(state: DemoState) -> list[Route]:
    """The OAuth routes of one service instance (outside the /api/v1 base path)."""

    async def token(request: Request) -> Response:
        try:
            params = dict(request.query_params)
            params.update(await _form(request))
            answer = state.authority.exchange(params, _basic_credentials(request))
        except OAuthError as exc:
            return _oauth_error(exc)
        answer["api_domain"] = str(request.base_url).rstrip("/")
        return JSONResponse(answer, headers=_NO_STORE)

    async def authorize(request: Request) -> Response:
        try:
            code = state.authority.authorize(dict(request.query_params))
        except OAuthError as exc:
            return _oauth_error(exc)
        return JSONResponse({"code": code}, headers=_NO_STORE)

    return [
        Route("/oauth/v2/token", token, methods=["POST"]),
        Route("/oauth/v2/auth", authorize, methods=["GET"]),
    ]


async def _form(request: Request) -> dict[str, str]:
    """The url-encoded body, parsed by hand so no multipart dependency is needed."""
    raw = await request.body()
    try:
        return dict(parse_qsl(raw.decode("utf-8"), keep_blank_values=True))
    except UnicodeDecodeError:
        raise OAuthError("invalid_request", "the body must be UTF-8 form data") from None


def _basic_credentials(request: Request) -> tuple[str, str] | None:
    scheme, _, value = request.headers.get("authorization", "").partition(" ")
    if scheme.lower() != "basic":
        return None
    try:
        decoded = base64.b64decode(value.strip(), validate=True).decode("utf-8")
    except (binascii.Error, UnicodeDecodeError):
        raise OAuthError("invalid_client", "malformed Basic credentials", status=401) from None
    client_id, _, secret = decoded.partition(":")
    return unquote(client_id), unquote(secret)


def _oauth_error(exc: OAuthError) -> JSONResponse:
    headers = dict(_NO_STORE)
    if exc.status == 401:
        headers["WWW-Authenticate"] = 'Basic realm="oauth"'
    body = {"error": exc.error, "error_description": exc.description}
    return JSONResponse(body, status_code=exc.status, headers=headers)
