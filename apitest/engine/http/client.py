"""One HTTP call, done properly: throttle, concurrency slot, credential, retries, decoding.

httpx's AsyncClient over the httpx-aiohttp transport (several times the throughput of httpx's
own transport at high concurrency; `_transport` converts a repeated request only once).
Retries are for the network only: a refused connection never reached the server, so any
method may retry it; other transport errors retry only for idempotent methods, since a POST
may have been applied. A 401 refreshes the token once and replays; a 429/503 with Retry-After
is waited out and counted as throttle time, not a failure. One without Retry-After is sent
again after a short wait, a few times (BUSY_WAITS_S): both say the request was not handled, and
a server may say so for a moment (Prefect on SQLite answers 503 while another write holds the
database, and its own client retries); an API that keeps saying it still gets its 503.
"""

from __future__ import annotations

import asyncio
import functools
import time
from collections.abc import AsyncIterable
from dataclasses import dataclass, field
from typing import Any, Literal

import aiohttp
import httpx
from tenacity import AsyncRetrying, retry_if_exception, stop_after_attempt, wait_exponential_jitter

from apitest.auth.placement import Authenticator
from apitest.defaults import DEFAULTS
from apitest.engine.http._transport import Transport
from apitest.engine.http.bodies import body_kwargs, decode_answer
from apitest.engine.http.capture import capture
from apitest.engine.http.throttle import MAX_RETRY_AFTER_S, Throttles, retry_after_s
from apitest.redact import Redactor
from apitest.results import HttpRecord
from apitest.zspec.model import Content, Operation, Resource

IDEMPOTENT = frozenset({"get", "put", "delete", "head", "options"})
NETWORK_ATTEMPTS = 3
MAX_RETRY_AFTER_WAITS = 5
BUSY_WAITS_S = (0.25, 0.5, 1.0)
"""The waits before sending again a call answered 429 or 503 with no Retry-After, one a try."""
INVALID_TOKEN = "apitest-invalid-token-0000000000000000"
MAX_REUSED_REQUESTS = 1024
"""Distinct bodiless requests kept for reuse; past it the cache starts afresh."""


@dataclass
class Request:
    """A call as the engine built it (before the credential is placed)."""

    method: str
    url: str
    """A path below the run's base URL (the Caller's), as built; the Caller makes it the full
    URL before the call goes (hooks and reports see that). A full URL is sent as it is."""
    params: dict[str, str] = field(default_factory=dict)
    headers: dict[str, str] = field(default_factory=dict)
    body: Any = None
    """The body as data: JSON value, form dict, text, or None."""
    encode: str | None = None
    xml: Content | None = None
    """The content that lays the body out as XML, where `encode` is an XML type: the body
    stays data here (what the run records and compares) and is written out as it goes."""
    auth: Literal["normal", "omit", "invalid"] = "normal"
    """Missing Token and Invalid Token cases change the credential: none, or a wrong one."""
    profile: str | None = None
    """Whose credential (an auth profile's name); None: the run's main profile."""
    variables: dict[str, str] = field(default_factory=dict)
    """The URL path variables as they were filled in `url` (a client-chosen key, such as the
    bucket of S3's `PUT /{Bucket}`, names the record a create made where its answer does not)."""
    left_out: frozenset[tuple[str, str]] = frozenset()
    """(location, name) of each header or param the case leaves out on purpose (Mandatory
    Header, a Concurrent partner): what `--env` adds to every call is left out of this one too,
    or the case would go with it and a correct API that took the call would fail it."""


class BodyTooLargeError(Exception):
    def __init__(self, cap: int) -> None:
        super().__init__(
            f"the answer's body is larger than the {cap:,}-byte cap (--max-body-bytes); "
            "the rest was not read"
        )


@dataclass
class Exchange:
    """What came back (or why nothing did)."""

    request: Request
    status: int | None = None
    headers: dict[str, str] = field(default_factory=dict)
    body: Any = None
    content_type: str | None = None
    elapsed_ms: float = 0.0
    throttle_ms: float = 0.0
    attempts: int = 0
    busy: list[int] = field(default_factory=list)
    """The 429s and 503s without Retry-After after which the call went again (busy_note)."""
    notes: list[str] = field(default_factory=list)
    """What the call met that its case should say, though it is no verdict (the call sent
    again after a busy answer, a byte order mark read past)."""
    error: str | None = None
    """A one-line cause when no HTTP answer came (refused, reset, timeout)."""
    sent_headers: dict[str, str] = field(default_factory=dict)
    sent_params: dict[str, str] = field(default_factory=dict)
    token: str | None = None
    raw_text: str | None = None
    raw: bytes = b""
    record: HttpRecord | None = None
    """The call as the reports show it (secrets replaced), set when the call is over."""
    call_index: int = 0
    """Which call of its case this was (0-based), for provenance (engine/provenance.py)."""


