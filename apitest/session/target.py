"""Where a run goes: --base-url, else the spec's `<server>`, and the bundled service's special case.

A new user on a fresh clone types `apitest run specs/trips.xml` with no API of their own. When
the specs are the bundled reference specs and no --base-url is given, the run uses the
reference service already listening where the specs say (`apitest serve`), else starts one
in-process on a free loopback port, says so in one line, and stops it when the run ends. Demo
credentials (public values for that throw-away service) are used unless APITEST_* are set.
"""

from __future__ import annotations

import os
import socket
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import TYPE_CHECKING
from urllib.parse import urlsplit

from apitest.auth.credentials import Credentials
from apitest.auth.profiles import AuthConfig, from_environment, load_auth_file
from apitest.database import is_database_url, shown
from apitest.defaults import http_url_problem
from apitest.engine.http.throttle import WindowStore
from apitest.errors import UsageError
from apitest.zspec.model import Catalog, Server
from apitest.zspec.urls import expand_url, url_variables

if TYPE_CHECKING:
    from apitest.auth.stores import TokenStore
    from apitest.demo.server import DemoServer

REFERENCE_PRODUCT = "TravelAgency"
REFERENCE_RESOURCES = frozenset({"trips", "destinations"})


@dataclass
class Target:
    base_url: str
    auth: AuthConfig
    note: str | None = None
    server: DemoServer | None = None
    extra_headers: dict[str, str] = field(default_factory=dict)
    extra_params: dict[str, str] = field(default_factory=dict)

    def close(self) -> None:
        if self.server is not None:
            self.server.stop()
            self.server = None


@dataclass(frozen=True)
class TargetOptions:
    """The command line's say on where a run goes and as whom."""

    base_url: str | None = None
    server: str | None = None
    variables: tuple[str, ...] = ()
    dc: str | None = None
    env: str | None = None
    auth_file: str | None = None
    profile: str | None = None
    auth: AuthConfig | None = None
    """Profiles already read (a suite's [auth]); --auth FILE wins over them."""


def is_reference(catalog: Catalog) -> bool:
    names = {res.name for res in catalog.resources}
    return names <= REFERENCE_RESOURCES and all(
        res.product == REFERENCE_PRODUCT for res in catalog.resources
    )


def load_auth(options: TargetOptions) -> AuthConfig:
    if options.auth_file:
        return load_auth_file(options.auth_file, profile=options.profile)
    if options.auth is not None:
        if options.profile is None:
            return options.auth
        if options.profile not in options.auth.profiles:
            known = ", ".join(options.auth.profiles)
            raise UsageError(
                f"--profile {options.profile}: no such profile in {options.auth.source} "
                f"(defined: {known})"
            )
        return replace(options.auth, default=options.profile)
    if options.profile:
        raise UsageError(f"--profile {options.profile}: profiles come from --auth FILE")
    return from_environment()


def resolve_target(catalog: Catalog, options: TargetOptions) -> Target:
    auth = load_auth(options)
    server = choose_server(catalog, options.server, options.dc)
    headers, params = environment_of(server, options.env)
    if options.base_url:
        url = _checked_url(options.base_url, "--base-url")
        unfilled = parse_vars(list(options.variables))
        note = (
            f"--base-url names the whole target: the server variables given "
            f"({', '.join(unfilled)}) fill nothing"
            if unfilled
            else None
        )
        return Target(url, auth, note, extra_headers=headers, extra_params=params)
    if server is None:
        raise UsageError(
            "no target: the specs declare no <server>; pass --base-url URL "
            "(e.g. --base-url https://api.example.com/v1)"
        )
    variables = parse_vars(list(options.variables))
    _check_var_names(catalog, variables)
    url = server_url(server, variables)
    if not is_reference(catalog):
        return Target(url, auth, extra_headers=headers, extra_params=params)
    auth = reference_auth(catalog, auth)
    if _listening(url):
        note = f"using the reference service already running at {url}"
        return Target(url, auth, note, extra_headers=headers, extra_params=params)
    if variables:
        # the user named where the service runs: one started elsewhere would be tested in its
        # place, and a mistyped port would pass against a correct service (a false green)
        note = (
            f"nothing answers at {url}, where --var points: the run goes there all the same "
            "(`apitest serve --port N` starts the reference service; without --var the run "
            "starts one of its own)"
        )
        return Target(url, auth, note, extra_headers=headers, extra_params=params)
    from apitest.demo.server import DemoServer

    demo = DemoServer().start()
    note = (
        f"started the bundled reference service at {demo.base_url} for this run "
        "(demo credentials; it stops when the run ends)"
    )
    return Target(demo.base_url, auth, note, demo, headers, params)


def choose_server(catalog: Catalog, name: str | None, dc: str | None) -> Server | None:
    """The `<server>` named (--server), else of the data centre (--dc), else the first."""
    servers = [srv for res in catalog.resources for srv in res.servers]
    chosen = servers
    if name is not None:
        chosen = [srv for srv in servers if srv.name == name]
        if not chosen:
            known = ", ".join(dict.fromkeys(srv.name for srv in servers)) or "none"
            raise UsageError(f"--server {name}: no such <server> in the specs (known: {known})")
    if dc is not None:
        wanted = dc.strip().lower()
        chosen = [srv for srv in chosen if wanted in (part.lower() for part in srv.dcs)]
        if not chosen:
            known = ", ".join(dict.fromkeys(part for srv in servers for part in srv.dcs))
            raise UsageError(f"--dc {dc}: no <server dc> of that name (known: {known or 'none'})")
    return chosen[0] if chosen else None


