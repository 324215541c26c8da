"""The engine's transport sends a kept (repeated) request byte for byte as httpx-aiohttp's
stock transport does, and reads its answer the same way; what it does not keep goes through
the stock method. Against a raw HTTP server on 127.0.0.1 that records every request."""

from __future__ import annotations

import asyncio
import socket
import struct
from collections.abc import Awaitable, Callable

import httpx
import pytest
from httpx_aiohttp import AiohttpTransport

from apitest.engine.http._transport import KEPT, Transport

ANSWER = (
    b"HTTP/1.1 201 Made Here\r\ncontent-type: application/json\r\nx-trace: a\r\n"
    b'x-trace: b\r\ncontent-length: 11\r\n\r\n{"ok":true}'
)
TIMEOUT = {"connect": 5.0, "read": 5.0, "write": 5.0, "pool": 5.0}


class _Recorder:
    """A keep-alive HTTP/1.1 server that answers every request with ANSWER."""

    def __init__(self) -> None:
        self.requests: list[bytes] = []

    async def handle(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            while True:
                head = await reader.readuntil(b"\r\n\r\n")
                length = next(
                    (
                        int(line.split(b":", 1)[1])
                        for line in head.split(b"\r\n")
                        if line.lower().startswith(b"content-length:")
                    ),
                    0,
                )
                body = await reader.readexactly(length) if length else b""
                self.requests.append(head + body)
                writer.write(ANSWER)
                await writer.drain()
        except (asyncio.IncompleteReadError, ConnectionError):
            pass
        finally:
            writer.close()


async def _exchange(
    transport: AiohttpTransport, request: httpx.Request
) -> tuple[int, list[tuple[bytes, bytes]], bytes, bytes]:
    response = await transport.handle_async_request(request)
    try:
        body = b"".join([chunk async for chunk in response.stream])  # type: ignore[union-attr]
    finally:
        await response.aclose()
    reason = response.extensions.get("reason_phrase", b"")
    return response.status_code, response.headers.raw, body, reason


def _request(url: str, **extra: object) -> httpx.Request:
    headers = {"Authorization": "Zoho-oauthtoken t0k3n", "X-Many": "1"}
    return httpx.Request(
        "GET", url, params={"page": "2", "q": "a b"}, headers=headers,
        extensions={"timeout": TIMEOUT}, **extra,  # type: ignore[arg-type]
    )  # fmt: skip


def test_a_kept_request_goes_out_and_comes_back_as_the_stock_transport_would() -> None:
    async def scenario() -> None:
        recorder = _Recorder()
        server = await asyncio.start_server(recorder.handle, "127.0.0.1", 0)
        url = f"http://127.0.0.1:{server.sockets[0].getsockname()[1]}/api/v1/items"
        stock, ours = AiohttpTransport(), Transport()
        try:
            expected = await _exchange(stock, _request(url))
            kept = _request(url)
            ours.keep(kept)
            assert KEPT in kept.extensions
            answers = [await _exchange(ours, kept) for _ in range(3)]
        finally:
            await stock.aclose()
            await ours.aclose()
            server.close()
            await server.wait_closed()
        assert answers == [expected] * 3
        assert expected[0] == 201 and expected[2] == b'{"ok":true}'
        assert expected[3] == b"Made Here"
        assert len(set(recorder.requests)) == 1, recorder.requests  # four identical requests
        assert recorder.requests[0].startswith(b"GET /api/v1/items?page=2&q=a+b HTTP/1.1\r\n")

    asyncio.run(scenario())


def test_a_request_with_a_body_is_not_kept_and_still_sent_whole() -> None:
    async def scenario() -> None:
        recorder = _Recorder()
        server = await asyncio.start_server(recorder.handle, "127.0.0.1", 0)
        url = f"http://127.0.0.1:{server.sockets[0].getsockname()[1]}/api/v1/items"
        ours = Transport()
        try:
            posted = httpx.Request(
                "POST", url, json={"name": "Bali"}, extensions={"timeout": TIMEOUT}
            )
            ours.keep(posted)
            assert KEPT not in posted.extensions
            status, _, _, _ = await _exchange(ours, posted)
        finally:
            await ours.aclose()
            server.close()
            await server.wait_closed()
        assert status == 201
        assert recorder.requests[0].endswith(b'{"name":"Bali"}')

    asyncio.run(scenario())


@pytest.mark.parametrize(
    "transport, extensions",
    [
        (lambda: Transport(proxy=httpx.Proxy("http://127.0.0.1:9")), {}),
        (Transport, {"sni_hostname": "api.example.com"}),
    ],
    ids=["through a proxy", "with its own server name"],
)
def test_a_proxy_or_a_server_name_of_its_own_is_left_to_the_stock_method(
    transport: type[Transport], extensions: dict[str, str]
) -> None:
    request = _request("http://127.0.0.1:9/x")
    request.extensions.update(extensions)
    transport().keep(request)
    assert KEPT not in request.extensions


async def _failure(transport: Transport, url: str, keep: bool) -> type[BaseException]:
    request = _request(url)
    if keep:
        transport.keep(request)
    try:
        await transport.handle_async_request(request)
    except httpx.TransportError as exc:
        assert exc.request is request  # what the error messages and retries look at
        return type(exc)
    finally:
        await transport.aclose()
    raise AssertionError(f"{url} answered")


@pytest.mark.parametrize("keep", [True, False], ids=["kept", "not kept"])
def test_a_refused_connection_is_a_connect_error_not_a_timeout(keep: bool) -> None:
    """httpx-aiohttp alone says ConnectTimeout (a test of its own below), so a refused
    connection read "connect timed out" and a POST was not retried though it never left."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]  # closed again before the call: nothing listens
    url = f"http://127.0.0.1:{port}/x"
    assert asyncio.run(_failure(Transport(), url, keep)) is httpx.ConnectError


def test_the_stock_transport_maps_a_refused_connection_to_connect_timeout() -> None:
    """Why the correction exists; should httpx-aiohttp fix its mapping, this fails and the
    correction can go."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]

    async def stock() -> type[BaseException]:
        transport = AiohttpTransport()
        try:
            await transport.handle_async_request(_request(f"http://127.0.0.1:{port}/x"))
        except httpx.TransportError as exc:
            return type(exc)
        finally:
            await transport.aclose()
        raise AssertionError("a closed port answered")

    assert asyncio.run(stock()) is httpx.ConnectTimeout


@pytest.mark.parametrize("keep", [True, False], ids=["kept", "not kept"])
def test_a_server_that_hangs_up_unanswered_is_a_protocol_error(keep: bool) -> None:
    async def hang_up(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        await reader.readuntil(b"\r\n\r\n")
        writer.close()

    assert asyncio.run(_failure_against(hang_up, keep)) is httpx.RemoteProtocolError


@pytest.mark.parametrize(
    "answer",
    [b"garbage garbage\r\n\r\n", b"HTTP/1.1 200 OK\r\nbroken header line\r\n\r\n"],
    ids=["not HTTP", "broken header"],
)
@pytest.mark.parametrize("keep", [True, False], ids=["kept", "not kept"])
def test_an_answer_that_is_not_http_is_a_protocol_error(keep: bool, answer: bytes) -> None:
    """httpx-aiohttp lets aiohttp's ClientResponseError out unmapped: a target answering
    with something other than HTTP ended `apitest run` in a traceback."""

    async def babble(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        await reader.readuntil(b"\r\n\r\n")
        writer.write(answer)
        await writer.drain()
        writer.close()

    assert asyncio.run(_failure_against(babble, keep)) is httpx.RemoteProtocolError


async def _failure_against(
    handle: Callable[[asyncio.StreamReader, asyncio.StreamWriter], Awaitable[None]], keep: bool
) -> type[BaseException]:
    """The transport error our Transport raises calling a raw server that runs `handle`."""
    server = await asyncio.start_server(handle, "127.0.0.1", 0)
    url = f"http://127.0.0.1:{server.sockets[0].getsockname()[1]}/x"
    try:
        return await _failure(Transport(), url, keep)
    finally:
        server.close()
        await server.wait_closed()


def test_a_connection_reset_mid_request_is_a_network_error_not_a_timeout() -> None:
    """A server that resets the connection while a large body is still going out: aiohttp's
    ClientOSError, which httpx-aiohttp calls ConnectTimeout, so the case read "connect timed
    out" of a call that had connected and timed nothing out."""

    async def reset(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        await reader.readuntil(b"\r\n\r\n")
        sock = writer.get_extra_info("socket")
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
        writer.close()  # with linger 0: a reset, not a close

    async def post() -> type[BaseException]:
        server = await asyncio.start_server(reset, "127.0.0.1", 0)
        url = f"http://127.0.0.1:{server.sockets[0].getsockname()[1]}/x"
        transport = Transport()
        request = httpx.Request(
            "POST", url, content=b"x" * 20_000_000, extensions={"timeout": TIMEOUT}
        )
        try:
            await transport.handle_async_request(request)
        except httpx.TransportError as exc:
            return type(exc)
        finally:
            await transport.aclose()
            server.close()
            await server.wait_closed()
        raise AssertionError("a reset connection answered")

    failed = asyncio.run(post())
    assert failed in (httpx.ReadError, httpx.WriteError, httpx.RemoteProtocolError), failed
