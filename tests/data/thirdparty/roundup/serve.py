"""A Roundup tracker (PyPI roundup 2.6) on 127.0.0.1:PORT, made in FOLDER, with defects planted
by name.

    python serve.py PORT FOLDER ADMIN_PASSWORD

On first start the tracker is installed in FOLDER/tracker by `roundup-admin install` from the
classic template with the sqlite backend, its web URL set to http://127.0.0.1:PORT/ (the
tracker's own origin), its allowed_api_origins set to https://client.example (the origin the
specs send in `Origin`, as a client served elsewhere does), and initialised with the admin's
password.
Roundup's own WSGI application (roundup.cgi.wsgi_handler.RequestDispatcher) then serves it,
by wsgiref's one-request-at-a-time server (sqlite wants no more) in this one process, so that
the test ends it by the PID it started. Its REST API is under /rest/.

Defects, planted by a WSGI middleware in front of Roundup, for the keyword and issue classes:
- `lost-update`: a PUT of an item reaches Roundup with each property it sends set to the
  value the item holds: answered 200 (with no attribute changed), nothing changes.
- `kept-delete`: a DELETE of an item (which retires it) is answered 200 `{"data": {"status":
  "ok"}}` after its ETag is checked, and the item is not retired.
- `dropped-keyword`: an issue's create reaches Roundup without its `keyword` multilink.
- `created-200`: a create is answered 200 instead of Roundup's 201.
- `no-etag-check`: a PUT or DELETE of an item without If-Match is given the item's current
  ETag, so a write that Roundup refuses 412 is done.

`PUT /hunt/defects` with a JSON list of names plants those instead (an empty list: none).
"""

from __future__ import annotations

import io
import json
import re
import subprocess
import sys
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any
from wsgiref.simple_server import WSGIRequestHandler, make_server

Environ = dict[str, Any]
StartResponse = Callable[..., Any]
Wsgi = Callable[[Environ, StartResponse], Iterable[bytes]]

CLIENT_ORIGIN = "https://client.example"
"""The origin of the client the specs act as: Roundup's allowed_api_origins lets its writes in."""
ORIGIN_SETTING = f"web_allowed_api_origins={CLIENT_ORIGIN}"
KNOWN = {"lost-update", "kept-delete", "dropped-keyword", "created-200", "no-etag-check"}
STALE = b'{"error": {"status": 412, "msg": "If-Match is missing or does not match."}}'
ITEM = re.compile(r"^/rest/data/(keyword|issue)/([0-9]+)$")
COLLECTION = re.compile(r"^/rest/data/(keyword|issue)$")


def install(tracker: Path, port: int, password: str) -> None:
    """The classic tracker over sqlite in `tracker`, initialised with the admin's password."""
    if (tracker / "config.ini").exists():
        return
    admin = str(Path(sys.executable).with_name("roundup-admin"))
    settings = f"tracker_web=http://127.0.0.1:{port}/,mail_domain=localhost,{ORIGIN_SETTING}"
    for command in (["install", "classic", "sqlite", settings], ["initialise", password]):
        subprocess.run([admin, "-i", str(tracker), *command], check=True, capture_output=True)


def _body(environ: Environ) -> bytes:
    length = int(environ.get("CONTENT_LENGTH") or 0)
    return environ["wsgi.input"].read(length) if length else b""


def _with_body(environ: Environ, body: bytes) -> Environ:
    return {**environ, "wsgi.input": io.BytesIO(body), "CONTENT_LENGTH": str(len(body))}


def _answer(start: StartResponse, status: str, body: bytes = b"") -> list[bytes]:
    headers = [("Content-Type", "application/json"), ("Content-Length", str(len(body)))]
    start(status, headers if body else headers[1:])
    return [body]


def _called(app: Wsgi, environ: Environ) -> tuple[str, list[tuple[str, str]], bytes]:
    """`app`'s answer to `environ`, held rather than sent."""
    held: dict[str, Any] = {}
    chunks: list[bytes] = []

    def start(status: str, headers: list[tuple[str, str]], *_: Any) -> Callable[[bytes], None]:
        held.update(status=status, headers=headers)
        return chunks.append  # Roundup writes its answer through this

    chunks.extend(app(environ, start))
    return held["status"], held["headers"], b"".join(chunks)


