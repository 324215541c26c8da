"""GNU Mailman 3 core's REST API (PyPI mailman) on 127.0.0.1:PORT, its SQLite database and
its var folder in FOLDER, with defects planted by name.

    python serve.py PORT FOLDER

Mailman's own REST WSGI application (mailman.rest.wsgiapp.make_application, what its
`rest` runner serves through gunicorn), served after Mailman's initialize() by wsgiref in this
one process (one request at a time, as Mailman's database wants), so that the test ends it by
the PID it started: no master, no runners, no MTA. Basic auth restadmin/restpass, API 3.1.
Defects, planted by a small WSGI middleware in front of Mailman's app:
- `lost-update`: a PATCH of a domain, a user, a member or a list's config is read instead:
  answered 204 where the record is there (404 where it is not), and nothing changes.
- `kept-delete`: a DELETE of a domain, a user, a list or a member is read instead: answered 204
  where the record is there, and the record stays.
- `dropped-member`: a create of a domain reaches Mailman without its `description`, a create
  of a user without its `display_name`.
- `created-200`: a create that Mailman answers 201 is answered 200 (the Location kept).
- `wrong-location`: a create's Location names another record (its last segment reversed).
- `no-location`: a create is answered 201 with no Location header.
- `proxied`: not a defect but the way Mailman is deployed behind a web server: a create's
  Location names Mailman's own address, http://localhost:8001/3.1/... (its [webservice]
  hostname and port), not the one the client reached.

`PUT /hunt/defects` with a JSON list of names plants those instead (an empty list: none).
The domain lists.example.net is there from the start: a list's address needs a domain, and a
spec cannot make an address from a domain record the run made.
"""

from __future__ import annotations

import json
import re
import sys
from collections.abc import Callable, Iterable, Iterator
from io import BytesIO
from pathlib import Path
from typing import Any
from wsgiref.simple_server import WSGIRequestHandler, make_server

Environ = dict[str, Any]
StartResponse = Callable[..., Any]
Wsgi = Callable[[Environ, StartResponse], Iterable[bytes]]

KNOWN = {
    "lost-update",
    "kept-delete",
    "dropped-member",
    "created-200",
    "wrong-location",
    "no-location",
    "proxied",
}
ONE = re.compile(r"^/3\.[01]/(domains|users|lists|members)/[^/]+(/config)?$")
CREATE = re.compile(r"^/3\.[01]/(domains|users)$")
DROPPED = {"domains": "description", "users": "display_name"}
PRESET = "lists.example.net"

CONFIG = """\
[mailman]
site_owner: hunt-owner@example.org
layout: hunt

[paths.hunt]
var_dir: {folder}/var

[database]
class: mailman.database.sqlite.SQLiteDatabase
url: sqlite:///{folder}/var/data/mailman.db

[webservice]
hostname: 127.0.0.1
port: {port}
admin_user: restadmin
admin_pass: restpass
api_version: 3.1
show_tracebacks: no

[mta]
incoming: mailman.mta.null.NullMTA
outgoing: mailman.mta.deliver.deliver
"""


def _body(environ: Environ) -> bytes:
    length = int(environ.get("CONTENT_LENGTH") or 0)
    body: bytes = environ["wsgi.input"].read(length) if length else b""
    return body


def _with_body(environ: Environ, body: bytes) -> Environ:
    return {**environ, "wsgi.input": BytesIO(body), "CONTENT_LENGTH": str(len(body))}


def _edited(environ: Environ, edit: Callable[[dict[str, Any]], None]) -> Environ:
    """`environ` whose JSON body object `edit` changed (any other body as it came)."""
    raw = _body(environ)
    try:
        sent = json.loads(raw or b"null")
    except ValueError:
        return _with_body(environ, raw)
    if isinstance(sent, dict):
        edit(sent)
        raw = json.dumps(sent).encode()
    return _with_body(environ, raw)


