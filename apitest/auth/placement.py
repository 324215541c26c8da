"""Which credential a call carries and where it goes (ZSPEC.md section 9).

Operation-level `<authentication>` wins over the resource's. An authentication names a schema
(`<oauth2>` or `<token>` in the file's `<authentication-schema>` or `<components>`, else
`resource.name` across files) whose endpoint paths resolve against the run's base URL as
RFC 3986 says: `/oauth/v2/token` against `http://host/api/v1` is `http://host/oauth/v2/token`.
One `TokenSource` per schema endpoint and profile, asked for the union of the scopes the run's
operations need. A `type="token"` authentication that names no schema carries the static
token of the profile (APITEST_TOKEN); a `<token>` schema always has its `<token-url>` (the
loader refuses one without, as ZEST's reference requires it).
"""

from __future__ import annotations

import functools
from collections.abc import MutableMapping
from urllib.parse import urljoin

import httpx

from apitest.auth.declared import (
    DEFAULT_PREFIX,
    Endpoint,
    TokenEndpoints,
    TokenRequest,
    is_password_login,
    place_token,
)
from apitest.auth.login_fields import login_fields_unfilled, token_field_envs
from apitest.auth.oauth2 import TokenSource
from apitest.auth.profiles import AuthConfig, Profile
from apitest.auth.stores import TokenStore
from apitest.errors import UsageError
from apitest.results import AuthNotice
from apitest.zspec.model import (
    AuthEndpoint,
    Authentication,
    Catalog,
    OAuth2Schema,
    Operation,
    Resource,
    TokenSchema,
)

__all__ = ["DEFAULT_PREFIX", "Authenticator", "authentication_of", "find_schema"]
Schema = OAuth2Schema | TokenSchema


def authentication_of(resource: Resource, op: Operation) -> Authentication | None:
    return op.authentication or resource.authentication


