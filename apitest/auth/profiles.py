"""Auth profiles: who a run acts as. One from the environment by default; several from a file.

A profile file (TOML, `--auth FILE`; a suite's `[auth]` table has the same shape) lets one run
act as several users, e.g. a read-only user whose writes must be refused:

    [auth]
    default = "admin"                 # the profile the run's cases use
    store = "file"                    # file | sqlite | mysql://USER@HOST/DB | package.module:Class
    store_path = ".apitest/tokens.json"

    [auth.profiles.admin]
    client_id = "1000.ABC"
    client_secret_env = "ADMIN_CLIENT_SECRET"   # a secret is best named, not written here
    refresh_token_env = "ADMIN_REFRESH_TOKEN"

    [auth.profiles.reader]
    client_id = "1000.ABC"
    client_secret_env = "ADMIN_CLIENT_SECRET"
    scopes = ["TravelAgency.trips.READ"]        # ask for no more than this
    read_only = true                            # every write of the run is tried as this user

Each credential may be given inline (`client_secret = "..."`) or as `<name>_env` naming an
environment variable, which keeps secrets out of files that get committed. A token call that
takes other fields (a login's `email` and `password`) gets them from the profile's
`[auth.profiles.NAME.token_fields]` table, in the same two forms (`password_env = "QA_PASS"`),
or, without a file, from `APITEST_TOKEN_FIELD_<NAME>` variables.
"""

from __future__ import annotations

import os
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from apitest.auth.credentials import ENV_NAMES, Credentials, field_key
from apitest.errors import UsageError

DEFAULT_PROFILE = "default"
_PROFILE_KEYS = frozenset(
    {*ENV_NAMES, *(f"{name}_env" for name in ENV_NAMES), "read_only", "scopes", "token_fields"}
)
_AUTH_KEYS = frozenset({"default", "store", "store_path", "profiles"})


@dataclass(frozen=True)
class Profile:
    name: str
    credentials: Credentials
    read_only: bool = False
    scopes: tuple[str, ...] = ()
    """Scopes to ask for (narrowing what the client may do); empty: what the operations need."""


@dataclass(frozen=True)
class AuthConfig:
    profiles: dict[str, Profile]
    default: str = DEFAULT_PROFILE
    store: str | None = None
    store_path: str | None = None
    source: str = "environment"

    @property
    def main(self) -> Profile:
        return self.profiles[self.default]

    @property
    def read_only(self) -> tuple[str, ...]:
        return tuple(name for name, profile in self.profiles.items() if profile.read_only)


def from_environment(environ: Mapping[str, str] | None = None) -> AuthConfig:
    credentials = Credentials.from_env(environ)
    return AuthConfig({DEFAULT_PROFILE: Profile(DEFAULT_PROFILE, credentials)})


def load_auth_file(
    path: str | Path, environ: Mapping[str, str] | None = None, *, profile: str | None = None
) -> AuthConfig:
    """Profiles from a TOML file's `[auth]` table; every mistake names the file and key."""
    try:
        data = tomllib.loads(Path(path).read_text(encoding="utf-8"))
    except OSError as exc:
        raise UsageError(f"--auth {path}: cannot read it ({exc.strerror})") from None
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise UsageError(f"--auth {path}: not valid TOML ({exc})") from None
    table = data.get("auth")
    if not isinstance(table, dict):
        raise UsageError(f"{path}: no [auth] table (see `apitest run --help` for the format)")
    return auth_from_table(table, str(path), environ, profile=profile)


def auth_from_table(
    table: Mapping[str, Any],
    source: str,
    environ: Mapping[str, str] | None = None,
    *,
    profile: str | None = None,
) -> AuthConfig:
    env = os.environ if environ is None else environ
    _unknown(table, _AUTH_KEYS, f"{source}: [auth]")
    raw = table.get("profiles", {})
    if not isinstance(raw, dict) or not raw:
        raise UsageError(f"{source}: [auth.profiles.NAME] tables are missing")
    profiles = {
        name: _profile(name, entry, f"{source}: [auth.profiles.{name}]", env)
        for name, entry in raw.items()
    }
    default = profile or _text(table, "default", f"{source}: [auth]") or next(iter(profiles))
    if profile is not None and profile not in profiles:
        raise UsageError(
            f"--profile {profile}: no such profile in {source} (defined: {', '.join(profiles)})"
        )
    if default not in profiles:
        raise UsageError(
            f"{source}: [auth] default: profile {default!r} is not defined "
            f"(defined: {', '.join(profiles)})"
        )
    return AuthConfig(
        profiles,
        default,
        _text(table, "store", f"{source}: [auth]"),
        _text(table, "store_path", f"{source}: [auth]"),
        source,
    )


def _profile(name: str, entry: Any, where: str, env: Mapping[str, str]) -> Profile:
    if not isinstance(entry, dict):
        raise UsageError(f"{where}: must be a table of credentials")
    _unknown(entry, _PROFILE_KEYS, where)
    values = {key: _given(entry, key, where, env) for key in ENV_NAMES}
    scopes = entry.get("scopes", [])
    if not isinstance(scopes, list) or not all(isinstance(s, str) for s in scopes):
        raise UsageError(f"{where}: scopes must be a list of strings")
    read_only = entry.get("read_only", False)
    if not isinstance(read_only, bool):
        raise UsageError(f"{where}: read_only must be true or false")
    credentials = Credentials(
        client_id=values["client_id"],
        client_secret=values["client_secret"],
        refresh_token=values["refresh_token"],
        grant_token=values["grant_token"],
        access_token=values["access_token"],
        token=values["token"],
        redirect_uri=values["redirect_uri"],
        token_fields=_token_fields(entry.get("token_fields", {}), f"{where} token_fields", env),
        source=where,
    )
    return Profile(name, credentials, read_only, tuple(scopes))


def _given(entry: Mapping[str, Any], key: str, where: str, env: Mapping[str, str]) -> str | None:
    """`key` written inline, or read from the environment variable `<key>_env` names."""
    inline = _text(entry, key, where)
    variable = _text(entry, f"{key}_env", where)
    if inline is not None and variable is not None:
        raise UsageError(f"{where}: give {key} or {key}_env, not both")
    if variable is None:
        return inline
    found = env.get(variable)
    if not found:
        raise UsageError(f"{where}: {key}_env names {variable}, which is not set")
    return found


def _token_fields(table: Any, where: str, env: Mapping[str, str]) -> tuple[tuple[str, str], ...]:
    """`[auth.profiles.NAME.token_fields]`: values for the fields the declared token call
    names (`email = "qa@example.com"`, `password_env = "QA_PASSWORD"`)."""
    if not isinstance(table, dict):
        raise UsageError(f"{where}: must be a table of field = value")
    names = {key.removesuffix("_env") for key in table}
    found = ((name, _given(table, name, where, env)) for name in sorted(names))
    return tuple((field_key(name), value) for name, value in found if value is not None)


def _text(table: Mapping[str, Any], key: str, where: str) -> str | None:
    value = table.get(key)
    if value is None:
        return None
    if not isinstance(value, str) or not value:
        raise UsageError(f"{where}: {key} must be a non-empty string")
    return value


def _unknown(table: Mapping[str, Any], known: frozenset[str], where: str) -> None:
    extra = sorted(set(table) - known)
    if extra:
        raise UsageError(
            f"{where}: unknown key(s) {', '.join(extra)} (known: {', '.join(sorted(known))})"
        )
