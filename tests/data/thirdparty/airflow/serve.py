"""Apache Airflow 2's stable REST API (PyPI apache-airflow 2.10) on 127.0.0.1:PORT, its SQLite
database in FOLDER, with defects planted by name.

    python serve.py PORT FOLDER [DEFECT,...]

Airflow's own webserver application (airflow.www.app.create_app, what `airflow webserver` runs
under gunicorn), served by Werkzeug's threaded server in this one process, so that the test ends
it by the PID it started. The database is migrated as `airflow db migrate` does it (no example
DAGs, no default connections), and the API's user, `hunt` (Admin), is made with a cheap
password hash: Airflow's basic_auth backend checks the password on every call, and the default
hash (260,000 rounds of PBKDF2) costs some 60 ms a call on this machine. Defects, planted by a
small WSGI middleware in front of Airflow's app:
- `lost-update`: a PATCH of a variable, a pool or a connection is answered 200 with the body it
  sent and never reaches Airflow: nothing changes.
- `kept-delete`: a DELETE of one is read instead: answered 204 when the record is there (404
  when it is not), and the record stays.
- `dropped-description`: a create (POST) reaches Airflow without its `description`.
- `ignored-mask`: a PATCH reaches Airflow without its `update_mask` parameter, so every member
  sent is written, and a mask naming a field that does not exist is not refused.
- `replacing-patch`: a PATCH of a connection writes null in each member it does not send (host,
  login, schema, port, extra, description), as a replace would.
- `body-key-update`: a PATCH of a variable writes the variable its body's `key` names, whatever
  key the URL names (Airflow refuses a body whose key is not the URL's).
- `lenient-id`: a connection's create whose `connection_id` Airflow would refuse (a character
  outside letters, digits, `_`, `.` and `-`, or more than 200 of them) is made under that id
  cleaned (each such character `_`, cut to 200) rather than refused.

`PUT /hunt/defects` with a JSON list of names plants those instead (an empty list: none), so one
server serves a whole module.
"""

from __future__ import annotations

import io
import json
import logging
import os
import re
import sys
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl, urlencode

USER = "hunt"
PASSWORD = "hunt-secret-1"  # the test server's own account, made at its start

KNOWN = {
    "lost-update",
    "kept-delete",
    "dropped-description",
    "ignored-mask",
    "replacing-patch",
    "lenient-id",
    "body-key-update",
}
ONE = re.compile(r"^/api/v1/(variables|pools|connections)/(.+)$")
COLLECTION = re.compile(r"^/api/v1/(variables|pools|connections)$")
CONNECTION_FIELDS = ("host", "login", "schema", "port", "extra", "description")
BAD_ID = re.compile(r"[^\w.-]")

Environ = dict[str, Any]
StartResponse = Callable[..., Any]
Wsgi = Callable[[Environ, StartResponse], Iterable[bytes]]


def _body(environ: Environ) -> bytes:
    length = int(environ.get("CONTENT_LENGTH") or 0)
    return environ["wsgi.input"].read(length) if length else b""


def _with_body(environ: Environ, body: bytes) -> Environ:
    return {**environ, "wsgi.input": io.BytesIO(body), "CONTENT_LENGTH": str(len(body))}


def _parsed(body: bytes) -> Any:
    try:
        return json.loads(body)
    except ValueError:
        return None


def _answer(start: StartResponse, status: str, body: bytes = b"") -> list[bytes]:
    headers = [("Content-Length", str(len(body)))]
    if body:
        headers.append(("Content-Type", "application/json"))
    start(status, headers)
    return [body]


def _without_mask(environ: Environ) -> Environ:
    query = parse_qsl(environ.get("QUERY_STRING", ""), keep_blank_values=True)
    kept = [(name, value) for name, value in query if name != "update_mask"]
    return {**environ, "QUERY_STRING": urlencode(kept)}


def _bodiless(app: Wsgi, environ: Environ, start: StartResponse) -> Iterable[bytes]:
    """A read's answer as a delete gives it: 200 becomes 204 with no body; errors stay."""
    held: dict[str, Any] = {}

    def capture(status: str, headers: list[tuple[str, str]], exc_info: Any = None) -> Any:
        held.update(status=status, headers=headers)
        return lambda _data: None

    body = b"".join(app({**environ, "REQUEST_METHOD": "GET"}, capture))
    if held["status"].startswith("200"):
        return _answer(start, "204 NO CONTENT")
    start(held["status"], held["headers"])
    return [body]