class Authenticator:
    """Puts the right profile's token on each call and refreshes it when the API says 401."""

    def __init__(
        self,
        client: httpx.AsyncClient,
        catalog: Catalog,
        base_url: str,
        auth: AuthConfig,
        store: TokenStore,
    ) -> None:
        self._client = client
        self._catalog = catalog
        self._base_url = base_url
        self._auth = auth
        self._store = store
        self._sources: dict[tuple[str, str], TokenSource] = {}
        self._endpoints: dict[tuple[str, str | None, str], TokenEndpoints | None] = {}
        self._scopes: dict[str, list[str]] = {}
        for resource in catalog.resources:
            for op in resource.operations:
                found = authentication_of(resource, op)
                endpoints = self._endpoints_of(resource, found) if found else None
                if found is not None and endpoints is not None:
                    self._scopes.setdefault(endpoints.label, []).extend(found.scopes)

    def check(self) -> None:
        """Fail before the first call when the specs need credentials the run was not given."""
        for name, profile in self._auth.profiles.items():
            creds = profile.credentials
            for resource in self._catalog.resources:
                for op in resource.operations:
                    found = authentication_of(resource, op)
                    if found is None:
                        continue
                    endpoints = self._endpoints_of(resource, found)
                    if endpoints is None and not creds.token:
                        raise UsageError(
                            f'{found.loc}: {op.name} needs a token (type="token"); set '
                            f"APITEST_TOKEN{_for(name, self._auth)}"
                        )
                    if endpoints is None or endpoints.kind != "oauth2":
                        continue
                    if is_password_login(endpoints):
                        unfilled = login_fields_unfilled(endpoints, creds)
                        if unfilled and not (creds.access_token or creds.refresh_token):
                            raise UsageError(
                                f"{found.loc}: {op.name} needs OAuth2 "
                                f"({found.schema or 'no schema'}), whose token-url logs in "
                                f"with a password: set {token_field_envs(unfilled)}"
                                f"{_for(name, self._auth)}, or APITEST_ACCESS_TOKEN"
                            )
                    elif not creds.has_oauth2:
                        raise UsageError(
                            f"{found.loc}: {op.name} needs OAuth2 "
                            f"({found.schema or 'no schema'}); set APITEST_CLIENT_ID and "
                            "APITEST_CLIENT_SECRET (client credentials), plus "
                            "APITEST_REFRESH_TOKEN or APITEST_GRANT_TOKEN, or "
                            f"APITEST_ACCESS_TOKEN{_for(name, self._auth)}"
                        )

    async def apply(
        self,
        resource: Resource,
        op: Operation,
        headers: MutableMapping[str, str],
        params: MutableMapping[str, str],
        *,
        override: str | None = None,
        profile: str | None = None,
    ) -> str | None:
        """Place the credential of `profile` (default: the run's) on the call, or `override`
        in its place (the Invalid Token case); returns the token used, None without auth."""
        found = authentication_of(resource, op)
        if found is None:
            return None
        chosen = self._profile(profile)
        source = self._source(resource, found, chosen)
        if override is not None:
            token = override
        elif source is None:
            token = chosen.credentials.token or ""
        else:
            token = await source.token()
        _place(found, token, headers, params)
        return token

    async def after_unauthorized(
        self, resource: Resource, op: Operation, rejected: str, profile: str | None = None
    ) -> bool:
        """Refresh after a 401; False when there is nothing to refresh (a static token)."""
        found = authentication_of(resource, op)
        source = self._source(resource, found, self._profile(profile)) if found else None
        if source is None:
            return False
        return await source.after_unauthorized(rejected) != rejected

    async def after_insufficient_scope(
        self, resource: Resource, op: Operation, rejected: str, profile: str | None = None
    ) -> bool:
        """A 403 insufficient_scope: whether a token asked with its scopes joined the other
        way is worth calling again with (TokenSource.after_insufficient_scope)."""
        found = authentication_of(resource, op)
        source = self._source(resource, found, self._profile(profile)) if found else None
        if source is None:
            return False
        return await source.after_insufficient_scope(rejected) != rejected

    async def missing_scopes(self, resource: Resource, op: Operation) -> list[str]:
        """Scopes `op` needs that the run's token was not granted ([] when the server does
        not say what it granted: the API will tell)."""
        found = authentication_of(resource, op)
        if found is None or found.type != "oauth2" or not found.scopes:
            return []
        source = self._source(resource, found, self._auth.main)
        if source is None:
            return []
        await source.token()
        return list(_not_granted(tuple(found.scopes), tuple(source.granted)))

    async def credential_header(self, profile: str) -> tuple[str, str] | None:
        """The header a call of `profile` would carry (for hooks' connections): from the
        first authentication the specs declare in a header; None if none does."""
        chosen = self._profile(profile)
        for resource in self._catalog.resources:
            for op in resource.operations:
                found = authentication_of(resource, op)
                if found is None or found.location != "header":
                    continue
                headers: dict[str, str] = {}
                await self.apply(resource, op, headers, {}, profile=chosen.name)
                return found.name, headers[found.name]
        return None

    def refreshes(self) -> int:
        return sum(source.refreshes for source in self._sources.values())

    def replay_token_call(self) -> tuple[Endpoint, TokenRequest, list[str | int]] | None:
        """How the run's main profile got its first token source's tokens, as a client
        credentials call with `${APITEST_CLIENT_ID}` / `${APITEST_CLIENT_SECRET}` in place of
        the values (for a replay script); with where the answer holds the token.
        None when the run used no token endpoint."""
        main = self._auth.main.name
        source = next((src for (name, _), src in self._sources.items() if name == main), None)
        return source.replay_request() if source is not None else None

    def notices(self) -> list[AuthNotice]:
        """What the token sources had to fall back on, for the run's summary and reports."""
        return [notice for source in self._sources.values() for notice in source.notices]

    def _profile(self, name: str | None) -> Profile:
        if name is None:
            return self._auth.main
        return self._auth.profiles[name]

    def _source(
        self, resource: Resource, auth: Authentication, profile: Profile
    ) -> TokenSource | None:
        """The token source of `auth`'s schema for `profile`; None: a static token."""
        endpoints = self._endpoints_of(resource, auth)
        if endpoints is None:
            return None
        key = (profile.name, endpoints.label)
        source = self._sources.get(key)
        if source is None:
            scopes = self._scopes.get(endpoints.label, [])
            source = TokenSource(self._client, endpoints, profile, scopes, self._store)
            self._sources[key] = source
        return source

    def _token_url(self, resource: Resource, auth: Authentication) -> str:
        """The absolute URL tokens of `auth` come from ('' for a static token)."""
        endpoints = self._endpoints_of(resource, auth)
        return endpoints.label if endpoints is not None else ""

    def _endpoints_of(self, resource: Resource, auth: Authentication) -> TokenEndpoints | None:
        key = (resource.name, auth.schema, auth.type)
        if key not in self._endpoints:
            self._endpoints[key] = self._resolve(resource, auth)
        return self._endpoints[key]

    def _resolve(self, resource: Resource, auth: Authentication) -> TokenEndpoints | None:
        schema = find_any_schema(self._catalog, resource, auth.schema, auth.type)
        if isinstance(schema, TokenSchema):
            if schema.token is None:
                return None  # nothing to call: the profile's static token
            return TokenEndpoints(
                "token",
                self._endpoint(schema.token),
                authentication=self._endpoint(schema.authentication),
                placement=auth,
            )
        if schema is None and auth.type == "token":
            return None
        token = schema.token_endpoint if schema else None
        refresh = schema.refresh_endpoint if schema else None
        if schema is None or (token is None and refresh is None):
            where = f"schema {auth.schema!r}" if auth.schema else "the authentication"
            raise UsageError(f"{auth.loc}: {where} gives no token-url to get OAuth2 tokens from")
        return TokenEndpoints(
            "oauth2",
            self._endpoint(token),
            self._endpoint(refresh),
            self._endpoint(schema.authentication),
            placement=auth,
        )

    def _endpoint(self, declared: AuthEndpoint | None) -> Endpoint | None:
        if declared is None:
            return None
        return Endpoint(urljoin(self._base_url, declared.path), declared.operation, declared.path)


