"""How the engine's client reads an answer, against a real server on 127.0.0.1: bodies sent
with a content-encoding are decoded, a charset is honoured (an unknown one falls back to
UTF-8), the body cap holds on both read paths, no cookie the API sets rides along on a later
call (apitest places every credential itself), and a JSON answer that begins with a byte order
mark is read past it, saying so, where every case was an error ("not valid JSON")."""

from __future__ import annotations

import asyncio
import gzip
import json
from collections.abc import Iterator
from pathlib import Path

import pytest
from starlette.applications import Starlette
from starlette.requests import Request as StarletteRequest
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from apitest.auth.credentials import Credentials
from apitest.auth.memory import MemoryStore
from apitest.auth.placement import Authenticator
from apitest.auth.profiles import AuthConfig, Profile
from apitest.demo import DemoServer
from apitest.engine.http.bodies import BOM_NOTE
from apitest.engine.http.client import Caller, Exchange, Request, new_client
from apitest.engine.http.throttle import Throttles
from apitest.zspec.loader import load_catalog

from ..support import read_url

BODY = {"city": "Zürich", "ids": list(range(200))}
SPEC = (
    """<?xml version="1.0" encoding="UTF-8"?>
<resource specification="1.0.0" name="echo">
"""
    + read_url("/any", "GET any")
    + "</resource>\n"
)


async def _gzip(request: StarletteRequest) -> Response:
    raw = gzip.compress(json.dumps(BODY).encode())
    return Response(raw, media_type="application/json", headers={"Content-Encoding": "gzip"})


async def _latin(request: StarletteRequest) -> Response:
    return Response(
        "café".encode("latin-1"), headers={"Content-Type": "text/plain; charset=latin-1"}
    )


async def _bogus(request: StarletteRequest) -> Response:
    return Response("café".encode(), headers={"Content-Type": "text/plain; charset=no-such-thing"})


async def _marked(request: StarletteRequest) -> Response:
    """As an IIS or PHP app saved with a BOM answers: U+FEFF before the JSON text."""
    return Response(b"\xef\xbb\xbf" + json.dumps(BODY).encode(), media_type="application/json")


async def _marked_text(request: StarletteRequest) -> Response:
    return Response("\ufeffcafé".encode(), media_type="text/plain")


async def _set_cookie(request: StarletteRequest) -> Response:
    answer = JSONResponse({"set": True})
    answer.set_cookie("session", "s3cr3t-session")
    return answer


async def _echo_cookie(request: StarletteRequest) -> Response:
    return JSONResponse({"cookie": request.headers.get("cookie")})


APP = Starlette(
    routes=[
        Route("/gzip", _gzip),
        Route("/latin", _latin),
        Route("/bogus", _bogus),
        Route("/marked", _marked),
        Route("/marked-text", _marked_text),
        Route("/set-cookie", _set_cookie),
        Route("/echo-cookie", _echo_cookie),
    ]
)


@pytest.fixture(scope="module")
def base_url() -> Iterator[str]:
    server = DemoServer()
    server.app = APP  # the demo's server machinery (loopback, free port), serving this app
    with server:
        yield server.root_url


def _calls(base_url: str, tmp_path: Path, paths: list[str], cap: int = 10**7) -> list[Exchange]:
    spec = tmp_path / "echo.xml"
    spec.write_text(SPEC, encoding="utf-8")
    catalog = load_catalog([spec])
    resource = catalog.resources[0]
    op = next(iter(resource.operations))

    async def scenario() -> list[Exchange]:
        client = new_client(4, 10.0)
        profiles = AuthConfig({"default": Profile("default", Credentials())})
        auth = Authenticator(client, catalog, base_url, profiles, MemoryStore())
        caller = Caller(client, auth, Throttles(), 4)
        caller.max_body_bytes = cap
        try:
            return [
                await caller.call(resource, op, Request("get", f"{base_url}{path}"))
                for path in paths
            ]
        finally:
            await client.aclose()

    return asyncio.run(scenario())


def test_a_gzip_encoded_answer_is_decoded(base_url: str, tmp_path: Path) -> None:
    (exchange,) = _calls(base_url, tmp_path, ["/gzip"])
    assert exchange.status == 200 and exchange.error is None
    assert exchange.headers["content-encoding"] == "gzip"
    assert exchange.body == BODY


def test_the_charset_is_honoured_and_an_unknown_one_is_read_as_utf8(
    base_url: str, tmp_path: Path
) -> None:
    latin, bogus = _calls(base_url, tmp_path, ["/latin", "/bogus"])
    assert latin.raw_text == "café"
    assert bogus.raw_text == "café"


@pytest.mark.parametrize("path", ["/gzip", "/echo-cookie"])
def test_the_body_cap_holds_on_both_read_paths(base_url: str, tmp_path: Path, path: str) -> None:
    """/gzip is read through httpx's decoder, /echo-cookie straight from the stream."""
    (exchange,) = _calls(base_url, tmp_path, [path], cap=10)
    assert exchange.status is None
    assert exchange.error is not None and "10-byte cap" in exchange.error


def test_a_cookie_the_api_sets_is_not_sent_back(base_url: str, tmp_path: Path) -> None:
    """By host name: a cookie jar keeps no cookies for a bare IP address anyway."""
    by_name = base_url.replace("127.0.0.1", "localhost")
    setting, echoed = _calls(by_name, tmp_path, ["/set-cookie", "/echo-cookie"])
    assert "session=s3cr3t-session" in setting.headers["set-cookie"]
    assert echoed.body == {"cookie": None}


def test_a_json_answer_with_a_byte_order_mark_is_read_past_it_and_said(
    base_url: str, tmp_path: Path
) -> None:
    """RFC 8259 says a JSON text sent over a network must not carry one, and that a parser may
    ignore it; browsers, httpx and requests do. A text answer keeps its own: it is the value."""
    marked, text = _calls(base_url, tmp_path, ["/marked", "/marked-text"])
    assert marked.body == BODY
    assert marked.notes == [BOM_NOTE]
    assert "RFC 8259" in BOM_NOTE
    assert text.raw_text == "\ufeffcafé" and text.notes == []
