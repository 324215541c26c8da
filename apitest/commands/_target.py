"""Where a run goes: --base-url, else the spec's `<server>`, and the bundled service's special case.

A new user on a fresh clone types `apitest run specs/trips.xml` with no API of their own. When
the specs are the bundled reference specs and no --base-url is given, the run uses the
reference service already listening where the specs say (`apitest serve`), else starts one
in-process on a free loopback port, says so in one line, and stops it when the run ends. Demo
credentials (public values for that throw-away service) are used unless APITEST_* are set.
"""

from __future__ import annotations

import re
import socket
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING
from urllib.parse import urlsplit

from apitest.auth.credentials import Credentials
from apitest.errors import UsageError
from apitest.spec.model import Catalog, Server

if TYPE_CHECKING:
    from apitest.demo.server import DemoServer

REFERENCE_PRODUCT = "TravelAgency"
REFERENCE_RESOURCES = frozenset({"trips", "destinations"})
_PLACEHOLDER = re.compile(r"\{([^{}]+)\}")


@dataclass
class Target:
    base_url: str
    credentials: Credentials
    note: str | None = None
    server: DemoServer | None = None

    def close(self) -> None:
        if self.server is not None:
            self.server.stop()
            self.server = None


def is_reference(catalog: Catalog) -> bool:
    names = {res.name for res in catalog.resources}
    return names <= REFERENCE_RESOURCES and all(
        res.product == REFERENCE_PRODUCT for res in catalog.resources
    )


def resolve_target(
    catalog: Catalog, base_url: str | None, server_name: str | None, variables: list[str]
) -> Target:
    credentials = Credentials.from_env()
    if base_url:
        return Target(_checked_url(base_url, "--base-url"), credentials)
    url = spec_server_url(catalog, server_name, parse_vars(variables))
    if not is_reference(catalog):
        return Target(url, credentials)
    if not credentials.has_oauth2:
        credentials = reference_credentials()
    if _listening(url):
        return Target(url, credentials, f"using the reference service already running at {url}")
    from apitest.demo.server import DemoServer

    server = DemoServer().start()
    note = (
        f"started the bundled reference service at {server.base_url} for this run "
        "(demo credentials; it stops when the run ends)"
    )
    return Target(server.base_url, credentials, note, server)


def spec_server_url(catalog: Catalog, name: str | None, variables: dict[str, str]) -> str:
    """The first resource's `<server>` (or the one named), its `{var}`s filled."""
    servers = [srv for res in catalog.resources for srv in res.servers]
    if not servers:
        raise UsageError(
            "no target: the specs declare no <server>; pass --base-url URL "
            "(e.g. --base-url https://api.example.com/v1)"
        )
    chosen: Server | None = servers[0]
    if name is not None:
        chosen = next((srv for srv in servers if srv.name == name), None)
        if chosen is None:
            known = ", ".join(dict.fromkeys(srv.name for srv in servers))
            raise UsageError(f"--server {name}: no such <server> in the specs (known: {known})")
    assert chosen is not None
    defaults = {
        var.name: var.default or (var.values[0] if var.values else "") for var in chosen.variables
    }
    values = {**defaults, **variables}

    def fill(match: re.Match[str]) -> str:
        key = match.group(1)
        if key not in values or not values[key]:
            raise UsageError(
                f"{chosen.loc}: server {chosen.name!r} needs {{{key}}}; pass --var {key}=VALUE"
            )
        return values[key]

    return _checked_url(_PLACEHOLDER.sub(fill, chosen.url), f"server {chosen.name!r}")


def parse_vars(items: list[str]) -> dict[str, str]:
    found: dict[str, str] = {}
    for item in items:
        name, sep, value = item.partition("=")
        if not sep or not name.strip():
            raise UsageError(f"--var {item}: write NAME=VALUE, e.g. --var port=8080")
        found[name.strip()] = value
    return found


def _checked_url(url: str, what: str) -> str:
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
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

    return replace(
        Credentials(client_id=DEMO_CLIENT_ID, client_secret=DEMO_CLIENT_SECRET),
        source="demo credentials of the bundled reference service",
    )
