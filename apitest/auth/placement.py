"""Which credential a call carries and where it goes (ZSPEC.md section 9).

Operation-level `<authentication>` wins over the resource's. An oauth2 authentication names a
schema (in its own file, else `resource.name` across files) whose relative `token-url`
resolves against the run's base URL as RFC 3986 says: `/oauth/v2/token` against
`http://host/api/v1` is `http://host/oauth/v2/token`. One `TokenSource` per token endpoint,
asked for the union of the scopes the run's operations need.
"""

from __future__ import annotations

from collections.abc import MutableMapping
from urllib.parse import urljoin

import httpx

from apitest.auth.credentials import Credentials
from apitest.auth.oauth2 import TokenSource
from apitest.errors import UsageError
from apitest.spec.model import Authentication, Catalog, OAuth2Schema, Operation, Resource

DEFAULT_PREFIX = "Bearer"


def authentication_of(resource: Resource, op: Operation) -> Authentication | None:
    return op.authentication or resource.authentication


class Authenticator:
    """Puts the right token on each call and refreshes it when the API says 401."""

    def __init__(
        self, client: httpx.AsyncClient, catalog: Catalog, base_url: str, creds: Credentials
    ) -> None:
        self._client = client
        self._catalog = catalog
        self._base_url = base_url
        self._creds = creds
        self._sources: dict[str, TokenSource] = {}
        self._scopes: dict[str, list[str]] = {}
        for resource in catalog.resources:
            for op in resource.operations:
                auth = authentication_of(resource, op)
                if auth is None or auth.type != "oauth2":
                    continue
                url = self._token_url(resource, auth)
                self._scopes.setdefault(url, []).extend(auth.scopes)

    def check(self) -> None:
        """Fail before the first call when the specs need credentials the run was not given."""
        for resource in self._catalog.resources:
            for op in resource.operations:
                auth = authentication_of(resource, op)
                if auth is None:
                    continue
                if auth.type == "token" and not self._creds.token:
                    raise UsageError(
                        f'{auth.loc}: {op.name} needs a token (type="token"); set APITEST_TOKEN'
                    )
                if auth.type == "oauth2" and not self._creds.has_oauth2:
                    raise UsageError(
                        f"{auth.loc}: {op.name} needs OAuth2 ({auth.schema or 'no schema'}); set "
                        "APITEST_CLIENT_ID and APITEST_CLIENT_SECRET (client credentials), plus "
                        "APITEST_REFRESH_TOKEN or APITEST_GRANT_TOKEN, or APITEST_ACCESS_TOKEN"
                    )

    async def apply(
        self,
        resource: Resource,
        op: Operation,
        headers: MutableMapping[str, str],
        params: MutableMapping[str, str],
        *,
        override: str | None = None,
    ) -> str | None:
        """Place the credential on the call (or `override` in its place, for the Invalid Token
        case); returns the token used, None without auth."""
        auth = authentication_of(resource, op)
        if auth is None:
            return None
        if override is not None:
            token = override
        elif auth.type == "token":
            token = self._creds.token or ""
        else:
            token = await self._source(resource, auth).token()
        _place(auth, token, headers, params)
        return token

    async def after_unauthorized(self, resource: Resource, op: Operation, rejected: str) -> bool:
        """Refresh after a 401; False when there is nothing to refresh (a static token)."""
        auth = authentication_of(resource, op)
        if auth is None or auth.type != "oauth2":
            return False
        source = self._source(resource, auth)
        return await source.after_unauthorized(rejected) != rejected

    def _source(self, resource: Resource, auth: Authentication) -> TokenSource:
        url = self._token_url(resource, auth)
        source = self._sources.get(url)
        if source is None:
            source = TokenSource(self._client, url, self._creds, self._scopes.get(url, []))
            self._sources[url] = source
        return source

    def _token_url(self, resource: Resource, auth: Authentication) -> str:
        schema = find_schema(self._catalog, resource, auth.schema)
        raw = (schema.token_url or schema.refresh_url) if schema else None
        if not raw:
            where = f"schema {auth.schema!r}" if auth.schema else "the authentication"
            raise UsageError(f"{auth.loc}: {where} gives no token-url to get OAuth2 tokens from")
        return urljoin(self._base_url, raw)


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
