"""Keep secrets out of every output: credentials in headers, tokens anywhere in captured text.

Two layers. Headers that carry credentials by their nature (Authorization, Cookie, ...) are
replaced outright, or, where the run placed the token itself, shown with a placeholder that
keeps a curl command reproducible (`Zoho-oauthtoken ${APITEST_ACCESS_TOKEN}`). And every known
secret value (client secrets, refresh tokens, each access token the run used) is masked in any
text captured, whatever header, parameter or body it turns up in.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from urllib.parse import urlsplit

MASK = "***"
MIN_SECRET_LENGTH = 6
"""Shorter values are not masked: masking "1" would mangle every number in a report."""
SECRET_HEADERS = frozenset(
    {"authorization", "proxy-authorization", "cookie", "set-cookie", "x-api-key", "x-auth-token"}
)


class Redactor:
    """Masks secret values; learns new ones (tokens) as the run obtains them."""

    def __init__(self, secrets: Iterable[str] = ()) -> None:
        self._secrets: set[str] = set()
        self._longest_first: list[str] = []
        """The secrets, longest first (a secret inside another must not be masked first)."""
        for secret in secrets:
            self.add(secret)

    def add(self, secret: str | None) -> None:
        if secret and len(secret) >= MIN_SECRET_LENGTH and secret not in self._secrets:
            self._secrets.add(secret)
            self._longest_first = sorted(self._secrets, key=len, reverse=True)

    def text(self, value: str) -> str:
        for secret in self._longest_first:
            if secret in value:
                value = value.replace(secret, MASK)
        return value

    def headers(
        self, headers: Mapping[str, str], placeholders: Mapping[str, str] | None = None
    ) -> dict[str, str]:
        """Headers safe to show: a placeholder where the run put the credential, the mask for
        any other credential-bearing header, known secrets masked in the rest."""
        shown: dict[str, str] = {}
        for name, value in headers.items():
            if placeholders and name in placeholders:
                shown[name] = placeholders[name]
            elif name.lower() in SECRET_HEADERS:
                shown[name] = MASK
            else:
                shown[name] = self.text(value)
        return shown


def safe_url(url: str) -> str:
    """`url` without userinfo, query or fragment, the parts of a URL that carry secrets (a
    password, an API key as a parameter): what a report or a message may show of a target.
    A text that is not an absolute URL is returned as it is."""
    parts = urlsplit(url)
    if not parts.scheme or not parts.netloc:
        return url
    return f"{parts.scheme}://{parts.netloc.rpartition('@')[2]}{parts.path}"
