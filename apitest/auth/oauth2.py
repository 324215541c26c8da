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
knows) moves on to the next flow; only when all fail does the caller err (each case that
needs the token), and that refusal is kept and given to every later caller unasked. A refusal
followed by a flow that worked is not silent: it is kept in `notices` (notices.py says why and
words it) for the summary and every report, since the run then tested as someone else.

Each call is built from the operation the schema declares for its endpoint (`declared.py`):
refreshes go to `<refresh-url>`, grant codes and client credentials to `<token-url>` (either
stands in when only one is declared). A `<token>` schema has one flow: its `<token-url>` call,
repeated when the token expires or is refused. When the schema declares an
`<authentication-url>`, the first token obtained is checked there once before any call uses it.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator, Callable, Iterable
from contextlib import asynccontextmanager
from dataclasses import replace

import httpx

from apitest.auth.declared import (
    Endpoint,
    TokenEndpoints,
    TokenRequest,
    build_request,
    is_password_login,
    place_token,
)
from apitest.auth.flow_order import no_flow_message, refreshes_and_grants
from apitest.auth.login_fields import FLOW_FIELDS, fields_unfilled, login_digest, token_field_envs
from apitest.auth.notices import Refusal, fallback, scopes_rejoined
from apitest.auth.profiles import Profile
from apitest.auth.replay_call import replay_call
from apitest.auth.scope_join import ScopeJoin
from apitest.auth.stores import Token, TokenStore
from apitest.auth.token_answer import access_token, json_answer, reason, server_trouble, token_from
from apitest.errors import ApitestError, TargetUnreachableError, UsageError, clip
from apitest.results import AuthNotice, fold_notices

REFRESH_MARGIN_S = 60.0
"""Refresh this long before expiry (at most; a quarter of a short lifetime), so no call goes
out with a dying token."""


class AuthFailedError(ApitestError):
    """The token endpoint refused every flow the credentials allow (exit 2: fix credentials).
    `final` unless a refusal was the server's trouble (5xx, 429), which a later ask may not
    meet."""

    exit_code = 2

    def __init__(self, message: str, *, final: bool = True) -> None:
        super().__init__(message)
        self.final = final


class _Refused(Exception):
    """One flow refused; the next may work. `error` is the server's code (invalid_grant) or
    the HTTP status; `description` its words, scrubbed of the run's secrets."""

    def __init__(self, error: str, description: str, *, transient: bool = False) -> None:
        super().__init__(f"{error}{' (' + description + ')' if description else ''}")
        self.error = error
        self.description = description
        self.transient = transient


