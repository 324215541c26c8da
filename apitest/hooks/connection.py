"""`context.getConnection(profile)`: HTTP calls a hook makes as one of the run's auth profiles.

The platform's connectors carry a credential the function never handles; here a connection
is named after an auth profile and asks the engine for that profile's current token before
each call (the engine's token sources refresh ahead and single-flight, so a hook never fetches
a token of its own). Hooks are synchronous, so the calls go through one synchronous
`httpx.Client` per run, opened on first use and closed with the run.
"""

from __future__ import annotations

import threading
from collections.abc import Awaitable, Mapping
from typing import Any

import httpx

from apitest.auth.profiles import AuthConfig
from apitest.defaults import DEFAULTS
from apitest.engine.hooks import TokenFor
from apitest.errors import UsageError
from apitest.hooks.bridge import LoopBridge

"""The engine's credential for a profile: (header name, header value), None without auth."""


class Connections:
    """The run's connections: one HTTP client, the profiles, and how to get their tokens."""

    def __init__(
        self,
        base_url: str,
        auth: AuthConfig | None,
        token_for: TokenFor | None,
        bridge: LoopBridge,
        timeout_s: float = DEFAULTS.hook_timeout,
    ) -> None:
        self.base_url = base_url
        self._auth = auth
        self._token_for = token_for
        self._bridge = bridge
        self._timeout_s = timeout_s
        self._lock = threading.Lock()
        self._client: httpx.Client | None = None
        self._closed = False

    def get(self, name: str) -> Connection:
        profiles = list(self._auth.profiles) if self._auth is not None else []
        if name not in profiles:
            known = ", ".join(profiles) or "none"
            raise UsageError(f"getConnection({name!r}): no such auth profile (profiles: {known})")
        return Connection(name, self)

    def client(self) -> httpx.Client:
        with self._lock:
            if self._closed:
                raise RuntimeError("the run is over: its connections are closed")
            if self._client is None:
                self._client = httpx.Client(timeout=self._timeout_s)
            return self._client

    def credential(self, profile: str) -> tuple[str, str] | None:
        if self._token_for is None:
            return None
        return self._bridge.run(_await(self._token_for(profile)), self._timeout_s)

    def url(self, path: str) -> str:
        """A full http(s) URL as is; anything else joined to the base URL ("/trips" ->
        base + "/trips", keeping the base's own path, unlike RFC 3986 joining)."""
        if path.lower().startswith(("http://", "https://")):
            return path
        return f"{self.base_url.rstrip('/')}/{path.lstrip('/')}"

    def close(self) -> None:
        with self._lock:
            self._closed = True
            client, self._client = self._client, None
        if client is not None:
            client.close()


async def _await(pending: Awaitable[tuple[str, str] | None]) -> tuple[str, str] | None:
    return await pending


class Connection:
    """Calls as profile `name`: its credential is placed unless the caller set that header."""

    def __init__(self, name: str, connections: Connections) -> None:
        self.name = name
        self._connections = connections

    def request(
        self,
        method: str,
        path: str,
        *,
        params: Mapping[str, Any] | None = None,
        headers: Mapping[str, str] | None = None,
        json: Any = None,
        content: str | bytes | None = None,
    ) -> httpx.Response:
        sent = httpx.Headers(dict(headers or {}))
        credential = self._connections.credential(self.name)
        if credential is not None and credential[0] not in sent:
            sent[credential[0]] = credential[1]
        return self._connections.client().request(
            method.upper(),
            self._connections.url(path),
            params=dict(params) if params else None,
            headers=sent,
            json=json,
            content=content,
        )

    def get(self, path: str, **kw: Any) -> httpx.Response:
        return self.request("GET", path, **kw)

    def post(self, path: str, **kw: Any) -> httpx.Response:
        return self.request("POST", path, **kw)

    def put(self, path: str, **kw: Any) -> httpx.Response:
        return self.request("PUT", path, **kw)

    def patch(self, path: str, **kw: Any) -> httpx.Response:
        return self.request("PATCH", path, **kw)

    def delete(self, path: str, **kw: Any) -> httpx.Response:
        return self.request("DELETE", path, **kw)

    def make_request(
        self,
        url: str,
        method: str = "GET",
        headers: Mapping[str, str] | None = None,
        data: Any = None,
    ) -> httpx.Response:
        """The platform's `makeRequest(url[, method][, headers][, data])`: text or bytes are
        sent as they are, anything else as JSON."""
        if isinstance(data, str | bytes):
            return self.request(method, url, headers=headers, content=data)
        return self.request(method, url, headers=headers, json=data)

    makeRequest = make_request
