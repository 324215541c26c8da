"""OAuth2 access tokens for a run: stored, refreshed ahead of expiry, and once after a 401.

One `TokenSource` per (profile, token endpoint) serves every concurrent call: an asyncio lock
makes one refresh serve all waiters in the process, and the token store's lock (a file lock)
makes one refresh serve every process sharing the store. That matters because refresh tokens
rotate: a refresh spends the token it used, so two refreshes with the same one cannot both
succeed. Inside the lock the store is read first: a token another process just refreshed is
taken as it is.

Flows, in the order tried: the token in the store (refreshed with its rotated refresh token),
a given access token, the refresh token given, a grant token exchanged once, client
credentials. A refusal (invalid_grant: e.g. a stored refresh token the server no longer
knows) moves on to the next flow; only when all fail is the run stopped.
"""

from __future__ import annotations

import asyncio
import re
import time
from collections.abc import AsyncIterator, Callable, Iterable
from contextlib import asynccontextmanager
from dataclasses import replace
from typing import Any

import httpx

from apitest.auth.profiles import Profile
from apitest.auth.stores import Token, TokenStore
from apitest.errors import ApitestError, TargetUnreachableError, UsageError

REFRESH_MARGIN_S = 60.0
"""Refresh this long before expiry (at most; a quarter of a short lifetime), so no call goes
out with a dying token."""
_SCOPE_SPLIT = re.compile(r"[\s,]+")


class AuthFailedError(ApitestError):
    """The token endpoint refused every flow the credentials allow (exit 2: fix credentials)."""

    exit_code = 2


class _Refused(Exception):
    """One flow refused; the next may work."""


