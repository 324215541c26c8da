"""The fields a declared token call names beyond OAuth's own (a login's `username` and
`password`, a custom header): which the profile leaves unfilled, the environment variables
that fill them, and the digest of who a login logs in as.

It stands apart from `oauth2.py` because the checks before a run (`placement.py`) ask the same
questions of a schema with no token source yet made.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Mapping

from apitest.auth.credentials import TOKEN_FIELD_ENV, Credentials, field_key
from apitest.auth.declared import TokenEndpoints, unfilled_fields

FLOW_FIELDS = frozenset(
    ("grant_type", "code", "redirect_uri", "refresh_token", "scope", "client_id", "client_secret")
)
"""What the OAuth flows fill themselves, each where it applies: never named as unfilled."""


def login_fields_unfilled(endpoints: TokenEndpoints, creds: Credentials) -> list[str]:
    """What a password login's declared token call names beyond OAuth's own fields (its
    `username` and `password`) that the profile gives no value of: checked before the run."""
    return fields_unfilled(endpoints, {"grant_type": "password"}, creds, FLOW_FIELDS)


def fields_unfilled(
    endpoints: TokenEndpoints,
    given: Mapping[str, str],
    creds: Credentials,
    flow: frozenset[str] = frozenset(),
) -> list[str]:
    """The fields the declared token call names that neither `given` nor the profile's token
    fields fill, leaving out `flow`'s own names, which another flow fills."""
    endpoint = endpoints.for_grant()
    if endpoint is None:
        return []
    fields = unfilled_fields(endpoint, given, creds.token_field)
    return [name for name in fields if name not in flow]


def token_field_envs(names: Iterable[str]) -> str:
    """The environment variables that give the token call's fields `names`."""
    return ", ".join(f"{TOKEN_FIELD_ENV}{field_key(name).upper()}" for name in names)


def login_digest(fields: tuple[tuple[str, str], ...]) -> str:
    """Who a login logs in as, for the store's key: a login has no client id to tell one user
    from another, and a run as another user (or with another password) was handed the first
    user's stored token, passing as someone else. A digest, so no field's value is written."""
    text = "\0".join(f"{name}={value}" for name, value in sorted(fields))
    return hashlib.sha256(text.encode()).hexdigest()[:16]