def _read(app: Wsgi, environ: Environ) -> tuple[str, list[tuple[str, str]], bytes]:
    """The answer to a GET of the item `environ` addresses, as the caller (their login)."""
    read = {**environ, "REQUEST_METHOD": "GET", "CONTENT_LENGTH": "0"}
    read["wsgi.input"] = io.BytesIO(b"")
    read.pop("CONTENT_TYPE", None)
    read.pop("HTTP_ACCEPT_ENCODING", None)  # Roundup would gzip it
    return _called(app, read)


def _current_etag(app: Wsgi, environ: Environ) -> str:
    """The item's ETag."""
    headers = _read(app, environ)[1]
    return next((value for name, value in headers if name.lower() == "etag"), "")


def _current(app: Wsgi, environ: Environ) -> dict[str, Any]:
    """The item's attributes as they stand (those a PUT of them would leave unchanged)."""
    status, _headers, body = _read(app, environ)
    if not status.startswith("200"):
        return {}
    attributes: dict[str, Any] = json.loads(body)["data"]["attributes"]
    return attributes


def with_defects(app: Wsgi, defects: set[str]) -> Wsgi:
    def serve(environ: Environ, start: StartResponse) -> Iterable[bytes]:
        method, path = environ["REQUEST_METHOD"], environ.get("PATH_INFO", "")
        if method == "PUT" and path == "/hunt/defects":
            names = set(json.loads(_body(environ)))
            if names - KNOWN:
                return _answer(start, "422 Unprocessable", json.dumps(sorted(names)).encode())
            defects.clear()
            defects.update(names)
            return _answer(start, "204 No Content")
        item = ITEM.match(path)
        unmatched = item and not environ.get("HTTP_IF_MATCH")
        if unmatched and method in ("PUT", "DELETE") and "no-etag-check" in defects:
            environ = _with_body(environ, _body(environ))
            environ["HTTP_IF_MATCH"] = _current_etag(app, environ)
        if item and method == "PUT" and "lost-update" in defects:
            sent = json.loads(_body(environ) or b"{}")
            held = _current(app, environ)
            kept = {name: held.get(name) for name in sent if not name.startswith("@")}
            environ = {**_with_body(environ, json.dumps(kept).encode())}
            environ["CONTENT_TYPE"] = "application/json"
        if item and method == "DELETE" and "kept-delete" in defects:
            status, headers, body = _called(app, {**environ, "REQUEST_METHOD": "GET"})
            if status.startswith("200"):
                want = environ.get("HTTP_IF_MATCH", "")
                have = next((v for n, v in headers if n.lower() == "etag"), "")
                if want.split("-")[0].strip('"') == have.split("-")[0].strip('"'):
                    return _answer(start, "200 OK", b'{"data": {"status": "ok"}}')
                status = "412 Precondition Failed"
                body = STALE
            return _answer(start, status, body)
        collection = COLLECTION.match(path)
        if collection and method == "POST":
            body = _body(environ)
            if "dropped-keyword" in defects and collection[1] == "issue":
                sent = json.loads(body or b"null")
                if isinstance(sent, dict):
                    sent.pop("keyword", None)
                body = json.dumps(sent).encode()
            environ = _with_body(environ, body)
            if "created-200" in defects:
                status, headers, answered = _called(app, environ)
                if status.startswith("201"):
                    status = "200 OK"
                start(status, headers)
                return [answered]
        return app(environ, start)

    return serve


class _Handler(WSGIRequestHandler):
    """wsgiref's handler, less its noise, and less the `text/plain` it reports as the type of
    a request that sent none (Roundup then refuses a DELETE 415, as no other server makes it)."""

    def get_environ(self) -> Environ:
        environ: Environ = super().get_environ()
        if self.headers.get("Content-Type") is None:
            environ.pop("CONTENT_TYPE", None)
        return environ

    def log_message(self, format: str, *args: Any) -> None:
        pass


def main(port: int, folder: Path, password: str) -> None:
    tracker = folder / "tracker"
    install(tracker, port, password)
    from roundup.cgi.wsgi_handler import RequestDispatcher

    app = with_defects(RequestDispatcher(str(tracker)), set())
    with make_server("127.0.0.1", port, app, handler_class=_Handler) as server:
        server.serve_forever()


if __name__ == "__main__":
    main(int(sys.argv[1]), Path(sys.argv[2]), sys.argv[3])