class TokenSource:
    """Access tokens of one profile from one token endpoint."""

    def __init__(
        self,
        client: httpx.AsyncClient,
        token_url: str,
        profile: Profile,
        scopes: Iterable[str],
        store: TokenStore,
        *,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self._client = client
        self.token_url = token_url
        self.profile = profile
        self.key = f"{profile.name}|{profile.credentials.client_id or '-'}|{token_url}"
        self._scopes = ",".join(dict.fromkeys(profile.scopes or tuple(scopes)))
        self._store = store
        self._clock = clock
        self._lock = asyncio.Lock()
        self._token: Token | None = None
        self._grant_spent = False
        self._given_spent = False
        self.refreshes = 0

    @property
    def granted(self) -> tuple[str, ...]:
        """Scopes the server said it granted ((): it did not say)."""
        return self._token.scopes if self._token is not None else ()

    async def token(self) -> str:
        """A live access token, fetched or refreshed first when needed."""
        if self._fresh(self._token):
            return self._value()
        async with self._lock:
            if not self._fresh(self._token):
                await self._renew(rejected=None)
            return self._value()

    async def after_unauthorized(self, rejected: str) -> str:
        """The API answered 401 to `rejected`: renew once, unless someone already did."""
        async with self._lock:
            if self._token is None or self._token.access_token == rejected:
                await self._renew(rejected=rejected)
            return self._value()

    def _value(self) -> str:
        assert self._token is not None and self._token.access_token
        return self._token.access_token

    def _fresh(self, token: Token | None, rejected: str | None = None) -> bool:
        if token is None or not token.access_token or token.access_token == rejected:
            return False
        if token.expires_at is None:
            return True
        lifetime = max(0.0, token.expires_at - token.updated_at)
        margin = min(REFRESH_MARGIN_S, lifetime / 4)
        return self._clock() < token.expires_at - margin

    async def _renew(self, rejected: str | None) -> None:
        async with _held(self._store):
            stored = await asyncio.to_thread(self._store.find_token, self.key)
            if self._fresh(stored, rejected):
                self._token = stored  # another caller or process refreshed it already
                return
            token = await self._fetch(stored)
            self._token = await asyncio.to_thread(self._store.save_token, token)

    async def _fetch(self, stored: Token | None) -> Token:
        creds = self.profile.credentials
        reasons: list[str] = []
        base = stored or Token(id="", key=self.key)
        flows: list[tuple[str, dict[str, str]]] = []
        if stored is not None and stored.refresh_token:
            flows.append(("stored refresh token", _refresh(stored.refresh_token)))
        if creds.access_token and not self._given_spent and stored is None:
            self._given_spent = True
            return replace(base, access_token=creds.access_token, expires_at=None)
        if creds.refresh_token and (stored is None or stored.refresh_token != creds.refresh_token):
            flows.append(("APITEST_REFRESH_TOKEN", _refresh(creds.refresh_token)))
        if creds.grant_token and not self._grant_spent:
            flows.append(
                ("grant token", {"grant_type": "authorization_code", "code": creds.grant_token})
            )
        if creds.client_id and creds.client_secret:
            flows.append(
                ("client credentials", {"grant_type": "client_credentials", "scope": self._scopes})
            )
        for name, params in flows:
            if params["grant_type"] == "authorization_code":
                self._grant_spent = True  # a grant token works once, whatever the answer
            try:
                return await self._grant(base, params)
            except _Refused as exc:
                reasons.append(f"{name}: {exc}")
                if name == "stored refresh token":
                    base = replace(base, refresh_token=None)  # spent or revoked: forget it
        if not flows:
            raise UsageError(
                f"profile {self.profile.name!r} has no way to get an OAuth2 access token: set "
                "APITEST_CLIENT_ID and APITEST_CLIENT_SECRET (client credentials), plus "
                "APITEST_REFRESH_TOKEN or APITEST_GRANT_TOKEN, or APITEST_ACCESS_TOKEN"
            )
        raise AuthFailedError(
            f"the token endpoint {self.token_url} refused profile {self.profile.name!r} "
            f"({'; '.join(reasons)}); check its credentials"
        )

    async def _grant(self, base: Token, params: dict[str, str]) -> Token:
        creds = self.profile.credentials
        form = {**params, "client_id": creds.client_id or ""}
        if creds.client_secret:
            form["client_secret"] = creds.client_secret
        try:
            response = await self._client.post(self.token_url, data=form)
        except httpx.TransportError as exc:
            raise TargetUnreachableError(
                f"cannot reach the token endpoint {self.token_url}: {type(exc).__name__}"
            ) from None
        answer = _json(response)
        if response.status_code >= 400 or not isinstance(answer.get("access_token"), str):
            error = str(answer.get("error", "")) or f"HTTP {response.status_code}"
            why = str(answer.get("error_description", ""))
            raise _Refused(f"{error}{' (' + why + ')' if why else ''}")
        self.refreshes += 1
        expires_in = answer.get("expires_in")
        now = self._clock()
        rotated = answer.get("refresh_token")
        if isinstance(rotated, str):
            refresh: str | None = rotated  # the one just used is spent
        elif params["grant_type"] == "refresh_token":
            refresh = params["refresh_token"]  # this server does not rotate
        else:
            refresh = base.refresh_token
        return replace(
            base,
            access_token=answer["access_token"],
            refresh_token=refresh,
            expires_at=now + float(expires_in) if isinstance(expires_in, int | float) else None,
            scopes=tuple(s for s in _SCOPE_SPLIT.split(str(answer.get("scope", ""))) if s),
            token_type=str(answer.get("token_type") or "") or None,
            updated_at=now,
        )


def _refresh(token: str) -> dict[str, str]:
    return {"grant_type": "refresh_token", "refresh_token": token}


def _json(response: httpx.Response) -> dict[str, Any]:
    try:
        answer = response.json()
    except ValueError:
        return {}
    return answer if isinstance(answer, dict) else {}


@asynccontextmanager
async def _held(store: TokenStore) -> AsyncIterator[None]:
    """The store's cross-process lock, taken in a thread so the event loop keeps running."""
    manager = store.lock()
    await asyncio.to_thread(manager.__enter__)
    try:
        yield
    finally:
        await asyncio.to_thread(manager.__exit__, None, None, None)
