"""The token call a replay script makes: a source's client-credentials call with placeholders
for the credentials, and where its answer holds the token.

It stands apart from `oauth2.py` because it sends nothing and reads no token: it only lays out a
call for a script written after the run, from the schema's endpoints and the scopes asked for.
"""

from __future__ import annotations

from apitest.auth.declared import (
    Endpoint,
    TokenEndpoints,
    TokenRequest,
    build_request,
    client_basic,
    declared_path,
)
from apitest.auth.token_answer import token_names


def replay_call(
    endpoints: TokenEndpoints, scopes: str, *, password_login: bool
) -> tuple[Endpoint, TokenRequest, list[str | int]] | None:
    """The client-credentials call of a token source with placeholders for the credentials
    (never their values), and the answer field holding the token: what a replay script
    sends when it is given client credentials rather than a token. None for a password
    login, which client credentials cannot make: the script asks for a token."""
    endpoint = endpoints.for_grant()
    if endpoint is None or password_login:
        return None
    values = {
        "client_id": "${APITEST_CLIENT_ID}",
        "client_secret": "${APITEST_CLIENT_SECRET}",
        "scope": scopes,
    }
    if endpoints.kind == "oauth2":
        values["grant_type"] = "client_credentials"
    if endpoint.operation is not None:
        values = {k: v for k, v in values.items() if v}
    default: list[str | int] = ["access_token"]
    path = next(
        (
            found
            for name in token_names(endpoint, endpoints.kind)
            if (found := declared_path(endpoint, name))
        ),
        default,
    )
    request = build_request(endpoint, values)
    basic = client_basic(values)
    for name, value in request.headers.items():
        if value == basic:  # of the placeholders: the replay encodes the real pair
            request.headers[name] = "Basic ${APITEST_CLIENT_BASIC}"
    return endpoint, request, path