@functools.lru_cache(maxsize=1024)
def _not_granted(needed: tuple[str, ...], granted: tuple[str, ...]) -> tuple[str, ...]:
    """The needed scopes not among those granted (compared without case); () when the
    server did not say what it granted. Asked before every call, with few distinct answers."""
    if not granted:
        return ()
    have = {scope.lower() for scope in granted}
    return tuple(scope for scope in needed if scope.lower() not in have)


def _for(profile: str, auth: AuthConfig) -> str:
    """Where the missing credential belongs, for the message."""
    if auth.source == "environment":
        return ""
    return f" (or the credentials of profile {profile!r} in {auth.source})"


def find_schema(catalog: Catalog, resource: Resource, name: str | None) -> OAuth2Schema | None:
    """The `<oauth2>` schema `name`: in the resource's own file first, then `other.name`."""
    found = find_any_schema(catalog, resource, name, "oauth2")
    return found if isinstance(found, OAuth2Schema) else None


def find_any_schema(
    catalog: Catalog, resource: Resource, name: str | None, kind: str = "oauth2"
) -> Schema | None:
    """The schema `name` (oauth2 or token): the file's `<authentication-schema>`, then its
    `<components>`; `other.name` looks the same way in resource `other`. With no name, the
    file's first schema of `kind`."""
    if not name:
        first: tuple[Schema, ...] = resource.oauth2 if kind == "oauth2" else resource.tokens
        return first[0] if first else None
    own = _named(resource, name)
    if own is not None or "." not in name:
        return own
    other_name, _, key = name.partition(".")
    other = catalog.resource(other_name)
    return _named(other, key) if other is not None else None


def _named(resource: Resource, name: str) -> Schema | None:
    own = next((schema for schema in resource.oauth2 if schema.name == name), None)
    if own is not None:
        return own
    token = next((schema for schema in resource.tokens if schema.name == name), None)
    if token is not None:
        return token
    return resource.components.oauth2.get(name) or resource.components.tokens.get(name)


_place = place_token
"""Kept under its old name: the engine's tests place tokens through it."""
