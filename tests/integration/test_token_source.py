"""TokenSource against the reference service's token endpoint: each flow, rotation, fallback
after a refusal, single flight, and adopting what another process stored."""

from __future__ import annotations

import asyncio
from pathlib import Path

import httpx
import pytest

from apitest.auth.credentials import Credentials
from apitest.auth.memory import MemoryStore
from apitest.auth.oauth2 import AuthFailedError, TokenSource
from apitest.auth.profiles import Profile
from apitest.auth.stores import FileStore, Token, TokenStore
from apitest.demo import DemoServer
from apitest.demo.credentials import (
    DEMO_CLIENT_ID,
    DEMO_CLIENT_SECRET,
    DEMO_GRANT_CODE,
    DEMO_REFRESH_TOKEN,
)
from apitest.errors import UsageError

from .conftest import MakeServer

SCOPES = ["TravelAgency.trips.READ"]


def source(
    server: DemoServer, client: httpx.AsyncClient, store: TokenStore, **creds: str
) -> TokenSource:
    profile = Profile("p", Credentials(client_id=DEMO_CLIENT_ID, **creds))
    return TokenSource(client, f"{server.root_url}/oauth/v2/token", profile, SCOPES, store)


def test_client_credentials_then_a_cached_token(make_server: MakeServer) -> None:
    server = make_server()

    async def scenario() -> tuple[str, str, int]:
        async with httpx.AsyncClient() as client:
            tokens = source(server, client, MemoryStore(), client_secret=DEMO_CLIENT_SECRET)
            first = await tokens.token()
            second = await tokens.token()
            return first, second, tokens.refreshes

    first, second, fetched = asyncio.run(scenario())
    assert first == second and fetched == 1
    assert server.state.authority.verify(first) is not None
    assert server.state.authority.counts["client_credentials"] == 1


def test_refresh_token_rotates_and_the_store_keeps_the_new_one(
    make_server: MakeServer, tmp_path: Path
) -> None:
    server = make_server()
    store = FileStore(tmp_path / "tokens.json")

    async def scenario() -> None:
        async with httpx.AsyncClient() as client:
            tokens = source(
                server, client, store,
                client_secret=DEMO_CLIENT_SECRET, refresh_token=DEMO_REFRESH_TOKEN,
            )  # fmt: skip
            await tokens.token()

    asyncio.run(scenario())
    saved = store.get_tokens()
    assert len(saved) == 1 and saved[0].refresh_token not in (None, DEMO_REFRESH_TOKEN)
    assert saved[0].scopes and saved[0].expires_at is not None
    # a second process (a new source on the same store) adopts it without a grant
    asyncio.run(scenario())
    assert server.state.authority.counts["refresh_token"] == 1


def test_concurrent_callers_share_one_refresh(make_server: MakeServer) -> None:
    server = make_server()

    async def scenario() -> set[str]:
        async with httpx.AsyncClient() as client:
            tokens = source(server, client, MemoryStore(), client_secret=DEMO_CLIENT_SECRET)
            return set(await asyncio.gather(*(tokens.token() for _ in range(20))))

    assert len(asyncio.run(scenario())) == 1
    assert server.state.authority.counts["client_credentials"] == 1


def test_a_spent_stored_refresh_token_falls_back_to_client_credentials(
    make_server: MakeServer,
) -> None:
    server = make_server()
    store = MemoryStore()
    key = f"p|{DEMO_CLIENT_ID}|{server.root_url}/oauth/v2/token"
    store.save_token(
        Token(id="", key=key, access_token="stale", refresh_token="gone", expires_at=0)
    )

    async def scenario() -> str:
        async with httpx.AsyncClient() as client:
            return await source(server, client, store, client_secret=DEMO_CLIENT_SECRET).token()

    token = asyncio.run(scenario())
    assert server.state.authority.verify(token) is not None
    counts = server.state.authority.counts
    assert counts["refresh_token:invalid_grant"] == 1 and counts["client_credentials"] == 1
    assert store.find_token(key) is not None and store.find_token(key).refresh_token is None  # type: ignore[union-attr]


def test_a_grant_token_is_exchanged_once(make_server: MakeServer) -> None:
    server = make_server()

    async def scenario() -> str:
        async with httpx.AsyncClient() as client:
            tokens = source(
                server, client, MemoryStore(),
                client_secret=DEMO_CLIENT_SECRET, grant_token=DEMO_GRANT_CODE,
            )  # fmt: skip
            return await tokens.token()

    assert server.state.authority.verify(asyncio.run(scenario())) is not None
    assert server.state.authority.counts["authorization_code"] == 1


def test_a_401_renews_once_and_a_given_token_is_used_first(make_server: MakeServer) -> None:
    server = make_server()

    async def scenario() -> tuple[str, str]:
        async with httpx.AsyncClient() as client:
            tokens = source(
                server, client, MemoryStore(),
                client_secret=DEMO_CLIENT_SECRET, access_token="given-but-dead",
            )  # fmt: skip
            first = await tokens.token()
            renewed = await tokens.after_unauthorized(first)
            return first, renewed

    first, renewed = asyncio.run(scenario())
    assert first == "given-but-dead"
    assert renewed != first and server.state.authority.verify(renewed) is not None


def test_every_flow_refused_is_one_clear_error_without_secrets(make_server: MakeServer) -> None:
    server = make_server()

    async def scenario() -> None:
        async with httpx.AsyncClient() as client:
            await source(
                server, client, MemoryStore(),
                client_secret="wrong-secret-123", refresh_token="also-wrong-456",
            ).token()  # fmt: skip

    with pytest.raises(AuthFailedError) as caught:
        asyncio.run(scenario())
    message = str(caught.value)
    assert "refused profile 'p'" in message and "invalid_client" in message
    assert "wrong-secret-123" not in message and "also-wrong-456" not in message


def test_no_flow_at_all_is_a_usage_error(make_server: MakeServer) -> None:
    server = make_server()

    async def scenario() -> None:
        async with httpx.AsyncClient() as client:
            await source(server, client, MemoryStore()).token()

    with pytest.raises(UsageError, match="APITEST_CLIENT_SECRET"):
        asyncio.run(scenario())
