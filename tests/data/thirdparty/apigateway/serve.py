"""moto's API Gateway (PyPI moto 5.2) on 127.0.0.1:PORT, answering as AWS documents it, with
defects planted by name.

    python serve.py PORT [DEFECT,...]

moto's own WSGI application (it routes a call to API Gateway by the service its
`Authorization` credential names), with where moto's answers differ from the API Gateway
reference mended, so that a correct run passes: CreateRestApi answers 201 and DeleteRestApi
202 (moto: 200 both), and JSON is labelled `application/json` (moto: `text/html`). Defects:
- `lost-update`: UpdateRestApi answers 200 with the API as it was, applying none of the
  patch operations it was sent.
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
DEFECTS = {"lost-update"}
NO_OPERATIONS = b'{"patchOperations": []}'


def as_documented(app: Wsgi, defects: set[str]) -> Wsgi:
    def serve(environ: dict[str, Any], start_response: Any) -> Iterable[bytes]:
        method = environ["REQUEST_METHOD"]
        segments = [part for part in environ.get("PATH_INFO", "").split("/") if part]
        if method == "PATCH" and "lost-update" in defects:
            environ["wsgi.input"].read(int(environ.get("CONTENT_LENGTH") or 0))
            environ["wsgi.input"] = io.BytesIO(NO_OPERATIONS)
            environ["CONTENT_LENGTH"] = str(len(NO_OPERATIONS))

        def start(status: str, headers: list[tuple[str, str]], *exc_info: Any) -> Any:
            if status.startswith("200") and method == "POST" and len(segments) == 1:
                status = "201 Created"
            elif status.startswith("200") and method == "DELETE":
                status = "202 Accepted"
            headers = [
                (name, "application/json")
                if name.lower() == "content-type" and value.startswith("text/html")
                else (name, value)
                for name, value in headers
            ]
            return start_response(status, headers, *exc_info)

        return app(environ, start)

    return serve


def main(port: int, defects: set[str]) -> None:
    unknown = defects - DEFECTS
    if unknown:
        sys.exit(f"unknown defect(s): {', '.join(sorted(unknown))}")
    app = DomainDispatcherApplication(create_backend_app)
    run_simple(
        "127.0.0.1", port, as_documented(app, defects), threaded=True,
        request_handler=MotoRequestHandler,
    )  # fmt: skip


if __name__ == "__main__":
    main(int(sys.argv[1]), set(filter(None, (sys.argv[2] if len(sys.argv) > 2 else "").split(","))))