def new_client(
    concurrency: int,
    timeout_s: float,
    *,
    connect_timeout_s: float | None = None,
    proxy: str | None = None,
) -> httpx.AsyncClient:
    """The run's client: `timeout_s` bounds each read, `connect_timeout_s` each connect; a
    proxy URL may carry its credentials (http://user:pass@proxy:3128)."""
    limits = httpx.Limits(max_connections=concurrency, max_keepalive_connections=concurrency)
    transport = Transport(limits=limits, proxy=httpx.Proxy(proxy) if proxy else None)

    def session() -> aiohttp.ClientSession:
        """The transport's own session, but for its cookie jar: apitest places every credential
        itself, and a cookie the API set in one case must not ride along on the next (a Missing
        Token case would pass on a session cookie); the jar also costs a lookup per call. Made
        by the transport on first use, inside the run's event loop."""
        connector = aiohttp.TCPConnector(
            limit=concurrency, keepalive_timeout=limits.keepalive_expiry, ssl=transport.ssl_context
        )
        return aiohttp.ClientSession(connector=connector, cookie_jar=aiohttp.DummyCookieJar())

    transport.client = session
    timeout = httpx.Timeout(timeout_s, connect=connect_timeout_s or timeout_s)
    return httpx.AsyncClient(transport=transport, timeout=timeout)