class TokenSource:
    """Access tokens of one profile from one token endpoint."""

    def __init__(
        self,
        client: httpx.AsyncClient,
        endpoints: str | TokenEndpoints,
        profile: Profile,
        scopes: Iterable[str],
        store: TokenStore,
        *,
        clock: Callable[[], float] = time.time,
    ) -> None:
        """`endpoints` is the schema's endpoints, or a bare token URL (the RFC 6749 form)."""
        self._client = client
        if isinstance(endpoints, str):
            endpoints = TokenEndpoints("oauth2", Endpoint(endpoints))
        self.endpoints = endpoints
        self.token_url = endpoints.label
        self.profile = profile
        self.key = f"{profile.name}|{profile.credentials.client_id or '-'}|{self.token_url}"
        if profile.credentials.token_fields:
            self.key += f"|{login_digest(profile.credentials.token_fields)}"
        self._join = ScopeJoin.declared_by(
            endpoints, tuple(dict.fromkeys(profile.scopes or tuple(scopes)))
        )
        """Joins several scopes in one `scope` value: what the spec declares, else the comma
        of Zoho's accounts server, until a refusal shows the server wants RFC 6749's space."""
        self._password_login = endpoints.kind == "oauth2" and is_password_login(endpoints)
        """The `<oauth2>` token-url pins `grant_type` to `password` (RFC 6749 section 4.3,
        Node-RED's admin login): its token comes from that call, filled with the profile's
        token fields (`username`, `password`), in place of client credentials, which the
        server would refuse."""
        self._store = store
        self._clock = clock
        self._lock = asyncio.Lock()
        self._token: Token | None = None
        self._grant_spent = False
        self._refused: AuthFailedError | None = None
        self._given_spent = False
        self._checked = endpoints.authentication is None
        self.refreshes = 0
        self.notices: list[AuthNotice] = []
        """Flows refused before another worked (each distinct one once, with a count)."""

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

    async def after_insufficient_scope(self, rejected: str) -> str:
        """The API answered 403 insufficient_scope to `rejected`. Where that token was got by
        client credentials for several scopes joined by a guessed separator, and the server
        did not say it granted them all, ask once more joined the other way and keep that
        form for the run: oidc-provider and Keycloak drop a scope they cannot read rather than
        refuse it (invalid_scope, which `_grant` answers), so a correct API refused every
        call. Returns the token to call again with (`rejected`: none)."""
        async with self._lock:
            token = self._token
            if token is None or token.access_token != rejected:
                return self._value() if token is not None and token.access_token else rejected
            if rejected != self._join.guessed_for or self._join.settled or token.scopes:
                return rejected  # not a guess, or the server said what it granted
            guessed = self._join.turn()
            params = {"grant_type": "client_credentials", "scope": self._join.value}
            try:
                async with _held(self._store):
                    renewed = await self._grant_once(token, params)
                    self._token = await asyncio.to_thread(self._store.save_token, renewed)
            except _Refused:
                self._join.undo(guessed)
                return rejected
            notice = scopes_rejoined(
                self.profile.name, self.token_url, guessed, self._join.separator, by_api=True
            )
            fold_notices(self.notices, [notice])
            return self._value()

    def replay_request(self) -> tuple[Endpoint, TokenRequest, list[str | int]] | None:
        """This source's client-credentials call for a replay script (`replay_call.py`)."""
        return replay_call(self.endpoints, self._join.value, password_login=self._password_login)

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
        """A new token, or the refusal that ended every flow. A final refusal is kept and
        given to every later caller unasked: the server has judged these credentials, and
        each case asking again sent a refused call per flow per case (two runs of 22 cases
        sent DOT 88), enough to trip a provider's lockout of the client."""
        if self._refused is not None:
            raise AuthFailedError(f"{self._refused}; not asked again in this run")
        try:
            await self._renew_held(rejected)
        except AuthFailedError as exc:
            if exc.final:
                self._refused = exc
            raise

    async def _renew_held(self, rejected: str | None) -> None:
        async with _held(self._store):
            stored = await asyncio.to_thread(self._store.find_token, self.key)
            short = stored is not None and not self._covers(stored)
            if self._fresh(stored, rejected) and not short:
                self._token = stored  # another caller or process refreshed it already
                return
            token = await self._fetch(stored, short=short, rejected=rejected)
            if not self._checked:
                await self._check(token.access_token or "")
                self._checked = True
            self._token = await asyncio.to_thread(self._store.save_token, token)

    def _covers(self, token: Token) -> bool:
        """Whether `token` was granted every scope this source asks for (True when the
        server did not say what it granted). The store keeps one token per profile and
        endpoint, not per scope set (a refresh token rotates: two copies cannot both live),
        so a token stored by a run of other specs may lack scopes these specs need: used as
        it is, their cases would be skipped as 'not granted' and the run pass."""
        if not token.scopes or not self._join.names:
            return True
        have = {scope.lower() for scope in token.scopes}
        return all(scope.lower() in have for scope in self._join.names)

    async def _fetch(
        self, stored: Token | None, *, short: bool = False, rejected: str | None = None
    ) -> Token:
        """A new token by the first flow that works. `short`: the stored token lacks scopes
        asked for. A refresh never widens a grant (RFC 6749 section 6), so the flows that can
        (a given access token, a grant token, client credentials) go first, and the refresh
        tokens after them; with none of those, a live stored token the API has not just
        refused (`rejected`) is kept as it is, and its cases say which scope is missing."""
        creds = self.profile.credentials
        base = stored or Token(id="", key=self.key)
        if self.endpoints.kind == "token":
            return await self._token_flow(base)
        if creds.access_token and not self._given_spent and (stored is None or short):
            self._given_spent = True
            return replace(
                base, access_token=creds.access_token, expires_at=None, scopes=()
            )  # what it was granted is unknown
        refreshes, grants = refreshes_and_grants(
            creds,
            stored,
            profile_scopes=self._join.value if self.profile.scopes else None,
            scopes=self._join.value,
            grant_spent=self._grant_spent,
            password_login=self._password_login,
        )
        if short and not grants and stored is not None and self._fresh(stored, rejected):
            return stored
        flows = grants + refreshes if short else refreshes + grants
        if not flows:
            raise UsageError(no_flow_message(self.profile.name, self._given_spent))
        reasons: list[str] = []
        refused: list[Refusal] = []
        transient = False
        for name, params in flows:
            if params["grant_type"] == "authorization_code":
                self._grant_spent = True  # a grant token works once, whatever the answer
            try:
                token = await self._grant(base, params)
            except _Refused as exc:
                reasons.append(f"{name}: {exc}")
                refused.append(Refusal(name, exc.error, exc.description))
                transient = transient or exc.transient
                if name == "stored refresh token":
                    base = replace(base, refresh_token=None)  # spent or revoked: forget it
                continue
            if refused:
                fold_notices(
                    self.notices, [fallback(self.profile.name, self.token_url, refused, name)]
                )
            return token
        kind = "password" if self._password_login else "client_credentials"
        grant = self._values({"grant_type": kind, "scope": self._join.value})
        unfilled = self._unfilled_hint(grant, FLOW_FIELDS)
        how = "check its credentials" + (f"; and {unfilled}" if unfilled else "")
        if all(refusal.error == "invalid_scope" for refusal in refused):
            how = (
                f"the scopes asked for ({', '.join(self._join.names)}) were refused: check the "
                "scopes the operations' <authentication scopes> name, or the profile's scopes"
            )
        raise AuthFailedError(
            f"the token endpoint {self.token_url} refused profile {self.profile.name!r} "
            f"({'; '.join(reasons)}); {how}",
            final=not transient,
        )

    async def _token_flow(self, base: Token) -> Token:
        """A `<token>` schema: its token-url call with whatever credentials the profile has."""
        creds = self.profile.credentials
        values = {
            "client_id": creds.client_id,
            "client_secret": creds.client_secret,
            "code": creds.grant_token,
            "refresh_token": creds.refresh_token,
            "redirect_uri": creds.redirect_uri,
            "scope": self._join.value or None,
        }
        given = {k: v for k, v in values.items() if v is not None}
        try:
            return await self._grant(base, given)
        except _Refused as exc:
            how = self._unfilled_hint(given) or "check its credentials"
            raise AuthFailedError(
                f"the token-url {self.token_url} refused profile {self.profile.name!r} ({exc}); "
                f"{how}",
                final=not exc.transient,
            ) from None

    def _unfilled_hint(self, given: dict[str, str], flow: frozenset[str] = frozenset()) -> str:
        """How to fill what the declared token call names and nothing gave a value (a login's
        `password`, a custom header), leaving out `flow`'s own names, which another flow
        fills; "" where there is none. A refusal says that too: "check its credentials"
        alone sent the reader after credentials that were right while a field went empty."""
        unfilled = fields_unfilled(self.endpoints, given, self.profile.credentials, flow)
        if not unfilled:
            return ""
        return (
            f"the call names {', '.join(unfilled)}, which the profile gives no value: set "
            f"{token_field_envs(unfilled)}, or the profile's [auth.profiles.NAME.token_fields]"
        )

    def _values(self, params: dict[str, str]) -> dict[str, str]:
        """The flow's values plus the profile's client credentials (never an empty secret)."""
        creds = self.profile.credentials
        values = {**params, "client_id": creds.client_id or ""}
        if creds.client_secret:
            values["client_secret"] = creds.client_secret
        if creds.redirect_uri and self.endpoints.kind == "oauth2":
            values.setdefault("redirect_uri", creds.redirect_uri)
        return values

    async def _grant(self, base: Token, params: dict[str, str]) -> Token:
        """A token by the call `params` make; where the server refuses several scopes joined
        one way (invalid_scope) and the spec does not say how to join them, once more joined
        the other way, which is then kept for the run and said in a notice. OAuth 2.0 joins
        scopes by spaces (RFC 6749 section 3.3), Zoho's accounts server by commas, and the
        spec rarely says which its server is."""
        try:
            return await self._grant_once(base, params)
        except _Refused as exc:
            if exc.error != "invalid_scope" or not params.get("scope") or not self._join.guessing:
                raise
        refused = self._join.turn()
        try:
            token = await self._grant_once(base, {**params, "scope": self._join.value})
        except _Refused:
            self._join.undo(refused)
            raise
        notice = scopes_rejoined(self.profile.name, self.token_url, refused, self._join.separator)
        fold_notices(self.notices, [notice])
        return token

    async def _grant_once(self, base: Token, params: dict[str, str]) -> Token:
        grant_type = params.get("grant_type")
        endpoint = (
            self.endpoints.for_refresh()
            if grant_type == "refresh_token"
            else self.endpoints.for_grant()
        )
        assert endpoint is not None  # a source is made only for a schema with an endpoint
        values = params if self.endpoints.kind == "token" else self._values(params)
        if endpoint.operation is None:
            values = {k: v for k, v in values.items() if k != "redirect_uri"}  # RFC form as ever
        else:
            values = {k: v for k, v in values.items() if v}  # no value: the argument is left out
        request = build_request(endpoint, values, self.profile.credentials.token_field)
        response = await self._send(request, "the token endpoint")
        answer = json_answer(response)
        access = access_token(endpoint, answer, self.endpoints.kind)
        if response.status_code >= 400 or access is None:
            error = self._scrub(str(answer.get("error", "")), values) or (
                f"HTTP {response.status_code}"
            )
            why = self._scrub(reason(answer), values)
            raise _Refused(
                clip(error),
                clip(why, 200),
                transient=server_trouble(response.status_code, answer.get("error")),
            )
        self.refreshes += 1
        if grant_type == "client_credentials" and self._join.guessing and params.get("scope"):
            self._join.guessed_for = access
        return token_from(base, endpoint, answer, access, params, self._clock())

    def _scrub(self, text: str, sent: dict[str, str]) -> str:
        """`text` (the server's words) without any secret the run holds or just sent: a server
        may echo the refresh token it refuses, and this text reaches every report."""
        known = set(self.profile.credentials.secrets())
        known.update(sent.get(name) or "" for name in ("refresh_token", "code", "client_secret"))
        for secret in sorted(known, key=len, reverse=True):
            if len(secret) >= 4:
                text = text.replace(secret, "***")
        return text

    async def _check(self, access: str) -> None:
        """Call the schema's authentication-url once with a new token: a refusal stops the run
        before any case relies on a token the server does not accept."""
        endpoint = self.endpoints.authentication
        if endpoint is None:
            return
        request = build_request(endpoint, {"token": access, "access_token": access})
        placement = self.endpoints.placement
        if not request.placed & {"token", "access_token"} and placement is not None:
            place_token(placement, access, request.headers, request.params)
        response = await self._send(request, "the authentication-url")
        if not 200 <= response.status_code < 300:
            given = access == self.profile.credentials.access_token
            which = (
                "the access token given (APITEST_ACCESS_TOKEN or the profile's access_token: "
                "expired or revoked?)"
                if given
                else f"the token just obtained from {self.token_url}"
            )
            raise AuthFailedError(
                f"the authentication-url {request.url} refused {which} "
                f"(HTTP {response.status_code}); check the profile {self.profile.name!r}"
                + ("" if given else " and the schema's scopes"),
                final=not given and not server_trouble(response.status_code),
            )  # a given token refused: the next renewal goes on to the other flows

    async def _send(self, request: TokenRequest, what: str) -> httpx.Response:
        """One call to an endpoint of the schema; a network failure stops the run (exit 3)."""
        try:
            return await self._client.request(request.method, request.url, **request.send_kwargs())
        except httpx.TransportError as exc:
            raise TargetUnreachableError(
                f"cannot reach {what} {request.url}: {type(exc).__name__}"
            ) from None


@asynccontextmanager
async def _held(store: TokenStore) -> AsyncIterator[None]:
    """The store's cross-process lock, taken in a thread so the event loop keeps running."""
    manager = store.lock()
    await asyncio.to_thread(manager.__enter__)
    try:
        yield
    finally:
        await asyncio.to_thread(manager.__exit__, None, None, None)