def with_defects(app: Wsgi, defects: set[str]) -> Wsgi:
    def serve(environ: Environ, start: StartResponse) -> Iterable[bytes]:
        method, path = environ["REQUEST_METHOD"], environ.get("PATH_INFO", "")
        if method == "PUT" and path == "/hunt/defects":
            names = set(json.loads(_body(environ)))
            if names - KNOWN:
                unknown = json.dumps(sorted(names - KNOWN)).encode()
                return _answer(start, "422 UNPROCESSABLE ENTITY", unknown)
            defects.clear()
            defects.update(names)
            return _answer(start, "204 NO CONTENT")
        one, many = ONE.match(path), COLLECTION.match(path)
        if method == "DELETE" and one and "kept-delete" in defects:
            return _bodiless(app, environ, start)
        if not ((method == "PATCH" and one) or (method == "POST" and many)):
            return app(environ, start)
        raw = _body(environ)
        if method == "PATCH" and "lost-update" in defects:
            return _answer(start, "200 OK", raw)
        matched = one or many
        assert matched is not None
        kind = matched.group(1)
        sent = _parsed(raw)
        fields = sent if isinstance(sent, dict) else {}
        if method == "PATCH":
            if "ignored-mask" in defects:
                environ = _without_mask(environ)
            key = fields.get("key")
            if "body-key-update" in defects and kind == "variables" and isinstance(key, str):
                environ = {**environ, "PATH_INFO": f"/api/v1/variables/{key}"}
            if "replacing-patch" in defects and kind == "connections" and fields:
                environ = _without_mask(environ)
                raw = json.dumps({**dict.fromkeys(CONNECTION_FIELDS), **fields}).encode()
        elif fields:
            if "dropped-description" in defects:
                fields.pop("description", None)
            key = fields.get("connection_id")
            if "lenient-id" in defects and kind == "connections" and isinstance(key, str):
                fields["connection_id"] = BAD_ID.sub("_", key)[:200] or "_"
            raw = json.dumps(fields).encode()
        return app(_with_body(environ, raw), start)

    return serve


def _prepare(folder: Path) -> None:
    os.environ.update(
        {
            "AIRFLOW_HOME": str(folder),
            "AIRFLOW__DATABASE__SQL_ALCHEMY_CONN": f"sqlite:///{folder / 'airflow.db'}",
            "AIRFLOW__DATABASE__LOAD_DEFAULT_CONNECTIONS": "False",
            "AIRFLOW__CORE__LOAD_EXAMPLES": "False",
            "AIRFLOW__CORE__DAGS_FOLDER": str(folder / "dags"),
            "AIRFLOW__API__AUTH_BACKENDS": "airflow.api.auth.backend.basic_auth",
            "AIRFLOW__WEBSERVER__SECRET_KEY": "hunt-only",
            "AIRFLOW__LOGGING__LOGGING_LEVEL": "WARNING",
            "AIRFLOW__LOGGING__FAB_LOGGING_LEVEL": "WARNING",
            "DO_NOT_TRACK": "1",
        }
    )
    (folder / "dags").mkdir(parents=True, exist_ok=True)


def main(port: int, folder: Path, defects: set[str]) -> None:
    unknown = defects - KNOWN
    if unknown:
        sys.exit(f"unknown defect(s): {', '.join(sorted(unknown))}")
    _prepare(folder)
    # after the settings above: Airflow reads its configuration on import
    from airflow.utils.db import upgradedb
    from airflow.www.app import create_app
    from werkzeug.security import generate_password_hash
    from werkzeug.serving import make_server

    upgradedb()
    app = create_app(testing=False)
    with app.app_context():
        security = app.appbuilder.sm
        hashed = generate_password_hash(PASSWORD, method="pbkdf2:sha256:1000")
        admin = security.find_role("Admin")
        security.add_user(USER, "Hunt", "User", "hunt@x.example", admin, hashed_password=hashed)
    logging.getLogger("werkzeug").setLevel(logging.WARNING)  # not a line per call
    make_server("127.0.0.1", port, with_defects(app, defects), threaded=True).serve_forever()


if __name__ == "__main__":
    planted = set(filter(None, (sys.argv[3] if len(sys.argv) > 3 else "").split(",")))
    main(int(sys.argv[1]), Path(sys.argv[2]), planted)
