"""Which credential a call carries and where it goes (ZSPEC.md section 9).

Operation-level `<authentication>` wins over the resource's. An oauth2 authentication names a
schema (in its own file, else `resource.name` across files) whose relative `token-url`
resolves against the run's base URL as RFC 3986 says: `/oauth/v2/token` against
`http://host/api/v1` is `http://host/oauth/v2/token`. One `TokenSource` per token endpoint,
asked for the union of the scopes the run's operations need.
"""

from __future__ import annotations

import functools
from collections.abc import MutableMapping
from urllib.parse import urljoin

import httpx

from apitest.auth.oauth2 import TokenSource
from apitest.auth.profiles import AuthConfig, Profile
from apitest.auth.stores import TokenStore
from apitest.errors import UsageError
from apitest.spec.model import Authentication, Catalog, OAuth2Schema, Operation, Resource

DEFAULT_PREFIX = "Bearer"


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
        self._token_urls: dict[tuple[str, str | None], str] = {}
        self._scopes: dict[str, list[str]] = {}
        for resource in catalog.resources:
            for op in resource.operations:
                found = authentication_of(resource, op)
                if found is None or found.type != "oauth2":
                    continue
                url = self._token_url(resource, found)
                self._scopes.setdefault(url, []).extend(found.scopes)

    def check(self) -> None:
        """Fail before the first call when the specs need credentials the run was not given."""
        for name, profile in self._auth.profiles.items():
            creds = profile.credentials
            for resource in self._catalog.resources:
                for op in resource.operations:
                    found = authentication_of(resource, op)
                    if found is None:
                        continue
                    if found.type == "token" and not creds.token:
                        raise UsageError(
                            f'{found.loc}: {op.name} needs a token (type="token"); set '
                            f"APITEST_TOKEN{_for(name, self._auth)}"
                        )
                    if found.type == "oauth2" and not creds.has_oauth2:
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
        if override is not None:
            token = override
        elif found.type == "token":
            token = chosen.credentials.token or ""
        else:
            token = await self._source(resource, found, chosen).token()
        _place(found, token, headers, params)
        return token

    async def after_unauthorized(
        self, resource: Resource, op: Operation, rejected: str, profile: str | None = None
    ) -> bool:
        """Refresh after a 401; False when there is nothing to refresh (a static token)."""
        found = authentication_of(resource, op)
        if found is None or found.type != "oauth2":
            return False
        source = self._source(resource, found, self._profile(profile))
        return await source.after_unauthorized(rejected) != rejected

    async def missing_scopes(self, resource: Resource, op: Operation) -> list[str]:
        """Scopes `op` needs that the run's token was not granted ([] when the server does
        not say what it granted: the API will tell)."""
        found = authentication_of(resource, op)
        if found is None or found.type != "oauth2" or not found.scopes:
            return []
        source = self._source(resource, found, self._auth.main)
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

    def _profile(self, name: str | None) -> Profile:
        if name is None:
            return self._auth.main
        return self._auth.profiles[name]

    def _source(self, resource: Resource, auth: Authentication, profile: Profile) -> TokenSource:
        url = self._token_url(resource, auth)
        source = self._sources.get((profile.name, url))
        if source is None:
            source = TokenSource(self._client, url, profile, self._scopes.get(url, []), self._store)
            self._sources[(profile.name, url)] = source
        return source

    def _token_url(self, resource: Resource, auth: Authentication) -> str:
        key = (resource.name, auth.schema)
        found = self._token_urls.get(key)
        if found is None:
            found = self._token_urls[key] = self._resolve_token_url(resource, auth)
        return found

    def _resolve_token_url(self, resource: Resource, auth: Authentication) -> str:
        schema = find_schema(self._catalog, resource, auth.schema)
        raw = (schema.token_url or schema.refresh_url) if schema else None
        if not raw:
            where = f"schema {auth.schema!r}" if auth.schema else "the authentication"
            raise UsageError(f"{auth.loc}: {where} gives no token-url to get OAuth2 tokens from")
        return urljoin(self._base_url, raw)


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
    if not name:
        return resource.oauth2[0] if resource.oauth2 else None
    own = next((schema for schema in resource.oauth2 if schema.name == name), None)
    if own is not None or "." not in name:
        return own
    other_name, _, key = name.partition(".")
    other = catalog.resource(other_name)
    if other is None:
        return None
    return next((schema for schema in other.oauth2 if schema.name == key), None)


def _place(
    auth: Authentication,
    token: str,
    headers: MutableMapping[str, str],
    params: MutableMapping[str, str],
) -> None:
    if auth.location == "header":
        prefix = (
            auth.prefix
            if auth.prefix is not None
            else (DEFAULT_PREFIX if auth.type == "oauth2" else "")
        )
        headers[auth.name] = f"{prefix} {token}".strip() if prefix else token
    else:  # "param" and "url" both travel in the query string
        params[auth.name] = token
