"""The token authority: grant codes, access tokens, rotating refresh tokens, scopes.

Kept free of HTTP so the rules read plainly (`oauth_routes.py` is the thin HTTP face). It
behaves like the Zoho accounts server a runner meets in the field, in the ways that break
naive clients: refresh tokens rotate (each refresh retires the one it used, so two workers
refreshing with the same token cannot both succeed), grant codes work once, and access tokens
expire after a configurable lifetime measured on the monotonic clock.
"""

from __future__ import annotations

import math
import re
import secrets
import threading
import time
from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from apitest.demo.credentials import (
    ALL_SCOPES,
    DEMO_CLIENT_ID,
    DEMO_CLIENT_SECRET,
    DEMO_GRANT_CODE,
    DEMO_REFRESH_TOKEN,
)
from apitest.demo.store import Clock, JsonObject

GRANT_CODE_TTL_S = 600.0  # RFC 6749 section 4.1.2 recommends at most ten minutes
_SCOPE_SPLIT = re.compile(r"[\s,]+")


class OAuthError(Exception):
    """An RFC 6749 error answer: `error` code, human description and HTTP status."""

    def __init__(self, error: str, description: str, status: int = 400) -> None:
        super().__init__(description)
        self.error = error
        self.description = description
        self.status = status


@dataclass(frozen=True)
class Grant:
    """Who a token or code speaks for and what it may do."""

    client_id: str
    scopes: frozenset[str]


@dataclass(frozen=True)
class AccessGrant(Grant):
    """What a live access token carries: its grant, and when it stops being honoured."""

    expires_at: float


