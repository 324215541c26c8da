"""TokenSource against the reference service's token endpoint: each flow, rotation, fallback
after a refusal, single flight, and adopting what another process stored."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import TypeVar

import httpx
import pytest
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route

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

from ..support import loopback_client
from ._api import token_request
from .conftest import MakeServer

SCOPES = ["TravelAgency.trips.READ"]
T = TypeVar("T")


def source(
    server: DemoServer, client: httpx.AsyncClient, store: TokenStore, **creds: str
) -> TokenSource:
    profile = Profile("p", Credentials(client_id=DEMO_CLIENT_ID, **creds))
    return TokenSource(client, f"{server.root_url}/oauth/v2/token", profile, SCOPES, store)


def with_source(
    server: DemoServer,
    store: TokenStore,
    act: Callable[[TokenSource], Awaitable[T]],
    **creds: str,
) -> T:
    """Runs `act` on a TokenSource for `server`'s token endpoint, on an HTTP client of its own:
    each call is what one process would do."""

    async def scenario() -> T:
        async with httpx.AsyncClient() as client:
            return await act(source(server, client, store, **creds))

    return asyncio.run(scenario())


async def after_a_token(tokens: TokenSource) -> TokenSource:
    """Takes one token, and gives the source back for what it noted on the way."""
    await tokens.token()
    return tokens


def test_client_credentials_then_a_cached_token(make_server: MakeServer) -> None:
    server = make_server()

    async def twice(tokens: TokenSource) -> tuple[str, str, int]:
        first = await tokens.token()
        second = await tokens.token()
        return first, second, tokens.refreshes

    first, second, fetched = with_source(
        server, MemoryStore(), twice, client_secret=DEMO_CLIENT_SECRET
    )
    assert first == second and fetched == 1
    assert server.state.authority.verify(first) is not None
    assert server.state.authority.counts["client_credentials"] == 1


def test_refresh_token_rotates_and_the_store_keeps_the_new_one(
    make_server: MakeServer, tmp_path: Path
) -> None:
    server = make_server()
    store = FileStore(tmp_path / "tokens.json")

    creds = {"client_secret": DEMO_CLIENT_SECRET, "refresh_token": DEMO_REFRESH_TOKEN}
    with_source(server, store, TokenSource.token, **creds)
    saved = store.get_tokens()
    assert len(saved) == 1 and saved[0].refresh_token not in (None, DEMO_REFRESH_TOKEN)
    assert saved[0].scopes and saved[0].expires_at is not None
    # a second process (a new source on the same store) adopts it without a grant
    with_source(server, store, TokenSource.token, **creds)
    assert server.state.authority.counts["refresh_token"] == 1


def test_concurrent_callers_share_one_refresh(make_server: MakeServer) -> None:
    server = make_server()

    async def twenty_at_once(tokens: TokenSource) -> set[str]:
        return set(await asyncio.gather(*(tokens.token() for _ in range(20))))

    assert (
        len(with_source(server, MemoryStore(), twenty_at_once, client_secret=DEMO_CLIENT_SECRET))
        == 1
    )
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

    token = with_source(server, store, TokenSource.token, client_secret=DEMO_CLIENT_SECRET)
    assert server.state.authority.verify(token) is not None
    counts = server.state.authority.counts
    assert counts["refresh_token:invalid_grant"] == 1 and counts["client_credentials"] == 1
    assert store.find_token(key) is not None and store.find_token(key).refresh_token is None  # type: ignore[union-attr]


def test_a_stored_token_short_of_the_scopes_asked_for_is_not_taken(
    make_server: MakeServer,
) -> None:
    """A run of other specs (destinations only) left a live token in the shared store; these
    specs need trips scopes it was not granted. Taken as it was, their cases were skipped as
    'not granted' and the run passed."""
    server = make_server()
    store = MemoryStore()
    token_url = f"{server.root_url}/oauth/v2/token"
    profile = Profile("p", Credentials(client_id=DEMO_CLIENT_ID, client_secret=DEMO_CLIENT_SECRET))

    async def granted(scopes: list[str]) -> tuple[str, ...]:
        async with httpx.AsyncClient() as client:
            tokens = TokenSource(client, token_url, profile, scopes, store)
            await tokens.token()
            return tokens.granted

    narrow = ["TravelAgency.destinations.READ"]
    assert asyncio.run(granted(narrow)) == tuple(narrow)
    wide = asyncio.run(granted([*SCOPES, *narrow]))
    assert set(wide) == {*SCOPES, *narrow}
    assert server.state.authority.counts["client_credentials"] == 2
    # the wider token now stored serves the narrower specs too, without a grant
    assert set(asyncio.run(granted(narrow))) == set(wide)
    assert server.state.authority.counts["client_credentials"] == 2


def test_a_short_stored_token_nothing_can_widen_is_kept_as_it_is(
    make_server: MakeServer,
) -> None:
    """No flow could ask for more: the live token is used, and each case needing a scope it
    lacks says so (rather than the run stopping on 'no way to get a token')."""
    server = make_server()
    store = MemoryStore()
    key = f"p|{DEMO_CLIENT_ID}|{server.root_url}/oauth/v2/token"
    short = Token(
        id="", key=key, access_token="live-but-short", expires_at=time.time() + 3600,
        scopes=("TravelAgency.destinations.READ",), updated_at=time.time(),
    )  # fmt: skip
    store.save_token(short)

    tokens = with_source(server, store, after_a_token)
    assert tokens.granted == ("TravelAgency.destinations.READ",)
    assert sum(server.state.authority.counts.values()) == 0


def test_a_short_stored_token_the_api_refused_is_renewed_not_handed_back(
    make_server: MakeServer,
) -> None:
    """The API answered 401 to the kept short token: it is not handed back as if live (the
    call would fail again, saying nothing); its refresh token is tried, and its refusal said."""
    server = make_server()
    store = MemoryStore()
    key = f"p|{DEMO_CLIENT_ID}|{server.root_url}/oauth/v2/token"
    store.save_token(
        Token(
            id="", key=key, access_token="refused-and-short", refresh_token="unknown-here",
            expires_at=time.time() + 3600, scopes=("TravelAgency.destinations.READ",),
            updated_at=time.time(),
        )
    )  # fmt: skip

    async def refused(tokens: TokenSource) -> str:
        return await tokens.after_unauthorized("refused-and-short")

    with pytest.raises(AuthFailedError, match="stored refresh token"):
        with_source(server, store, refused)


def test_a_grant_token_is_exchanged_once(make_server: MakeServer) -> None:
    server = make_server()

    token = with_source(
        server, MemoryStore(), TokenSource.token,
        client_secret=DEMO_CLIENT_SECRET, grant_token=DEMO_GRANT_CODE,
    )  # fmt: skip
    assert server.state.authority.verify(token) is not None
    assert server.state.authority.counts["authorization_code"] == 1


def test_a_401_renews_once_and_a_given_token_is_used_first(make_server: MakeServer) -> None:
    server = make_server()

    async def refused_once(tokens: TokenSource) -> tuple[str, str]:
        first = await tokens.token()
        return first, await tokens.after_unauthorized(first)

    first, renewed = with_source(
        server, MemoryStore(), refused_once,
        client_secret=DEMO_CLIENT_SECRET, access_token="given-but-dead",
    )  # fmt: skip
    assert first == "given-but-dead"
    assert renewed != first and server.state.authority.verify(renewed) is not None


def test_every_flow_refused_is_one_clear_error_without_secrets(make_server: MakeServer) -> None:
    server = make_server()

    with pytest.raises(AuthFailedError) as caught:
        with_source(
            server, MemoryStore(), TokenSource.token,
            client_secret="wrong-secret-123", refresh_token="also-wrong-456",
        )  # fmt: skip
    message = str(caught.value)
    assert "refused profile 'p'" in message and "invalid_client" in message
    assert "wrong-secret-123" not in message and "also-wrong-456" not in message


def test_a_refusal_is_kept_and_given_to_later_callers_unasked(make_server: MakeServer) -> None:
    """Every case of a run needing the token asked the token endpoint again, each flow each
    time; the server's refusal now stands for the run."""
    server = make_server()
    asked: list[str] = []

    async def count(request: httpx.Request) -> None:
        asked.append(request.url.path)

    async def twice() -> list[str]:
        said = []
        async with httpx.AsyncClient(event_hooks={"request": [count]}) as client:
            tokens = source(server, client, MemoryStore(), client_secret="wrong-secret-123")
            for _ in range(2):
                with pytest.raises(AuthFailedError) as caught:
                    await tokens.token()
                said.append(str(caught.value))
        return said

    first, second = asyncio.run(twice())
    assert asked == ["/oauth/v2/token"]
    assert "invalid_client" in first and second == f"{first}; not asked again in this run"


