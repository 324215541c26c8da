"""Where a token goes and where it comes from (auth/placement.py): the token URL resolved against
the host, missing credentials named at their spec line, the token placed as the spec declares."""

from __future__ import annotations

import asyncio

import httpx
import pytest

from apitest.auth.credentials import Credentials
from apitest.auth.memory import MemoryStore
from apitest.auth.placement import Authenticator, _place
from apitest.auth.profiles import AuthConfig, Profile
from apitest.errors import UsageError
from apitest.zspec.model import Authentication, Catalog

from ..support import LOC


def _config(creds: Credentials) -> AuthConfig:
    return AuthConfig({"default": Profile("default", creds)})


def test_relative_token_url_resolves_against_the_host_root(catalog: Catalog) -> None:
    creds = Credentials(client_id="id", client_secret="secret")

    async def scenario() -> str:
        async with httpx.AsyncClient() as client:
            auth = Authenticator(
                client, catalog, "http://127.0.0.1:9/api/v1", _config(creds), MemoryStore()
            )
            trips = catalog.resource("trips")
            assert trips is not None and trips.authentication is not None
            return auth._token_url(trips, trips.authentication)

    assert asyncio.run(scenario()) == "http://127.0.0.1:9/oauth/v2/token"


def test_missing_credentials_name_the_spec_line_and_the_variables(catalog: Catalog) -> None:

    async def scenario() -> None:
        async with httpx.AsyncClient() as client:
            config = _config(Credentials())
            Authenticator(client, catalog, "http://127.0.0.1:9/api", config, MemoryStore()).check()

    with pytest.raises(UsageError, match=r"specs/\w+\.xml:\d+: .*APITEST_CLIENT_ID"):
        asyncio.run(scenario())


def test_placement_uses_the_prefix_or_the_query() -> None:
    headers: dict[str, str] = {}
    params: dict[str, str] = {}
    auth = Authentication(LOC, "oauth2", "Authorization", "header", prefix="Zoho-oauthtoken")
    _place(auth, "tok", headers, params)
    assert headers == {"Authorization": "Zoho-oauthtoken tok"}
    _place(Authentication(LOC, "oauth2", "Authorization"), "tok", headers, params)
    assert headers["Authorization"] == "Bearer tok"
    _place(Authentication(LOC, "token", "X-Key"), "tok", headers, params)
    assert headers["X-Key"] == "tok"
    _place(Authentication(LOC, "token", "api_key", "param"), "tok", headers, params)
    assert params == {"api_key": "tok"}
