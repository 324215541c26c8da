"""moto's S3 (PyPI moto 5.2) on 127.0.0.1:PORT, with defects planted by name.

    python serve.py PORT [DEFECT,...]

moto's own WSGI application, served as its `moto_server` serves it; each named defect wraps
it so that one kind of call answers as S3 would and does not do its work:
- `lost-bucket`: `PUT /{Bucket}` answers 200 and creates nothing;
- `lost-object`: `PUT /{Bucket}/{Key}` answers 200 and stores nothing;
- `kept-object`: `DELETE /{Bucket}/{Key}` answers 204 and deletes nothing;
- `garbled-object`: `PUT /{Bucket}/{Key}` stores the text it was sent backwards.
"""

from __future__ import annotations

import io
import sys
from collections.abc import Callable, Iterable
from typing import Any

from moto.moto_server.werkzeug_app import DomainDispatcherApplication, create_backend_app
from moto.server import MotoRequestHandler
from werkzeug.serving import run_simple

Wsgi = Callable[[dict[str, Any], Any], Iterable[bytes]]

FAKED = {
    "lost-bucket": ("PUT", 1, "200 OK"),
    "lost-object": ("PUT", 2, "200 OK"),
    "kept-object": ("DELETE", 2, "204 No Content"),
}
"""Defect: (method, path segments, the status it answers without doing the work)."""


def with_defects(app: Wsgi, defects: set[str]) -> Wsgi:
    faked = {FAKED[name][:2]: FAKED[name][2] for name in defects if name in FAKED}

    def serve(environ: dict[str, Any], start_response: Any) -> Iterable[bytes]:
        segments = [part for part in environ.get("PATH_INFO", "").split("/") if part]
        put_object = environ["REQUEST_METHOD"] == "PUT" and len(segments) == 2
        if "garbled-object" in defects and put_object and not environ.get("QUERY_STRING"):
            sent = environ["wsgi.input"].read(int(environ.get("CONTENT_LENGTH") or 0))
            environ["wsgi.input"] = io.BytesIO(sent[::-1])
            return app(environ, start_response)
        status = faked.get((environ["REQUEST_METHOD"], len(segments)))
        if status is None or environ.get("QUERY_STRING"):
            return app(environ, start_response)
        environ["wsgi.input"].read(int(environ.get("CONTENT_LENGTH") or 0))
        start_response(status, [("Content-Length", "0")])
        return [b""]

    return serve


def main(port: int, defects: set[str]) -> None:
    unknown = defects - set(FAKED) - {"garbled-object"}
    if unknown:
        sys.exit(f"unknown defect(s): {', '.join(sorted(unknown))}")
    app = DomainDispatcherApplication(create_backend_app)
    run_simple(
        "127.0.0.1", port, with_defects(app, defects), threaded=True,
        request_handler=MotoRequestHandler,
    )  # fmt: skip


if __name__ == "__main__":
    main(int(sys.argv[1]), set(filter(None, (sys.argv[2] if len(sys.argv) > 2 else "").split(","))))
