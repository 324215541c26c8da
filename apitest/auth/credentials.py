"""Credentials for a run, from the environment (and later from a suite's auth profile).

Values are secrets: the dataclass hides them from `repr`, so a stray log line or a traceback in
a bug report cannot show them.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, field, fields

ENV_NAMES = {
    "client_id": "APITEST_CLIENT_ID",
    "client_secret": "APITEST_CLIENT_SECRET",
    "refresh_token": "APITEST_REFRESH_TOKEN",
    "grant_token": "APITEST_GRANT_TOKEN",
    "access_token": "APITEST_ACCESS_TOKEN",
    "token": "APITEST_TOKEN",
    "redirect_uri": "APITEST_REDIRECT_URI",
}


@dataclass(frozen=True)
class Credentials:
    """What a run may authenticate with; which flow is used follows from what is set."""

    client_id: str | None = field(default=None, repr=False)
    client_secret: str | None = field(default=None, repr=False)
    refresh_token: str | None = field(default=None, repr=False)
    grant_token: str | None = field(default=None, repr=False)
    access_token: str | None = field(default=None, repr=False)
    token: str | None = field(default=None, repr=False)
    """The static token of a `type="token"` authentication."""
    redirect_uri: str | None = None
    """Sent where a declared token call has a `redirect_uri` argument (not a secret)."""
    token_fields: tuple[tuple[str, str], ...] = field(default=(), repr=False)
    """Values for the fields a declared token call names beyond OAuth's (a login's `email` and
    `password`), by name as `field_key` folds it; each a secret."""
    source: str = "environment"

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None) -> Credentials:
        env = os.environ if environ is None else environ

        def get(name: str) -> str | None:
            return env.get(ENV_NAMES[name]) or None

        return cls(
            client_id=get("client_id"),
            client_secret=get("client_secret"),
            refresh_token=get("refresh_token"),
            grant_token=get("grant_token"),
            access_token=get("access_token"),
            token=get("token"),
            redirect_uri=get("redirect_uri"),
            token_fields=tuple(
                sorted(
                    (field_key(name.removeprefix(TOKEN_FIELD_ENV)), value)
                    for name, value in env.items()
                    if name.startswith(TOKEN_FIELD_ENV)
                    and len(name) > len(TOKEN_FIELD_ENV)
                    and value
                )
            ),
        )

    @property
    def has_oauth2(self) -> bool:
        return bool(self.access_token or self.refresh_token or self.grant_token) or bool(
            self.client_id and self.client_secret
        )

    def secrets(self) -> list[str]:
        """Every secret value set, for redaction of outputs."""
        return [
            value
            for item in fields(self)
            if item.name not in ("source", "client_id", "redirect_uri")
            and isinstance(value := getattr(self, item.name), str)
            and value
        ] + [value for _, value in self.token_fields]

    def token_field(self, name: str) -> str | None:
        """The value given for the token call's field `name` (`password`, `userName`)."""
        key = field_key(name)
        return next((value for given, value in self.token_fields if given == key), None)


TOKEN_FIELD_ENV = "APITEST_TOKEN_FIELD_"
"""`APITEST_TOKEN_FIELD_PASSWORD=...` gives the declared token call's `password`."""


def field_key(name: str) -> str:
    """A token field's name as given and as declared compare alike: case and `-`/`_` aside
    (an environment variable is upper case and has no `-`)."""
    return name.lower().replace("-", "_")
