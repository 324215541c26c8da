"""OAuth2 access tokens for a run: fetched once, refreshed ahead of expiry and after a 401.

One `TokenSource` per token endpoint serves every concurrent call of the run: an asyncio lock
makes one refresh serve all waiters (single flight), which matters because refresh tokens may
rotate, so two refreshes with the same token cannot both succeed. Flows, in the order tried:
a given access token (until it fails), the refresh token (as given or as last rotated), a grant
token exchanged once, client credentials.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass

import httpx

from apitest.auth.credentials import Credentials
from apitest.errors import ApitestError, TargetUnreachableError, UsageError

REFRESH_MARGIN_S = 60.0
"""Refresh this long before `expires_in` runs out, so no call goes out with a dying token."""


class AuthFailedError(ApitestError):
    """The token endpoint refused every flow the credentials allow (exit 2: fix credentials)."""

    exit_code = 2


@dataclass
class _Token:
    value: str
    expires_at: float  # monotonic; inf when the server said nothing


class TokenSource:
    """Access tokens from one token endpoint for the union of scopes the run needs."""

    def __init__(
        self,
        client: httpx.AsyncClient,
        token_url: str,
        credentials: Credentials,
        scopes: Iterable[str],
        *,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._client = client
        self.token_url = token_url
        self._creds = credentials
        self._scopes = ",".join(dict.fromkeys(scopes))
        self._clock = clock
        self._lock = asyncio.Lock()
        self._token: _Token | None = None
        self._refresh_token = credentials.refresh_token
        self._grant_token = credentials.grant_token
        self._given = credentials.access_token
        self.refreshes = 0

    async def token(self) -> str:
        """A live access token, fetching or refreshing it first when needed."""
        current = self._token
        if current is not None and self._clock() < current.expires_at - REFRESH_MARGIN_S:
            return current.value
        async with self._lock:
            current = self._token
            if current is None or self._clock() >= current.expires_at - REFRESH_MARGIN_S:
                current = await self._fetch()
                self._token = current
            return current.value

    async def after_unauthorized(self, rejected: str) -> str:
        """The API answered 401 to `rejected`: refresh once, unless another caller already did."""
        async with self._lock:
            if self._token is None or self._token.value == rejected:
                self._token = await self._fetch()
            return self._token.value

    async def _fetch(self) -> _Token:
        if self._given is not None:
            given, self._given = self._given, None  # used once; afterwards refresh
            return _Token(given, float("inf"))
        creds = self._creds
        if self._refresh_token and creds.client_id:
            return await self._grant(
                {"grant_type": "refresh_token", "refresh_token": self._refresh_token}
            )
        if self._grant_token and creds.client_id:
            code, self._grant_token = self._grant_token, None  # a grant token works once
            return await self._grant({"grant_type": "authorization_code", "code": code})
        if creds.client_id and creds.client_secret:
            return await self._grant({"grant_type": "client_credentials", "scope": self._scopes})
        raise UsageError(
            "no way to get an OAuth2 access token: set APITEST_CLIENT_ID and "
            "APITEST_CLIENT_SECRET (client credentials), plus APITEST_REFRESH_TOKEN or "
            "APITEST_GRANT_TOKEN for a user's token, or APITEST_ACCESS_TOKEN"
        )

    async def _grant(self, params: dict[str, str]) -> _Token:
        form = {**params, "client_id": self._creds.client_id or ""}
        if self._creds.client_secret:
            form["client_secret"] = self._creds.client_secret
        try:
            response = await self._client.post(self.token_url, data=form)
        except httpx.TransportError as exc:
            raise TargetUnreachableError(
                f"cannot reach the token endpoint {self.token_url}: {type(exc).__name__}"
            ) from None
        try:
            answer = response.json()
        except ValueError:
            answer = {}
        if (
            not isinstance(answer, dict)
            or response.status_code >= 400
            or "access_token" not in answer
        ):
            error = answer.get("error", "") if isinstance(answer, dict) else ""
            why = answer.get("error_description", "") if isinstance(answer, dict) else ""
            raise AuthFailedError(
                f"the token endpoint {self.token_url} refused the {params['grant_type']} grant "
                f"(HTTP {response.status_code}{': ' + str(error) if error else ''}"
                f"{', ' + str(why) if why else ''}); check the APITEST_* credentials"
            )
        self.refreshes += 1
        if isinstance(answer.get("refresh_token"), str):
            self._refresh_token = answer["refresh_token"]  # rotated: the old one is spent
        expires_in = answer.get("expires_in")
        lifetime = float(expires_in) if isinstance(expires_in, int | float) else float("inf")
        return _Token(str(answer["access_token"]), self._clock() + lifetime)