class Caller:
    """Sends calls for the engine, bounded by `concurrency` in flight, to the target at
    `base_url`: requests carry paths below it.

    The base URL is held here rather than as httpx's `base_url=`, which only
    `AsyncClient.build_request` merges in (the calls here go straight to the transport), and
    as the text given: httpx's URL would normalise it (a trailing slash, the host's case),
    while reports and replay scripts must show, and substitute, the target as the user wrote
    it."""

    def __init__(
        self,
        client: httpx.AsyncClient,
        auth: Authenticator,
        throttles: Throttles,
        concurrency: int,
        *,
        base_url: str = "",
    ) -> None:
        self.base_url = base_url.rstrip("/")
        self._client = client
        self._transport = client._transport  # see _attempt: sent past the client's machinery
        self._timeout = client.timeout.as_dict()
        self.auth = auth
        """Places each call's credential, and renews it on a 401; steps ask it for scopes."""
        self._throttles = throttles
        self._slots = asyncio.Semaphore(concurrency)
        self.max_body_bytes = DEFAULTS.max_body_bytes
        self.redactor = Redactor()
        self.extra_headers: dict[str, str] = {}
        self.extra_params: dict[str, str] = {}
        """What `--env` adds to every call (ZSPEC.md section 9)."""
        self._bodiless: dict[tuple[Any, ...], httpx.Request] = {}

    @property
    def read_timeout_s(self) -> float:
        """How long one answer may take to come: the most a call can be waited for."""
        read: float | None = self._timeout["read"]
        return read if read is not None else DEFAULTS.timeout

    def resolve(self, request: Request) -> Request:
        """`request` with its full URL (in place, so what a hook changes is what goes): a path
        is joined to the base URL, a full URL is left as it is."""
        if not request.url.lower().startswith(("http://", "https://")):
            request.url = self.base_url + request.url
        return request

    async def call(self, resource: Resource, op: Operation, request: Request) -> Exchange:
        exchange = await self._call(resource, op, self.resolve(request))
        exchange.record = capture(exchange, self.redactor)
        if exchange.busy:
            exchange.notes.append(busy_note(exchange))
        return exchange

    async def _call(self, resource: Resource, op: Operation, request: Request) -> Exchange:
        exchange = Exchange(request)
        window = self._throttles.window(op)
        refreshed = rejoined = False
        for _ in range(MAX_RETRY_AFTER_WAITS + len(BUSY_WAITS_S) + 2):
            slot = None
            if window is not None:
                slot, waited = await window.acquire()
                exchange.throttle_ms += waited * 1000
            try:
                async with self._slots:
                    response, token = await self._send(resource, op, request, exchange)
            finally:
                if slot is not None and window is not None:
                    await window.release(slot)
            if response is None:
                return exchange
            if response.status_code == 401 and token and not refreshed and request.auth == "normal":
                refreshed = True
                if await self.auth.after_unauthorized(resource, op, token, request.profile):
                    continue
            scoped = request.auth == "normal" and not rejoined
            if token and scoped and _insufficient_scope(response):
                rejoined = True
                if await self.auth.after_insufficient_scope(resource, op, token, request.profile):
                    continue
            wait = _retry_after(response, exchange)
            if wait is not None:
                await asyncio.sleep(wait)
                exchange.throttle_ms += wait * 1000
                continue
            decode_answer(response, exchange, op)
            return exchange
        return exchange

    async def _send(
        self, resource: Resource, op: Operation, request: Request, exchange: Exchange
    ) -> tuple[httpx.Response | None, str | None]:
        headers = _with_extra(self.extra_headers, request.headers, request.left_out, "header")
        params = _with_extra(self.extra_params, request.params, request.left_out, "param")
        if request.auth == "omit":
            token = None
        else:
            override = INVALID_TOKEN if request.auth == "invalid" else None
            token = await self.auth.apply(
                resource, op, headers, params, override=override, profile=request.profile
            )
        kwargs = body_kwargs(request)
        for name, value in kwargs.pop("headers", {}).items():
            if not any(key.lower() == name.lower() for key in headers):
                headers[name] = value  # a Content-Type the spec declares as a header wins
        exchange.sent_headers, exchange.sent_params, exchange.token = headers, params, token
        if token and request.auth == "normal":
            self.redactor.add(token)
        outgoing = self._outgoing(request.method.upper(), request.url, params, headers, kwargs)
        started = time.perf_counter()
        try:
            response = await self._attempt(outgoing, exchange)
        except BodyTooLargeError as exc:
            exchange.error = str(exc)
            exchange.elapsed_ms = (time.perf_counter() - started) * 1000
            return None, token
        except httpx.HTTPError as exc:
            if not _retryable(exc, request.method):
                return self._failed(exchange, exc, started), token
            try:  # the network failed: tenacity's jittered backoff for the remaining tries
                response = await self._retry(outgoing, exchange, request.method)
            except httpx.HTTPError as again:
                return self._failed(exchange, again, started), token
        exchange.elapsed_ms = (time.perf_counter() - started) * 1000
        return response, token

    def _outgoing(
        self,
        method: str,
        url: str,
        params: dict[str, str],
        headers: dict[str, str],
        body: dict[str, Any],
    ) -> httpx.Request:
        """The httpx request to send. One without a body is built once and sent again for every
        identical call (same method, URL, parameters and headers: a run repeats its reads, and
        building one costs as much as judging its answer); nothing on the way mutates it, as
        the retries of one call already rely on. A request with a body is built each time."""
        key = None if body else (method, url, tuple(params.items()), tuple(headers.items()))
        if key is not None and (found := self._bodiless.get(key)) is not None:
            return found
        outgoing = httpx.Request(
            method,
            _url(url),
            params=params or None,
            headers=headers,
            extensions={"timeout": self._timeout},
            **body,
        )
        if key is not None:
            if len(self._bodiless) >= MAX_REUSED_REQUESTS:
                self._bodiless.clear()
            self._bodiless[key] = outgoing
            if isinstance(self._transport, Transport):
                self._transport.keep(outgoing)
        return outgoing

    async def _attempt(self, outgoing: httpx.Request, exchange: Exchange) -> httpx.Response:
        """One try, straight to the transport: the client's cookie jar, auth flow and redirect
        machinery are not wanted here (apitest places credentials itself and judges each
        answer as it comes), and skipping them halves the runner's cost per call."""
        exchange.attempts += 1
        response = await self._transport.handle_async_request(outgoing)
        headers = dict(response.headers.items())  # one pass; dict() would look each key up
        try:
            exchange.raw = await self._read(response, headers.get("content-encoding", ""))
        finally:
            await response.aclose()
        exchange.headers = headers
        return response

    async def _read(self, response: httpx.Response, encoding: str) -> bytes:
        """The body, up to the cap: an API that answers with gigabytes must not take the
        runner's memory with it, so past the cap the rest is never read. A body with no
        content-encoding is read from the transport's stream as it comes (httpx's decoder and
        re-chunking layers would hand on the same bytes); an encoded one goes through them."""
        chunks: list[bytes] = []
        size = 0
        plain = encoding.strip().lower() in ("", "identity")
        source: AsyncIterable[bytes]
        if plain and isinstance(response.stream, httpx.AsyncByteStream):
            source = response.stream
        else:
            source = response.aiter_bytes()
        async for chunk in source:
            size += len(chunk)
            if size > self.max_body_bytes:
                raise BodyTooLargeError(self.max_body_bytes)
            chunks.append(chunk)
        return b"".join(chunks)

    async def _retry(
        self, outgoing: httpx.Request, exchange: Exchange, method: str
    ) -> httpx.Response:
        retrying = AsyncRetrying(
            stop=stop_after_attempt(NETWORK_ATTEMPTS - 1),
            wait=wait_exponential_jitter(multiplier=0.1, max=2.0, jitter=0.1),
            retry=retry_if_exception(lambda exc: _retryable(exc, method)),
            reraise=True,
        )
        async for attempt in retrying:
            with attempt:
                return await self._attempt(outgoing, exchange)
        raise AssertionError("unreachable: tenacity reraises the last error")

    @staticmethod
    def _failed(exchange: Exchange, exc: httpx.HTTPError, started: float) -> None:
        exchange.error = _cause(exc)
        exchange.elapsed_ms = (time.perf_counter() - started) * 1000