class Authority:
    """Issues and checks tokens for the one demo client."""

    def __init__(self, token_ttl_s: float, clock: Clock = time.monotonic) -> None:
        self._ttl_s = token_ttl_s
        self._clock = clock
        self._lock = threading.Lock()
        everything = Grant(DEMO_CLIENT_ID, frozenset(ALL_SCOPES))
        self._clients = {DEMO_CLIENT_ID: DEMO_CLIENT_SECRET}
        self._access: dict[str, AccessGrant] = {}
        self._refresh: dict[str, Grant] = {DEMO_REFRESH_TOKEN: everything}
        self._retired: set[str] = set()
        self._codes: dict[str, tuple[Grant, float]] = {DEMO_GRANT_CODE: (everything, math.inf)}
        self.counts: Counter[str] = Counter()
        """Token-endpoint answers by grant type ("refresh_token"), and refusals as
        "grant_type:error" ("refresh_token:invalid_grant"): tests assert refresh behaviour."""
        self.issued: list[tuple[str, float]] = []
        """(grant type, clock time) of every token issued, in order."""

    def authorize(self, params: Mapping[str, str]) -> str:
        """A single-use grant code for `client_id` and `scope` (the consent step, no UI)."""
        client_id = params.get("client_id", "")
        if client_id not in self._clients:
            raise OAuthError("invalid_client", f"unknown client_id {client_id!r}")
        if params.get("response_type") != "code":
            raise OAuthError("unsupported_response_type", "response_type must be 'code'")
        scopes = parse_scopes(params.get("scope", ""))
        if not scopes:
            raise OAuthError("invalid_scope", "scope is required, e.g. TravelAgency.trips.READ")
        code = _new_secret()
        with self._lock:
            self._codes[code] = (Grant(client_id, scopes), self._clock() + GRANT_CODE_TTL_S)
        return code

    def exchange(
        self, params: Mapping[str, str], basic: tuple[str, str] | None = None
    ) -> JsonObject:
        """Answer one token-endpoint request (RFC 6749 sections 4.1.3, 4.4, 6)."""
        grant_type = params.get("grant_type", "")
        if not grant_type:
            raise OAuthError("invalid_request", "grant_type is required")
        handlers = {
            "refresh_token": self._refresh_grant,
            "authorization_code": self._code_grant,
            "client_credentials": self._client_grant,
        }
        handler = handlers.get(grant_type)
        if handler is None:
            raise OAuthError(
                "unsupported_grant_type", f"grant_type {grant_type!r} is not supported"
            )
        try:
            client_id = self._authenticate(params, basic)
            with self._lock:
                answer = handler(client_id, params)
        except OAuthError as exc:
            self._count(f"{grant_type}:{exc.error}")
            raise
        self._count(grant_type)
        with self._lock:
            self.issued.append((grant_type, self._clock()))
        return answer

    def _count(self, what: str) -> None:
        with self._lock:
            self.counts[what] += 1

    def verify(self, token: str) -> AccessGrant | None:
        """The grant behind a live access token; None if unknown or expired."""
        with self._lock:
            grant = self._access.get(token)
            if grant is not None and grant.expires_at <= self._clock():
                del self._access[token]
                return None
            return grant

    def _authenticate(self, params: Mapping[str, str], basic: tuple[str, str] | None) -> str:
        client_id, secret = basic or (params.get("client_id", ""), params.get("client_secret", ""))
        expected = self._clients.get(client_id)
        if expected is None or not secrets.compare_digest(secret, expected):
            raise OAuthError("invalid_client", "client authentication failed", status=401)
        return client_id

    def _refresh_grant(self, client_id: str, params: Mapping[str, str]) -> JsonObject:
        token = params.get("refresh_token", "")
        if not token:
            raise OAuthError("invalid_request", "refresh_token is required")
        grant = self._refresh.get(token)
        if grant is None or grant.client_id != client_id:
            why = (
                "was already used (refresh tokens rotate)"
                if token in self._retired
                else "is not valid"
            )
            raise OAuthError("invalid_grant", f"the refresh token {why}")
        scopes = self._narrow(grant.scopes, params.get("scope", ""))
        del self._refresh[token]
        self._retired.add(token)
        return self._issue(Grant(client_id, grant.scopes), scopes, with_refresh=True)

    def _code_grant(self, client_id: str, params: Mapping[str, str]) -> JsonObject:
        code = params.get("code", "")
        if not code:
            raise OAuthError("invalid_request", "code is required")
        found = self._codes.pop(code, None)
        if found is None or found[1] <= self._clock() or found[0].client_id != client_id:
            raise OAuthError("invalid_grant", "the grant code is unknown, expired or already used")
        grant = found[0]
        return self._issue(grant, grant.scopes, with_refresh=True)

    def _client_grant(self, client_id: str, params: Mapping[str, str]) -> JsonObject:
        scopes = self._narrow(frozenset(ALL_SCOPES), params.get("scope", ""))
        return self._issue(Grant(client_id, scopes), scopes, with_refresh=False)

    def _narrow(self, allowed: frozenset[str], text: str) -> frozenset[str]:
        asked = parse_scopes(text)
        if not asked:
            return allowed
        if not asked <= allowed:
            extra = ", ".join(sorted(asked - allowed))
            raise OAuthError("invalid_scope", f"scope(s) not granted: {extra}")
        return asked

    def _issue(self, grant: Grant, scopes: frozenset[str], *, with_refresh: bool) -> JsonObject:
        access = _new_secret()
        self._access[access] = AccessGrant(grant.client_id, scopes, self._clock() + self._ttl_s)
        answer: JsonObject = {
            "access_token": access,
            "expires_in": max(1, int(self._ttl_s)),
            "token_type": "Bearer",
            "scope": format_scopes(scopes),
        }
        if with_refresh:
            refresh = _new_secret()
            self._refresh[refresh] = grant
            answer["refresh_token"] = refresh
        return answer


def parse_scopes(text: str) -> frozenset[str]:
    """Scopes from a comma- (Zoho) or space- (RFC 6749) separated list; unknown ones refused."""
    scopes = frozenset(part for part in _SCOPE_SPLIT.split(text) if part)
    unknown = sorted(scopes - set(ALL_SCOPES))
    if unknown:
        raise OAuthError("invalid_scope", f"unknown scope(s): {', '.join(unknown)}")
    return scopes


def format_scopes(scopes: Iterable[str]) -> str:
    """Space-separated, in the specs' order, as RFC 6749 section 3.3 writes them."""
    chosen = set(scopes)
    return " ".join(scope for scope in ALL_SCOPES if scope in chosen)


def _new_secret() -> str:
    return f"1000.{secrets.token_hex(16)}.{secrets.token_hex(16)}"
