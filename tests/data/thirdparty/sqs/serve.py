"""moto's SQS (PyPI moto 5.2) on 127.0.0.1:PORT, with defects planted by name.

    python serve.py PORT [DEFECT,...]

moto's own WSGI application (it routes a call to SQS by the service its `Authorization`
credential names). SQS's query API takes every call as a form `POST /` naming its `Action`.
Defects:
- `lost-queue`: CreateQueue answers 200 with the new queue's URL, and makes no queue.
- `kept-queue`: DeleteQueue answers 200, and the queue stays.
"""

from __future__ import annotations

import io
import sys
from collections.abc import Callable, Iterable
from typing import Any
from urllib.parse import parse_qs

from moto.moto_server.werkzeug_app import DomainDispatcherApplication, create_backend_app
from moto.server import MotoRequestHandler
from werkzeug.serving import run_simple

Wsgi = Callable[[dict[str, Any], Any], Iterable[bytes]]
DEFECTS = {"lost-queue", "kept-queue"}
CREATED = (
    '<CreateQueueResponse xmlns="http://queue.amazonaws.com/doc/2012-11-05/">'
    "<CreateQueueResult><QueueUrl>{url}</QueueUrl></CreateQueueResult>"
    "<ResponseMetadata><RequestId>lost</RequestId></ResponseMetadata></CreateQueueResponse>"
)
DELETED = (
    '<DeleteQueueResponse xmlns="http://queue.amazonaws.com/doc/2012-11-05/">'
    "<ResponseMetadata><RequestId>kept</RequestId></ResponseMetadata></DeleteQueueResponse>"
)


def with_defects(app: Wsgi, defects: set[str]) -> Wsgi:
    def serve(environ: dict[str, Any], start_response: Any) -> Iterable[bytes]:
        if not defects or environ["REQUEST_METHOD"] != "POST":
            return app(environ, start_response)
        raw = environ["wsgi.input"].read(int(environ.get("CONTENT_LENGTH") or 0))
        form = parse_qs(raw.decode())
        action = form.get("Action", [""])[0]
        if action == "CreateQueue" and "lost-queue" in defects:
            host = environ.get("HTTP_HOST", "127.0.0.1")
            body = CREATED.format(url=f"http://{host}/123456789012/{form['QueueName'][0]}").encode()
        elif action == "DeleteQueue" and "kept-queue" in defects:
            body = DELETED.encode()
        else:
            environ["wsgi.input"] = io.BytesIO(raw)
            return app(environ, start_response)
        start_response("200 OK", [("Content-Type", "text/xml"), ("Content-Length", str(len(body)))])
        return [body]

    return serve


def main(port: int, defects: set[str]) -> None:
    unknown = defects - DEFECTS
    if unknown:
        sys.exit(f"unknown defect(s): {', '.join(sorted(unknown))}")
    app = DomainDispatcherApplication(create_backend_app)
    run_simple(
        "127.0.0.1", port, with_defects(app, defects), threaded=True,
        request_handler=MotoRequestHandler,
    )  # fmt: skip


if __name__ == "__main__":
    main(int(sys.argv[1]), set(filter(None, (sys.argv[2] if len(sys.argv) > 2 else "").split(","))))
