"""The HTTP face of the token authority, Zoho style, as specs/*.xml's `<authentication-schema>`
declares it: /oauth/v2/auth (authorization-url), /oauth/v2/token (token-url and refresh-url)
and /oauth/user/info (authentication-url).

The specs put every token parameter in the query string (`location="param"`, as ZEST's
official sample does); Zoho's accounts server takes them as often in a form body, and a
`<token>` schema may declare a JSON body, so all three are read (body over query).
Client credentials may also come as HTTP Basic (RFC 6749 section 2.3.1). Every answer carries
`Cache-Control: no-store`, as section 5.1 requires.
"""

from __future__ import annotations

import base64
import binascii
import json
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

    async def authorize_code(request: Request) -> Response:
        try:
            code = state.authority.authorize(dict(request.query_params))
        except OAuthError as exc:
            return _oauth_error(exc)
        return JSONResponse({"code": code}, headers=_NO_STORE)

    async def user_info(request: Request) -> Response:
        """Who the token speaks for (the authentication-url); 401 for a dead token."""
        scheme, _, token = request.headers.get("authorization", "").strip().partition(" ")
        grant = None
        if scheme.lower() in ("zoho-oauthtoken", "bearer") and token.strip():
            grant = state.authority.verify(token.strip())
        elif scheme and not token.strip():
            grant = state.authority.verify(scheme)  # a bare token (a <token> schema's)
        if grant is None:
            body = {"code": "INVALID_TOKEN", "message": "the access token is missing, invalid "
                    "or expired", "status": "error"}  # fmt: skip
            return JSONResponse(body, status_code=401, headers=_NO_STORE)
        info = {
            "First_Name": "Demo",
            "Last_Name": "Client",
            "Display_Name": "Travel demo client",
            "ZUID": 1000,
            "Email": "demo@travel.example",
        }
        return JSONResponse(info, headers=_NO_STORE)

    return [
        Route("/oauth/v2/token", token, methods=["POST"]),
        Route("/oauth/v2/auth", authorize_code, methods=["GET"]),
        Route("/oauth/user/info", user_info, methods=["GET"]),
    ]


async def _form(request: Request) -> dict[str, str]:
    """The body's parameters: a JSON object of strings, or url-encoded form data (parsed by
    hand so no multipart dependency is needed)."""
    raw = await request.body()
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError:
        raise OAuthError("invalid_request", "the body must be UTF-8 form data") from None
    if "json" in request.headers.get("content-type", ""):
        try:
            found = json.loads(text) if text.strip() else {}
        except ValueError:
            raise OAuthError("invalid_request", "the body is not valid JSON") from None
        if not isinstance(found, dict):
            raise OAuthError("invalid_request", "the JSON body must be an object")
        return {str(k): str(v) for k, v in found.items() if isinstance(v, str | int)}
    return dict(parse_qsl(text, keep_blank_values=True))


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