def _with_extra(
    extra: dict[str, str], own: dict[str, str], left_out: frozenset[tuple[str, str]], where: str
) -> dict[str, str]:
    """`own` (a call's headers or params) with what `--env` adds to every call, but for the
    names the call sends itself or leaves out on purpose. Header names are matched without
    regard to case, as HTTP reads them: else a declared `x-environment` and the environment's
    `X-Environment` would both go."""
    if not extra:
        return dict(own)  # a copy: the credential is placed in it

    def key(name: str) -> str:
        return name.lower() if where == "header" else name

    taken = {key(name) for name in own} | {key(name) for at, name in left_out if at == where}
    return {**{name: value for name, value in extra.items() if key(name) not in taken}, **own}


@functools.lru_cache(maxsize=4096)
def _url(text: str) -> httpx.URL:
    """URLs parsed once: a run calls the same few endpoints thousands of times."""
    return httpx.URL(text)


def _retryable(exc: BaseException, method: str) -> bool:
    if isinstance(exc, httpx.ConnectError):
        return True
    return isinstance(exc, httpx.TransportError) and method.lower() in IDEMPOTENT


def _cause(exc: httpx.HTTPError) -> str:
    kinds = {
        httpx.ConnectError: "connection refused or failed",
        httpx.ConnectTimeout: "connect timed out",
        httpx.ReadTimeout: "read timed out",
        httpx.RemoteProtocolError: "the server broke the HTTP exchange",
        httpx.ReadError: "connection reset while reading",
        httpx.WriteError: "connection lost while sending",
    }
    what = next((text for kind, text in kinds.items() if isinstance(exc, kind)), "network error")
    detail = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
    return f"{what} ({detail})"


def _insufficient_scope(response: httpx.Response) -> bool:
    """A 403 whose WWW-Authenticate says the token lacks a scope (RFC 6750 section 3.1), not
    that the caller may not do this at all."""
    if response.status_code != 403:
        return False
    return "insufficient_scope" in response.headers.get("www-authenticate", "").lower()


def _retry_after(response: httpx.Response, exchange: Exchange) -> float | None:
    """How long to wait before sending the call again, if it should go again: as long as a 429's
    or 503's Retry-After asks (up to MAX_RETRY_AFTER_S in all), else the next of BUSY_WAITS_S."""
    if response.status_code not in (429, 503):
        return None
    wait = retry_after_s(response.headers)
    if wait is None:
        if len(exchange.busy) == len(BUSY_WAITS_S):
            return None
        exchange.busy.append(response.status_code)
        return BUSY_WAITS_S[len(exchange.busy) - 1]
    if exchange.throttle_ms / 1000 + wait > MAX_RETRY_AFTER_S:
        return None
    return wait


def busy_note(exchange: Exchange) -> str:
    """What the case says of the calls sent again after a 429 or 503 without Retry-After."""
    statuses = ", ".join(str(status) for status in exchange.busy)
    waited = sum(BUSY_WAITS_S[: len(exchange.busy)])
    return (
        f"the API answered {statuses} with no Retry-After: the call went again after "
        f"{waited:g} s in all (a request the server says it did not handle)"
    )
