"""401 INVALID_TOKEN and 403 OAUTH_SCOPE_MISMATCH on every operation of both specs."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from apitest.demo import DemoServer
from apitest.demo.credentials import (
    ALL_SCOPES,
    DEMO_REFRESH_TOKEN,
    DESTINATIONS_CREATE,
    DESTINATIONS_DELETE,
    DESTINATIONS_READ,
    TRIPS_CREATE,
    TRIPS_DELETE,
    TRIPS_READ,
    TRIPS_UPDATE,
)

from ._api import Api, client_token, destination, error_of, trip

# (method, path, JSON body, the scope the spec's <authentication> asks for)
OPERATIONS: list[tuple[str, str, Any, str]] = [
    ("GET", "/trips", None, TRIPS_READ),
    ("GET", "/trips/1", None, TRIPS_READ),
    ("POST", "/trips", {"trips": [trip()]}, TRIPS_CREATE),
    ("PUT", "/trips", {"trips": [{"trip_id": "1"}]}, TRIPS_UPDATE),
    ("DELETE", "/trips?ids=1", None, TRIPS_DELETE),
    ("GET", "/destinations", None, DESTINATIONS_READ),
    ("GET", "/destinations/1", None, DESTINATIONS_READ),
    ("POST", "/destinations", {"destinations": [destination()]}, DESTINATIONS_CREATE),
    ("DELETE", "/destinations?ids=1", None, DESTINATIONS_DELETE),
]
IDS = [f"{method} {path}" for method, path, _, _ in OPERATIONS]
BAD_HEADERS = [
    {},
    {"Authorization": "Zoho-oauthtoken"},
    {"Authorization": "Zoho-oauthtoken 1000.not-a-token"},
    {"Authorization": "Basic dXNlcjpwYXNz"},
    {
        "Authorization": f"Zoho-oauthtoken {DEMO_REFRESH_TOKEN}"
    },  # a refresh token is no access token
]


@pytest.mark.parametrize(("method", "path", "body", "scope"), OPERATIONS, ids=IDS)
@pytest.mark.parametrize(
    "headers", BAD_HEADERS, ids=["none", "empty", "unknown", "basic", "refresh"]
)
def test_a_missing_or_invalid_token_is_401(
    http: httpx.Client,
    server: DemoServer,
    method: str,
    path: str,
    body: Any,
    scope: str,
    headers: dict[str, str],
) -> None:
    answer = Api(http, server, None).call(method, path, json=body, headers=headers)
    assert answer.status_code == 401
    assert error_of(answer) == "INVALID_TOKEN"
    assert "invalid_token" in answer.headers["WWW-Authenticate"]


@pytest.mark.parametrize(("method", "path", "body", "scope"), OPERATIONS, ids=IDS)
def test_a_token_without_the_operations_scope_is_403(
    http: httpx.Client, server: DemoServer, method: str, path: str, body: Any, scope: str
) -> None:
    others = ",".join(s for s in ALL_SCOPES if s != scope)
    answer = Api(http, server, client_token(http, server, others)).call(method, path, json=body)
    assert answer.status_code == 403
    assert error_of(answer) == "OAUTH_SCOPE_MISMATCH"
    assert scope in answer.json()["message"]


@pytest.mark.parametrize(("method", "path", "body", "scope"), OPERATIONS, ids=IDS)
def test_the_operations_scope_alone_is_enough(
    http: httpx.Client, server: DemoServer, method: str, path: str, body: Any, scope: str
) -> None:
    answer = Api(http, server, client_token(http, server, scope)).call(method, path, json=body)
    assert answer.status_code not in (401, 403), answer.text


def test_the_bearer_scheme_is_accepted_too(http: httpx.Client, server: DemoServer) -> None:
    token = client_token(http, server, TRIPS_READ)
    answer = http.get(f"{server.base_url}/trips", headers={"Authorization": f"Bearer {token}"})
    assert answer.status_code == 200
