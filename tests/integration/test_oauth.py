"""The OAuth2 endpoints: every grant type, rotation, single-use codes, scopes, expiry."""

from __future__ import annotations

import base64
import time
from collections.abc import Callable

import httpx
import pytest

from apitest.demo import DemoServer
from apitest.demo.credentials import (
    ALL_SCOPES,
    DEMO_CLIENT_ID,
    DEMO_CLIENT_SECRET,
    DEMO_GRANT_CODE,
    DEMO_REFRESH_TOKEN,
    TRIPS_CREATE,
    TRIPS_READ,
)

from ._api import Api, client_token, error_of, token_request

MakeServer = Callable[..., DemoServer]


def oauth_error(answer: httpx.Response) -> str:
    body = answer.json()
    assert set(body) == {"error", "error_description"}, body
    error: str = body["error"]
    return error


def test_refresh_rotates_and_the_old_refresh_token_is_refused(
    http: httpx.Client, make_server: MakeServer
) -> None:
    server = make_server()
    first = token_request(
        http, server, grant_type="refresh_token", refresh_token=DEMO_REFRESH_TOKEN
    )
    assert first.status_code == 200
    body = first.json()
    assert set(body) == {
        "access_token",
        "refresh_token",
        "expires_in",
        "token_type",
        "scope",
        "api_domain",
    }
    assert body["token_type"] == "Bearer"
    assert body["expires_in"] == 3600
    assert body["scope"].split() == list(ALL_SCOPES)
    assert body["api_domain"] == server.root_url
    assert first.headers["Cache-Control"] == "no-store"
    assert body["refresh_token"] != DEMO_REFRESH_TOKEN
    assert Api(http, server, body["access_token"]).get("/trips").status_code == 200

    reused = token_request(
        http, server, grant_type="refresh_token", refresh_token=DEMO_REFRESH_TOKEN
    )
    assert reused.status_code == 400
    assert oauth_error(reused) == "invalid_grant"

    second = token_request(
        http, server, grant_type="refresh_token", refresh_token=body["refresh_token"]
    )
    assert second.status_code == 200
    assert second.json()["refresh_token"] not in (body["refresh_token"], DEMO_REFRESH_TOKEN)
    again = token_request(
        http, server, grant_type="refresh_token", refresh_token=body["refresh_token"]
    )
    assert oauth_error(again) == "invalid_grant"


def test_refresh_may_narrow_the_scopes_but_not_widen_them(
    http: httpx.Client, make_server: MakeServer
) -> None:
    server = make_server()
    narrowed = token_request(
        http, server, grant_type="refresh_token", refresh_token=DEMO_REFRESH_TOKEN, scope=TRIPS_READ
    )
    assert narrowed.json()["scope"] == TRIPS_READ
    api = Api(http, server, narrowed.json()["access_token"])
    assert api.get("/trips").status_code == 200
    assert api.get("/destinations").status_code == 403
    # The rotated refresh token still carries the full grant.
    wider = token_request(
        http, server, grant_type="refresh_token", refresh_token=narrowed.json()["refresh_token"]
    )
    assert wider.json()["scope"].split() == list(ALL_SCOPES)


def test_a_grant_code_from_the_auth_endpoint_works_once(
    http: httpx.Client, server: DemoServer
) -> None:
    scope = f"{TRIPS_READ},{TRIPS_CREATE}"
    params = {"client_id": DEMO_CLIENT_ID, "scope": scope, "response_type": "code"}
    authorized = http.get(f"{server.root_url}/oauth/v2/auth", params=params)
    assert authorized.status_code == 200
    code = authorized.json()["code"]

    answer = token_request(http, server, grant_type="authorization_code", code=code)
    assert answer.status_code == 200
    body = answer.json()
    assert body["scope"] == f"{TRIPS_READ} {TRIPS_CREATE}"
    assert "refresh_token" in body
    api = Api(http, server, body["access_token"])
    assert api.get("/trips").status_code == 200
    assert error_of(api.get("/destinations")) == "OAUTH_SCOPE_MISMATCH"

    reused = token_request(http, server, grant_type="authorization_code", code=code)
    assert reused.status_code == 400
    assert oauth_error(reused) == "invalid_grant"