def environment_of(server: Server | None, env: str | None) -> tuple[dict[str, str], dict[str, str]]:
    """What `--env TYPE` adds to every call: the `<environment type=TYPE>` of the server sends
    `name=value` as a header or query parameter (per its `location`)."""
    if env is None:
        return {}, {}
    environments = server.environments if server else ()
    found = [e for e in environments if e.type.lower() == env.strip().lower()]
    if not found:
        known = ", ".join(dict.fromkeys(e.type for e in environments))
        raise UsageError(
            f"--env {env}: the server declares no <environment type> of that kind "
            f"(known: {known or 'none'})"
        )
    chosen = found[0]
    if not chosen.name:
        return {}, {}
    pair = {chosen.name: chosen.value or ""}
    return (pair, {}) if chosen.location == "header" else ({}, pair)


def server_url(chosen: Server, variables: dict[str, str]) -> str:
    """The server's URL with its `{var}`s filled (--var, else the variable's first value)."""
    defaults = {
        var.name: var.default or (var.values[0] if var.values else "") for var in chosen.variables
    }
    values = {**defaults, **variables}

    def fill(key: str) -> str:
        if key not in values or not values[key]:
            raise UsageError(
                f"{chosen.loc}: server {chosen.name!r} needs {{{key}}}; pass --var {key}=VALUE"
            )
        return values[key]

    return _checked_url(expand_url(chosen.url, fill), f"server {chosen.name!r}")


def _check_var_names(catalog: Catalog, variables: dict[str, str]) -> None:
    """Each variable given fills a `{name}` of some server's URL: a typo (`prot` for `port`)
    ran against the default instead, without a word. Any server's, not only the chosen one's,
    so one set of variables serves every `--server` and `--dc`."""
    urls = [server.url for res in catalog.resources for server in res.servers]
    known = list(dict.fromkeys(name for url in urls for name in url_variables(url)))
    unused = [name for name in variables if name not in known]
    if unused:
        raise UsageError(
            f"--var {unused[0]}: no <server> URL of the specs has {{{unused[0]}}} (their "
            f"variables: {', '.join(known) or 'none'}); from --var, or the suite's [target] vars"
        )


def parse_vars(items: list[str]) -> dict[str, str]:
    found: dict[str, str] = {}
    for item in items:
        name, sep, value = item.partition("=")
        if not sep or not name.strip():
            raise UsageError(f"--var {item}: write NAME=VALUE, e.g. --var port=8080")
        found[name.strip()] = value
    return found


def _checked_url(url: str, what: str) -> str:
    if http_url_problem(url) is not None:
        raise UsageError(
            f"{what}: {url!r} is not an http(s) URL (e.g. http://127.0.0.1:8765/api/v1)"
        )
    return url


def _listening(url: str) -> bool:
    parts = urlsplit(url)
    if parts.hostname not in ("127.0.0.1", "localhost", "::1"):
        return False
    try:
        with socket.create_connection((parts.hostname, parts.port or 80), timeout=0.5):
            return True
    except OSError:
        return False


def reference_credentials() -> Credentials:
    from apitest.demo.credentials import DEMO_CLIENT_ID, DEMO_CLIENT_SECRET

    return Credentials(
        client_id=DEMO_CLIENT_ID,
        client_secret=DEMO_CLIENT_SECRET,
        source="demo credentials of the bundled reference service",
    )


def reference_auth(catalog: Catalog, auth: AuthConfig) -> AuthConfig:
    """`auth`, but for the bundled specs with no OAuth credentials configured, the main profile
    given the reference service's demo credentials: `run` and `cleanup` decide this alike."""
    if not is_reference(catalog) or auth.main.credentials.has_oauth2:
        return auth
    main = replace(auth.main, credentials=reference_credentials())
    return replace(auth, profiles={**auth.profiles, auth.default: main})


def cache_folder() -> Path:
    """Where tokens persist between runs: $XDG_CACHE_HOME/apitest, else ~/.cache/apitest."""
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "apitest"


def choose_store(
    kind: str | None, path: str | None, auth: AuthConfig, target: Target
) -> TokenStore:
    """--token-store / [auth] store, else the file store; the bundled service started for this
    run keeps its tokens in memory, since they die with it."""
    if target.server is not None and kind is None and auth.store is None:
        from apitest.auth.memory import MemoryStore

        return MemoryStore()
    from apitest.auth.stores import load_store

    return load_store(
        kind or auth.store or "file", path or auth.store_path, default_folder=cache_folder()
    )


def throttle_store(chosen: str, target: Target) -> WindowStore:
    """--throttle-store / [run] throttle_store. `file`: parallel runs of this machine share
    the API's throttle windows in the cache folder; the service started in-process for this
    run is nobody else's, so it needs none. Else the database `database_store` checks."""
    found = database_store(chosen)
    if found is not None:
        return found
    in_process = target.server is not None
    return WindowStore(folder=None if in_process else cache_folder() / "throttle")


def database_store(chosen: str, option: str = "--throttle-store") -> WindowStore | None:
    """The database that `mysql://...` names, shared by every machine using it; None for
    `file`. Checked now (reachable, password right, table made), so a mistake stops the run
    before its first call rather than at its first throttled one."""
    if chosen == "file":
        return None
    if is_database_url(chosen):
        from apitest.engine.http.throttle_db import check_store

        return WindowStore(database=check_store(chosen, option))
    raise UsageError(
        f"{option} (or [run] throttle_store) {shown(chosen)!r} is not a throttle "
        "store: give file (the default: shared by the runs of this machine) or "
        "mysql://user@host:port/db?table=apitest_throttle (shared by every machine using it; "
        "password in APITEST_DB_PASSWORD)"
    )
