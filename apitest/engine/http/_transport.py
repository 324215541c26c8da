"""httpx-aiohttp's transport, with what a repeated request needs converted only once.

For every request the stock transport turns httpx's request into aiohttp's arguments anew:
it has yarl parse the URL, copies the headers from httpx's `Headers` into a `CIMultiDict`,
and builds a `ClientTimeout`. A run sends the same few bodiless requests thousands of times
(the engine reuses them: `client.Caller._outgoing`), so a request marked with `keep` carries
those arguments, made once, in its extensions (the place httpx gives transports for their
own per-request data). Everything else, and any request not kept, goes through the stock
method unchanged; a kept request is sent exactly as the stock method would send it.

One correction to the stock method on both paths: it maps every aiohttp connection error to
httpx's ConnectTimeout (its first match wins), so a refused connection read as "connect timed
out" and was not retried as a call that never reached the server. A failed connect is a
ConnectError here, a server that hung up before answering a RemoteProtocolError, and a socket
that failed while the request was sent a WriteError (while the answer was read, a ReadError:
"Can not write request body" read "connect timed out", though the call had connected). So is an
answer that is not HTTP at all (a bad status line, broken headers: aiohttp's
ClientResponseError, which the stock method lets out as it is, so it reached the user as a
traceback).
"""

from __future__ import annotations

from dataclasses import dataclass

import httpx
from aiohttp import (
    ClientConnectorError,
    ClientOSError,
    ClientResponseError,
    ClientSession,
    ClientTimeout,
    ServerDisconnectedError,
)
from httpx_aiohttp import AiohttpTransport
from httpx_aiohttp.transport import AiohttpResponseStream, map_aiohttp_exceptions
from multidict import CIMultiDict
from yarl import URL

KEPT = "apitest.aiohttp"
"""The request extension that carries a kept request's aiohttp arguments."""


@dataclass(frozen=True)
class _Arguments:
    url: URL
    headers: CIMultiDict[str]
    timeout: ClientTimeout


class Transport(AiohttpTransport):
    """httpx-aiohttp's transport, which also sends kept requests (see the module)."""

    def keep(self, request: httpx.Request) -> None:
        """`request` will be sent again and again, unchanged: convert it once. A request
        with a body, a server name of its own, or a proxy in the way is left to the stock
        method."""
        if self.proxy is not None or "sni_hostname" in request.extensions:
            return
        try:
            if request.content:
                return
        except httpx.RequestNotRead:
            return  # a streamed body
        timeout = request.extensions.get("timeout", {})
        request.extensions[KEPT] = _Arguments(
            url=URL(str(request.url)),
            headers=CIMultiDict(request.headers),
            timeout=ClientTimeout(
                sock_connect=timeout.get("connect"),
                sock_read=timeout.get("read"),
                connect=timeout.get("pool"),
            ),
        )

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        try:
            kept = request.extensions.get(KEPT)
            if not isinstance(kept, _Arguments):
                return await super().handle_async_request(request)
            return await self._send_kept(request, kept)
        except httpx.ConnectTimeout as exc:
            raise _what_failed(exc, request) from exc.__cause__
        except ClientResponseError as exc:
            said = str(exc.message).strip().splitlines()
            raise httpx.RemoteProtocolError(
                f"the answer is not HTTP ({said[0].rstrip(':') if said else exc.status})",
                request=request,
            ) from exc

    async def _send_kept(self, request: httpx.Request, kept: _Arguments) -> httpx.Response:
        if not isinstance(self.client, ClientSession):
            self.client = self.get_client()
        with map_aiohttp_exceptions():
            response = await self.client.request(
                method=request.method,
                url=kept.url,
                headers=kept.headers,
                data=None,
                allow_redirects=False,
                auto_decompress=False,
                compress=False,
                timeout=kept.timeout,
            ).__aenter__()
        extensions = {"http_version": b"HTTP/1.1"}
        if response.reason:
            extensions["reason_phrase"] = response.reason.encode()
        return httpx.Response(
            status_code=response.status,
            headers=response.raw_headers,
            stream=AiohttpResponseStream(response),
            request=request,
            extensions=extensions,
        )


def _what_failed(exc: httpx.ConnectTimeout, request: httpx.Request) -> httpx.TransportError:
    """The httpx error for what aiohttp said (see the module's docstring); a real connect
    timeout stays one."""
    cause = exc.__cause__
    if isinstance(cause, ServerDisconnectedError):
        return httpx.RemoteProtocolError(str(exc), request=request)
    if isinstance(cause, ClientConnectorError) and not isinstance(cause, TimeoutError):
        return httpx.ConnectError(str(exc), request=request)
    if isinstance(cause, ClientOSError):  # the socket failed mid-call: nothing timed out
        lost = httpx.WriteError if "write" in str(cause).lower() else httpx.ReadError
        return lost(str(exc), request=request)
    return exc