def test_the_fixed_grant_code_works_once_per_start(
    http: httpx.Client, make_server: MakeServer
) -> None:
    server = make_server()
    first = token_request(http, server, grant_type="authorization_code", code=DEMO_GRANT_CODE)
    assert first.status_code == 200
    assert first.json()["scope"].split() == list(ALL_SCOPES)
    second = token_request(http, server, grant_type="authorization_code", code=DEMO_GRANT_CODE)
    assert oauth_error(second) == "invalid_grant"


def test_client_credentials_gives_an_access_token_without_refresh_token(
    http: httpx.Client, server: DemoServer
) -> None:
    answer = token_request(http, server, grant_type="client_credentials", scope=TRIPS_READ)
    assert answer.status_code == 200
    body = answer.json()
    assert "refresh_token" not in body
    assert body["scope"] == TRIPS_READ
    assert Api(http, server, body["access_token"]).get("/trips").status_code == 200


def test_parameters_in_the_query_string_and_basic_client_auth_are_accepted(
    http: httpx.Client, server: DemoServer
) -> None:
    query = {
        "grant_type": "client_credentials",
        "client_id": DEMO_CLIENT_ID,
        "client_secret": DEMO_CLIENT_SECRET,
    }
    assert http.post(f"{server.root_url}/oauth/v2/token", params=query).status_code == 200
    basic = base64.b64encode(f"{DEMO_CLIENT_ID}:{DEMO_CLIENT_SECRET}".encode()).decode()
    answer = http.post(
        f"{server.root_url}/oauth/v2/token",
        data={"grant_type": "client_credentials"},
        headers={"Authorization": f"Basic {basic}"},
    )
    assert answer.status_code == 200


@pytest.mark.parametrize(
    ("form", "status", "error"),
    [
        ({"grant_type": "client_credentials", "client_secret": "wrong"}, 401, "invalid_client"),
        ({"grant_type": "client_credentials", "client_id": "1000.OTHER"}, 401, "invalid_client"),
        ({"grant_type": "password", "username": "u"}, 400, "unsupported_grant_type"),
        (
            {"grant_type": "client_credentials", "scope": "TravelAgency.trips.ALL"},
            400,
            "invalid_scope",
        ),
        ({"grant_type": "refresh_token", "refresh_token": "1000.nope"}, 400, "invalid_grant"),
        ({"grant_type": "authorization_code", "code": "1000.nope"}, 400, "invalid_grant"),
        ({}, 400, "invalid_request"),
    ],
)
def test_token_endpoint_errors(
    http: httpx.Client, server: DemoServer, form: dict[str, str], status: int, error: str
) -> None:
    answer = token_request(http, server, **form)
    assert answer.status_code == status
    assert oauth_error(answer) == error


@pytest.mark.parametrize(
    ("params", "error"),
    [
        (
            {"client_id": "1000.OTHER", "scope": TRIPS_READ, "response_type": "code"},
            "invalid_client",
        ),
        (
            {"client_id": DEMO_CLIENT_ID, "scope": TRIPS_READ, "response_type": "token"},
            "unsupported_response_type",
        ),
        ({"client_id": DEMO_CLIENT_ID, "response_type": "code"}, "invalid_scope"),
        (
            {"client_id": DEMO_CLIENT_ID, "scope": "Other.READ", "response_type": "code"},
            "invalid_scope",
        ),
    ],
)
def test_auth_endpoint_errors(
    http: httpx.Client, server: DemoServer, params: dict[str, str], error: str
) -> None:
    answer = http.get(f"{server.root_url}/oauth/v2/auth", params=params)
    assert answer.status_code == 400
    assert oauth_error(answer) == error


def test_an_expired_access_token_is_refused_with_401(
    http: httpx.Client, make_server: MakeServer
) -> None:
    server = make_server(token_ttl_s=1.0)
    answer = token_request(http, server, grant_type="client_credentials")
    assert answer.json()["expires_in"] == 1
    api = Api(http, server, answer.json()["access_token"])
    assert api.get("/trips").status_code == 200
    deadline = time.monotonic() + 5.0
    status = 200
    while status == 200 and time.monotonic() < deadline:  # bounded: expiry is due after 1 s
        time.sleep(0.25)
        status = api.get("/trips").status_code
    assert status == 401
    assert error_of(api.get("/trips")) == "INVALID_TOKEN"
    # A new token works again.
    assert Api(http, server, client_token(http, server)).get("/trips").status_code == 200