def _bodiless(app: Wsgi, environ: Environ, start_response: StartResponse) -> Iterable[bytes]:
    """A read in place of the write: 200 becomes 204 with no body, errors stay."""
    _body(environ)
    read = {**environ, "REQUEST_METHOD": "GET", "wsgi.input": BytesIO(), "CONTENT_LENGTH": "0"}
    answered: dict[str, Any] = {}

    def started(status: str, headers: list[tuple[str, str]], *rest: Any) -> Any:
        answered["status"] = status
        answered["headers"] = headers
        return lambda _data: None

    body = b"".join(app(read, started))
    if answered["status"].startswith("200"):
        start_response("204 No Content", [])
        return [b""]
    start_response(answered["status"], answered["headers"])
    return [body]


def with_defects(app: Wsgi, defects: set[str]) -> Wsgi:
    def serve(environ: Environ, start_response: StartResponse) -> Iterable[bytes]:
        method, path = environ["REQUEST_METHOD"], environ.get("PATH_INFO", "")
        if method == "PUT" and path == "/hunt/defects":
            names = set(json.loads(_body(environ)))
            if names - KNOWN:
                start_response("422 Unprocessable Entity", [("Content-Type", "text/plain")])
                return [", ".join(sorted(names - KNOWN)).encode()]
            defects.clear()
            defects.update(names)
            start_response("204 No Content", [])
            return [b""]
        one = ONE.match(path)
        if one and method == "PATCH" and "lost-update" in defects:
            return _bodiless(app, environ, start_response)
        if one and method == "DELETE" and "kept-delete" in defects:
            return _bodiless(app, environ, start_response)
        create = CREATE.match(path)
        if not create or method != "POST":
            return app(environ, start_response)
        kind = create.group(1)
        if "dropped-member" in defects:
            environ = _edited(environ, lambda sent: sent.pop(DROPPED[kind], None))
        return app(environ, _created(start_response, defects))

    return serve


def _created(start_response: StartResponse, defects: set[str]) -> StartResponse:
    """`start_response` whose 201 the planted defects change."""

    def started(status: str, headers: list[tuple[str, str]], *rest: Any) -> Any:
        if status.startswith("201"):
            if "created-200" in defects:
                status = "200 OK"
            if "no-location" in defects:
                headers = [(k, v) for k, v in headers if k.lower() != "location"]
            if "proxied" in defects:
                headers = [(k, _proxied(v) if k.lower() == "location" else v) for k, v in headers]
            if "wrong-location" in defects:
                headers = [(k, _elsewhere(v) if k.lower() == "location" else v) for k, v in headers]
        return start_response(status, headers, *rest)

    return started


def _proxied(location: str) -> str:
    return "http://localhost:8001/" + location.split("/", 3)[3]


def _elsewhere(location: str) -> str:
    head, _, last = location.rpartition("/")
    return f"{head}/{last[::-1]}"


class _Quiet(WSGIRequestHandler):
    def log_message(self, format: str, *args: Any) -> None:
        pass


def _ready(app: Wsgi) -> Wsgi:
    """`app`, and `GET /hunt/ready` answered 200 without credentials (the test's wait)."""

    def serve(environ: Environ, start_response: StartResponse) -> Iterator[bytes]:
        if environ.get("PATH_INFO") == "/hunt/ready":
            start_response("200 OK", [("Content-Type", "text/plain")])
            yield b"ready"
            return
        yield from app(environ, start_response)

    return serve


def main(port: int, folder: Path) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    config = folder / "mailman.cfg"
    config.write_text(CONFIG.format(folder=folder, port=port), encoding="utf-8")
    from mailman.core.initialize import initialize  # after the config file is written

    initialize(str(config))
    from mailman.config import config as mailman
    from mailman.interfaces.domain import IDomainManager
    from mailman.rest.wsgiapp import make_application  # after initialize(): it reads config
    from zope.component import getUtility

    domains = getUtility(IDomainManager)
    if domains.get(PRESET) is None:
        domains.add(PRESET, "The lists' domain")
    mailman.db.commit()

    app = _ready(with_defects(make_application(), set()))
    with make_server("127.0.0.1", port, app, handler_class=_Quiet) as server:
        server.serve_forever()


if __name__ == "__main__":
    main(int(sys.argv[1]), Path(sys.argv[2]))
