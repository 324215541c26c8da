"""Which OAuth2 flows a token source tries, in which order, for the token it lacks.

It stands apart from `oauth2.py`, which sends the calls and holds the source's state (locks,
the token, what was spent): the order is a decision over the credentials, the stored token and
what is already spent, and reads no answer.
"""

from __future__ import annotations

from apitest.auth.credentials import Credentials
from apitest.auth.notices import GIVEN_REFRESH_TOKEN
from apitest.auth.stores import Token

Flow = tuple[str, dict[str, str]]
"""A flow's name, as a notice or a refusal says it, and the parameters of its token call."""


def refresh_params(refresh_token: str, profile_scopes: str | None) -> dict[str, str]:
    """A refresh-token grant. It asks for the profile's own `scopes` (a read-only profile
    narrowed to reads), else for no scope: RFC 6749 section 6 then gives every scope the
    refresh token was granted, where asking for the spec's might exceed them."""
    params = {"grant_type": "refresh_token", "refresh_token": refresh_token}
    if profile_scopes:
        params["scope"] = profile_scopes
    return params


def refreshes_and_grants(
    creds: Credentials,
    stored: Token | None,
    *,
    profile_scopes: str | None,
    scopes: str,
    grant_spent: bool,
    password_login: bool,
) -> tuple[list[Flow], list[Flow]]:
    """The refresh flows (the stored refresh token, then the one given) and the grant flows
    (a grant token not yet spent, then a password login or client credentials) that can
    get a token now. A caller puts the grants first where the stored token lacks scopes: a
    refresh never widens a grant (RFC 6749 section 6)."""
    refreshes: list[Flow] = []
    if stored is not None and stored.refresh_token:
        refreshes.append(
            ("stored refresh token", refresh_params(stored.refresh_token, profile_scopes))
        )
    if creds.refresh_token and (stored is None or stored.refresh_token != creds.refresh_token):
        given = (
            "APITEST_REFRESH_TOKEN"
            if creds.source == "environment"
            else GIVEN_REFRESH_TOKEN + creds.source
        )
        refreshes.append((given, refresh_params(creds.refresh_token, profile_scopes)))
    grants: list[Flow] = []
    if creds.grant_token and not grant_spent:
        grants.append(
            ("grant token", {"grant_type": "authorization_code", "code": creds.grant_token})
        )
    if password_login:
        grants.append(("password", {"grant_type": "password", "scope": scopes}))
    elif creds.client_id and creds.client_secret:
        grants.append(("client credentials", {"grant_type": "client_credentials", "scope": scopes}))
    return refreshes, grants


def no_flow_message(profile: str, given_spent: bool) -> str:
    """Why a profile cannot get a token at all, and what to set."""
    spent = (
        "the API refused the access token given (APITEST_ACCESS_TOKEN or the profile's "
        "access_token: expired or revoked?) and "
        if given_spent
        else ""
    )
    return (
        f"{spent}profile {profile!r} has no way to get an OAuth2 access "
        "token: set APITEST_CLIENT_ID and APITEST_CLIENT_SECRET (client credentials), "
        "plus APITEST_REFRESH_TOKEN or APITEST_GRANT_TOKEN, or a fresh APITEST_ACCESS_TOKEN"
    )