async def _busy_then_granting(request: Request) -> JSONResponse:
    """A token endpoint that is busy (503) on its first call and grants every later one."""
    calls = request.app.state.calls = getattr(request.app.state, "calls", 0) + 1
    if calls == 1:
        return JSONResponse({"error": "temporarily_unavailable"}, status_code=503)
    return JSONResponse({"access_token": f"token-{calls}", "expires_in": 3600})


def test_a_token_endpoint_in_trouble_is_asked_again() -> None:
    """A 503 (or 429) says the server could not judge now, not that the credentials are
    wrong: the case that met it errs, the next asks again and gets its token."""
    server = DemoServer()
    server.app = Starlette(routes=[Route("/token", _busy_then_granting, methods=["POST"])])

    async def twice(url: str) -> tuple[str, str]:
        async with httpx.AsyncClient() as client:
            profile = Profile("p", Credentials(client_id="id", client_secret="secret"))
            tokens = TokenSource(client, url, profile, SCOPES, MemoryStore())
            with pytest.raises(AuthFailedError) as caught:
                await tokens.token()
            return str(caught.value), await tokens.token()

    with server:
        said, token = asyncio.run(twice(f"{server.root_url}/token"))
    assert "HTTP 503" in said or "temporarily_unavailable" in said
    assert token == "token-2"


