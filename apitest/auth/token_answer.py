"""A token endpoint's answer read: its JSON, the access token in it, the token it makes, and
whether a refusal is a judgment of the credentials or the server's trouble.

It stands apart from `oauth2.py`, which decides which flow to try and when: reading an answer
needs only the endpoint, the answer and what was sent, never the source's state or its locks.
"""

from __future__ import annotations

import re
from dataclasses import replace
from typing import Any

import httpx

from apitest.auth.declared import Endpoint, expires_in_seconds, only_string_property, read_field
from apitest.auth.stores import Token

_SCOPE_SPLIT = re.compile(r"[\s,]+")


def json_answer(response: httpx.Response) -> dict[str, Any]:
    try:
        answer = response.json()
    except ValueError:
        return {}
    return answer if isinstance(answer, dict) else {}


def token_names(endpoint: Endpoint, kind: str) -> list[str]:
    """Where an answer may hold the access token, in the order looked at: `access_token`; a
    `<token>` schema's may be named `token`, or be the declared structure's only string
    property. The run reads the token there, and a replay script says where to find it."""
    if kind != "token":
        return ["access_token"]
    names = ["token", "access_token"]
    only = only_string_property(endpoint.operation)
    if only is not None and only not in names:
        names.append(only)
    return names


def access_token(endpoint: Endpoint, answer: dict[str, Any], kind: str) -> str | None:
    """The access token in an answer (`token_names` says where it is looked for)."""
    for name in token_names(endpoint, kind):
        found = read_field(endpoint.operation, answer, name)
        if isinstance(found, str) and found:
            return found
    return None


def token_from(
    base: Token,
    endpoint: Endpoint,
    answer: dict[str, Any],
    access: str,
    params: dict[str, str],
    now: float,
) -> Token:
    op = endpoint.operation
    seconds = expires_in_seconds(read_field(op, answer, "expires_in"), now)
    rotated = read_field(op, answer, "refresh_token")
    if isinstance(rotated, str) and rotated:
        refresh: str | None = rotated  # the one just used is spent
    elif params.get("grant_type") == "refresh_token":
        refresh = params["refresh_token"]  # this server does not rotate
    else:
        refresh = base.refresh_token
    scope = read_field(op, answer, "scope")
    token_type = read_field(op, answer, "token_type")
    return replace(
        base,
        access_token=access,
        refresh_token=refresh,
        expires_at=now + seconds if seconds is not None else None,
        scopes=tuple(s for s in _SCOPE_SPLIT.split(str(scope or "")) if s),
        token_type=str(token_type or "") or None,
        updated_at=now,
    )


def reason(answer: dict[str, Any]) -> str:
    """The server's words for a refusal: RFC 6749's `error_description`, else the `detail` of
    FastAPI and DRF or a `message` (a login's `{"detail": "LOGIN_BAD_CREDENTIALS"}` was
    dropped, and the refusal said only its status), else the `message` of the first of its
    `errors` (Directus's and GraphQL's `{"errors": [{"message": ...}]}`)."""
    for name in ("error_description", "detail", "message"):
        value = answer.get(name)
        if isinstance(value, str) and value:
            return value
    errors = answer.get("errors")
    first = errors[0] if isinstance(errors, list) and errors else None
    message = first.get("message") if isinstance(first, dict) else None
    return message if isinstance(message, str) else ""


_PASSING_STATUSES = frozenset({429, 500, 502, 503, 504})
_PASSING_ERRORS = frozenset({"temporarily_unavailable", "server_error"})


def server_trouble(status: int, error: object = None) -> bool:
    """A refusal that says the server could not judge now, not that the credentials are wrong:
    asking again later may work. That is a 429 or a 500, 502, 503 or 504 with no RFC 6749
    `error` code, or one of the codes that say so (`temporarily_unavailable`, `server_error`).
    Any other code is a judgment whatever the status: oauth2orize answers
    `unsupported_grant_type` with 501, which taken for trouble was asked again by every case."""
    if isinstance(error, str) and error:
        return error in _PASSING_ERRORS
    return status in _PASSING_STATUSES
