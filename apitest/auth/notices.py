"""What a run tells its reader about its credentials when no case fails to say it.

Two things stay invisible in a green run otherwise. A refresh token refused (invalid_grant)
and then client credentials granted: every case passes, but they ran as the client rather than
the refresh token's user, and the refresh token is spent for good, so the next run that has
only it stops. And a custom token store without a lock: processes sharing it refresh at once,
and with rotating refresh tokens all but one of them is refused, which is the first thing
again. The wording lives here, beside no HTTP, so it reads as one text and tests can read it.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from urllib.parse import urlsplit

from apitest.results import AuthNotice

_PHRASES = {
    "stored refresh token": "the stored refresh token",
    "APITEST_REFRESH_TOKEN": "the refresh token given (APITEST_REFRESH_TOKEN)",
    "grant token": "the grant token (APITEST_GRANT_TOKEN)",
}
_REFRESH_FLOWS = ("stored refresh token", "APITEST_REFRESH_TOKEN")
GIVEN_REFRESH_TOKEN = "refresh token of "
"""How the flow of a refresh token given other than by APITEST_REFRESH_TOKEN is named: by where
it came from ("refresh token of suites/ci.toml: [auth.profiles.qa]"), so that a notice never
names a variable the user did not set."""
SHARE_A_LOCKED_STORE = (
    "let every run and pytest-xdist worker share one token store with a lock (the default "
    "--token-store file, or sqlite, or mysql://... shared across machines, or a custom store "
    "class with a lock() method)"
)


@dataclass(frozen=True)
class Refusal:
    """One flow the token endpoint refused: its name, the error code, the server's words
    (already scrubbed of every secret the run knows)."""

    flow: str
    error: str
    description: str = ""


def fallback(profile: str, token_url: str, refused: Sequence[Refusal], used: str) -> AuthNotice:
    """The notice for flows refused before `used` worked."""
    what = "; ".join(
        f"{_phrase(r.flow)} ({r.error}{': ' + r.description if r.description else ''})"
        for r in refused
    )
    message = (
        f"profile {profile!r}: the token endpoint {_bare(token_url)} refused {what}; the run "
        f"went on with {_phrase(used)} instead."
    )
    burned = [
        r
        for r in refused
        if (r.flow in _REFRESH_FLOWS or r.flow.startswith(GIVEN_REFRESH_TOKEN))
        and r.error == "invalid_grant"
    ]
    if burned:
        who = (
            "the client (client credentials), not as the refresh token's user, possibly with "
            "other scopes and data"
            if used == "client credentials"
            else _phrase(used)
        )
        message += (
            " Likely cause: the refresh token was spent by another process that refreshed with "
            "it at the same time, or rotated by an earlier run whose successor was not kept "
            "(each refresh retires the refresh token it used). It is gone for good, and the "
            f"cases ran as {who}. Fix: {SHARE_A_LOCKED_STORE}, and give a new refresh token."
        )
    elif any(r.flow == "grant token" for r in refused):
        message += " A grant token works once and expires within minutes: get a new one."
    return AuthNotice(
        kind="fallback",
        message=message,
        profile=profile,
        refused=[f"{r.flow}: {r.error}" for r in refused],
        used=used,
    )


def _phrase(flow: str) -> str:
    """A flow as a sentence names it."""
    return "the " + flow if flow.startswith(GIVEN_REFRESH_TOKEN) else _PHRASES.get(flow, flow)


def _bare(url: str) -> str:
    """The URL without userinfo or query, the parts that may carry a secret."""
    parts = urlsplit(url)
    if not parts.scheme or not parts.netloc:
        return url
    return f"{parts.scheme}://{parts.netloc.rpartition('@')[2]}{parts.path}"


def store_without_lock(store: str) -> AuthNotice:
    """The notice for a custom token store class that has no lock() method."""
    return AuthNotice(
        kind="store-without-lock",
        message=(
            f"the token store {store} has no lock(): processes sharing it (parallel apitest "
            "runs, pytest-xdist workers) can refresh at the same moment, and where refresh "
            "tokens rotate every refresh but one is refused (invalid_grant) and the refresh "
            "token is spent. Fix: give the class a lock() context manager that excludes other "
            "processes (a file lock, as the file store takes on <path>.lock), or use "
            "--token-store file, sqlite or mysql://..."
        ),
    )


def scopes_rejoined(
    profile: str, token_url: str, refused: str, used: str, *, by_api: bool = False
) -> AuthNotice:
    """The notice for scopes refused joined by `refused` and asked again joined by `used`:
    refused by the token endpoint (invalid_scope), or, `by_api`, granted by it without them
    (oidc-provider and Keycloak drop a scope they cannot read) and so refused by the API (403
    insufficient_scope). The run went on, but each run pays a refused call until the spec
    says."""
    names = {",": "commas", " ": "spaces"}
    example = "read write" if used == " " else "read,write"
    joined = names.get(refused, repr(refused))
    refusal = "403 insufficient_scope" if by_api else "invalid_scope"
    how = (
        f"the API refused the token asked for the scopes joined by {joined} (403 "
        "insufficient_scope: the token endpoint had not granted them as asked), so the run "
        f"asked again joined by {names.get(used, repr(used))}"
        if by_api
        else f"the token endpoint {_bare(token_url)} refused the scopes joined by {joined} "
        f"(invalid_scope) and granted them joined by {names.get(used, repr(used))}"
    )
    return AuthNotice(
        kind="scope-separator",
        message=(
            f"profile {profile!r}: {how}, which the run used from then on. Say so "
            "in the spec to spare the refused call: the token call's scope argument with "
            f'style="delimiter" delimiter="{used}", or its scope with an example-value such as '
            f'"{example}".'
        ),
        profile=profile,
        refused=[f"scope joined by {joined}: {refusal}"],
        used=f"scope joined by {names.get(used, repr(used))}",
    )
