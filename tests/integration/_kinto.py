"""Kinto 26.5 (PyPI), a JSON storage REST API, started by the tests on a free port of 127.0.0.1
over its memory backend, and a reverse proxy that plants defects in its answers.

Kinto has conventions our demo service lacks: every body is an envelope `{"data": ...,
"permissions": ...}`, it sets `id` and `last_modified` itself, PUT creates or replaces, PATCH
merges, DELETE answers a tombstone, lists page with `_limit` and a `Next-Page` header, and errors
are `{"code", "errno", "error", "message"}`. Its "basicauth" policy makes any user:password pair
an account, so the run's static token is `Basic base64(user:password)`.

The collection is made before the run through Kinto's own HTTP API, with a JSON schema (Kinto's
collection schema validation, switched on in the ini), so that Kinto refuses what the spec's
structure forbids and the negative cases meet a real validator.
"""

from __future__ import annotations

import base64
import json
import re
import subprocess
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
from starlette.applications import Starlette
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from ..support import DATA, free_port, loopback_client
from ._thirdparty import pypi_command, serving
from ._zest_app import AppServer

KINTO = "kinto==26.5.0"
SPEC = DATA / "thirdparty" / "kinto" / "books.xml"
USER = ("librarian", "s3cret-shelf")
RECORDS = "/v1/buckets/library/collections/books/records"
BOOK_SCHEMA: dict[str, Any] = {
    "type": "object",
    "required": ["title"],
    "properties": {
        "title": {"type": "string", "minLength": 1, "maxLength": 200},
        "author": {"type": "string", "minLength": 1, "maxLength": 100},
        "pages": {"type": "integer", "minimum": 1, "maximum": 5000},
    },
}
SEED = [{"title": f"Seed {n}", "author": "Anon", "pages": 100 + n} for n in range(3)]
"""Records that exist before the run (the spec says pre-loaded): three, so that a list read
with `_limit=2` has a next page."""

_SETTINGS = {
    r"^multiauth\.policies = .*$": "multiauth.policies = basicauth",
    r"^kinto\.bucket_create_principals = .*$":
        "kinto.bucket_create_principals = system.Authenticated",
    r"^# kinto\.experimental_collection_schema_validation = .*$":
        "kinto.experimental_collection_schema_validation = true",
    r"^ *kinto\.plugins\.(accounts|admin)\s*$": "",
    r"^(kinto\.account_|multiauth\.policy\.account\.).*$": "",
}  # fmt: skip
"""What `kinto init` writes, changed for the tests: Basic auth for any pair (not the accounts
plugin, whose accounts would have to be made first), any authenticated user may make buckets,
and collections validate records against their JSON schema."""


def token() -> str:
    """The value of the Authorization header: what APITEST_TOKEN holds for a run."""
    pair = f"{USER[0]}:{USER[1]}".encode()
    return "Basic " + base64.b64encode(pair).decode()


def _configure(folder: Path, settings: dict[str, str]) -> Path:
    """`kinto init` into `folder`, then the ini changed as `_SETTINGS` says, then `settings`
    (pattern: line) beside them."""
    kinto = pypi_command(KINTO, "kinto")
    ini = folder / "kinto.ini"
    subprocess.run(
        [str(kinto), "init", "--ini", str(ini), "--backend", "memory",
         "--cache-backend", "memory", "--host", "127.0.0.1"],
        cwd=folder, capture_output=True, check=True, timeout=60, stdin=subprocess.DEVNULL,
    )  # fmt: skip
    text = ini.read_text(encoding="utf-8")
    for pattern, replacement in {**_SETTINGS, **settings}.items():
        text = re.sub(pattern, replacement, text, flags=re.MULTILINE)
    assert "host = 127.0.0.1" in text, "kinto init no longer writes the bind host"
    ini.write_text(text, encoding="utf-8")
    return ini


def _prepare(url: str) -> None:
    """The library bucket, its books collection (with the schema) and the seed records."""
    headers = {"Authorization": token()}
    with loopback_client() as http:
        http.put(f"{url}/v1/buckets/library", headers=headers).raise_for_status()
        http.put(
            f"{url}/v1/buckets/library/collections/books",
            json={"data": {"schema": BOOK_SCHEMA}}, headers=headers,
        ).raise_for_status()  # fmt: skip
        for record in SEED:
            http.post(url + RECORDS, json={"data": record}, headers=headers).raise_for_status()