def test_no_flow_at_all_is_a_usage_error(make_server: MakeServer) -> None:
    server = make_server()

    with pytest.raises(UsageError, match="APITEST_CLIENT_SECRET"):
        with_source(server, MemoryStore(), TokenSource.token)


def spent_refresh_token(server: DemoServer) -> str:
    """A refresh token the server knew and retired: spent by a refresh, as a racing process
    or a rotation would spend it."""
    with loopback_client() as http:
        answer = token_request(
            http, server, grant_type="refresh_token", refresh_token=DEMO_REFRESH_TOKEN
        )
    assert answer.status_code == 200, answer.text
    return DEMO_REFRESH_TOKEN


def test_a_refused_refresh_token_then_client_credentials_is_a_notice_not_silence(
    make_server: MakeServer,
) -> None:
    """The fallback used to leave no trace (issue 18, item 2): now the source keeps which flow
    was refused, the server's code, the flow used instead, the likely cause and the fix."""
    server = make_server()
    spent = spent_refresh_token(server)

    async def token_and_source(tokens: TokenSource) -> tuple[str, TokenSource]:
        return await tokens.token(), tokens

    token, tokens = with_source(
        server, MemoryStore(), token_and_source,
        client_secret=DEMO_CLIENT_SECRET, refresh_token=spent,
    )  # fmt: skip
    assert server.state.authority.verify(token) is not None  # the run goes on
    assert server.state.authority.counts["client_credentials"] == 1
    [notice] = tokens.notices
    assert notice.kind == "fallback" and notice.profile == "p"
    assert notice.refused == ["APITEST_REFRESH_TOKEN: invalid_grant"]
    assert notice.used == "client credentials"
    message = notice.message
    assert message.startswith(
        f"profile 'p': the token endpoint {server.root_url}/oauth/v2/token refused the refresh "
        "token given (APITEST_REFRESH_TOKEN) (invalid_grant: the refresh token was already "
        "used (refresh tokens rotate)); the run went on with client credentials instead."
    )
    assert "spent by another process" in message and "rotated" in message
    assert "share one token store with a lock" in message
    assert "as the client (client credentials), not as the refresh token's user" in message
    assert spent not in message and DEMO_CLIENT_SECRET not in message and token not in message


def test_the_same_fallback_at_every_renewal_is_one_notice_counted(
    make_server: MakeServer,
) -> None:
    server = make_server()
    spent = spent_refresh_token(server)

    async def renewed_once(tokens: TokenSource) -> TokenSource:
        first = await tokens.token()
        await tokens.after_unauthorized(first)  # renewed: refused again, then the client
        return tokens

    tokens = with_source(
        server, MemoryStore(), renewed_once,
        client_secret=DEMO_CLIENT_SECRET, refresh_token=spent,
    )  # fmt: skip
    assert server.state.authority.counts["refresh_token:invalid_grant"] == 2
    assert [notice.count for notice in tokens.notices] == [2]


def test_a_flow_that_works_first_leaves_no_notice(make_server: MakeServer) -> None:
    server = make_server()

    tokens = with_source(
        server, MemoryStore(), after_a_token,
        client_secret=DEMO_CLIENT_SECRET, refresh_token=DEMO_REFRESH_TOKEN,
    )  # fmt: skip
    assert tokens.notices == []


def test_a_server_echoing_the_refused_token_does_not_put_it_in_the_notice() -> None:
    """A fault the reference service cannot make (it never echoes a token), so a transport
    answers: a notice reaches every report, and a server's words must not carry a secret
    into them."""
    echoed = "1000.secret-refresh-token-value"

    def answer(request: httpx.Request) -> httpx.Response:
        form = dict(item.split("=", 1) for item in request.content.decode().split("&"))
        if form["grant_type"] == "refresh_token":
            return httpx.Response(
                400, json={"error": "invalid_grant", "error_description": f"{echoed} is spent"}
            )
        return httpx.Response(200, json={"access_token": "fresh-access", "expires_in": 3600})

    async def scenario() -> TokenSource:
        transport = httpx.MockTransport(answer)
        async with httpx.AsyncClient(transport=transport) as client:
            profile = Profile(
                "p",
                Credentials(
                    client_id=DEMO_CLIENT_ID, client_secret=DEMO_CLIENT_SECRET, refresh_token=echoed
                ),
            )
            tokens = TokenSource(client, "http://127.0.0.1:9/token", profile, SCOPES, MemoryStore())
            assert await tokens.token() == "fresh-access"
            return tokens

    [notice] = asyncio.run(scenario()).notices
    assert echoed not in notice.message
    assert "(invalid_grant: *** is spent)" in notice.message