PAGED_BY_2 = {r"^# kinto\.paginate_by =.*$": "kinto.paginate_by = 2"}
"""Every list answers 2 records a page, naming the next in a `Next-Page` header."""


@contextmanager
def kinto_server(folder: Path, settings: dict[str, str] | None = None) -> Iterator[str]:
    """Kinto on a free port of 127.0.0.1 with the library ready, its ini changed by
    `settings` (pattern: line) too; yields its root URL."""
    folder.mkdir(parents=True, exist_ok=True)
    ini = _configure(folder, settings or {})
    port = free_port()
    command = [str(pypi_command(KINTO, "kinto")), "start", "--ini", str(ini), "--port", str(port)]
    url = f"http://127.0.0.1:{port}"
    with serving(command, url, "/v1/", folder / "server.log"):
        _prepare(url)
        yield url


def records(url: str) -> list[dict[str, Any]]:
    """Every record of the books collection, as Kinto holds it (no proxy in between), page
    after page where the server pages its lists."""
    found: list[dict[str, Any]] = []
    page: str | None = url + RECORDS
    with loopback_client() as http:
        for _ in range(100):
            if page is None:
                return found
            answer = http.get(page, headers={"Authorization": token()})
            answer.raise_for_status()
            found += answer.json()["data"]
            page = answer.headers.get("Next-Page")
    raise AssertionError(f"Kinto's list of {url + RECORDS} goes on past 100 pages")


@dataclass
class Exchange:
    """One call as the proxy passes it on: what a defect may rewrite. Before the call goes on
    to Kinto a defect may change `method` and `request_body` (a write Kinto never sees); after,
    `status`, `headers` and `body`."""

    method: str
    path: str
    request_body: bytes
    status: int = 0
    headers: dict[str, str] = field(default_factory=dict)
    body: Any = None


class Defect:
    """A defect planted in Kinto's answers: passes everything on unless a subclass says."""

    def request(self, exchange: Exchange) -> None:
        """Change the call before Kinto sees it."""

    def response(self, exchange: Exchange, sent: Exchange) -> None:
        """Change Kinto's answer before the caller sees it (`sent` is the call as the caller
        made it, before `request` changed it)."""


_HOP = {"content-length", "transfer-encoding", "connection", "content-encoding"}


def _proxy_app(client: httpx.Client, defect: Defect) -> Starlette:
    async def forward(request: Request) -> Response:
        body = await request.body()
        sent = Exchange(request.method, request.url.path, body)
        exchange = Exchange(request.method, request.url.path, body)
        defect.request(exchange)
        target = request.url.path + (f"?{request.url.query}" if request.url.query else "")
        headers = {k: v for k, v in request.headers.items() if k.lower() not in _HOP | {"host"}}
        answer = await run_in_threadpool(
            client.request, exchange.method, target, content=exchange.request_body,
            headers=headers,
        )  # fmt: skip
        exchange.status = answer.status_code
        exchange.headers = {k: v for k, v in answer.headers.items() if k.lower() not in _HOP}
        try:
            exchange.body = answer.json()
        except ValueError:
            exchange.body = None
        defect.response(exchange, sent)
        content = answer.content if exchange.body is None else json.dumps(exchange.body)
        return Response(content, exchange.status, exchange.headers)

    methods = ["GET", "POST", "PUT", "PATCH", "DELETE", "HEAD"]
    return Starlette(routes=[Route("/{path:path}", forward, methods=methods)])


@contextmanager
def defective_proxy(upstream: str, defect: Defect) -> Iterator[str]:
    """A reverse proxy on a free port of 127.0.0.1 (the demo server's socket and uvicorn
    thread) that passes every call to `upstream` and lets `defect` rewrite it; yields its root
    URL. Stopped at the end."""
    with (
        httpx.Client(base_url=upstream, trust_env=False, timeout=30) as client,
        AppServer(_proxy_app(client, defect)) as proxy,
    ):
        yield proxy.root_url
