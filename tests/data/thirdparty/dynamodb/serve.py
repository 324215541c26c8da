"""moto's DynamoDB (PyPI moto 5.2) on 127.0.0.1:PORT, holding a table `notes`, with defects
planted by name.

    python serve.py PORT [DEFECT,...]

moto's own WSGI application (it routes a call to DynamoDB by the service its `Authorization`
credential names). DynamoDB's JSON protocol takes every call as `POST /`, named by its
`X-Amz-Target` header. PutItem and DeleteItem answer `{}`: the key is the one the client sent.
Defects:
- `lost-item`: PutItem answers `{}`, and stores nothing.
- `stale-item`: PutItem of a key the table holds answers `{}`, and changes nothing.
- `kept-item`: DeleteItem answers `{}`, and the item stays.
"""

from __future__ import annotations

import io
import json
import sys
from collections.abc import Callable, Iterable
from typing import Any

from moto.moto_server.werkzeug_app import DomainDispatcherApplication, create_backend_app
from moto.server import MotoRequestHandler
from werkzeug.serving import run_simple
from werkzeug.test import Client

Wsgi = Callable[[dict[str, Any], Any], Iterable[bytes]]
DEFECTS = {"lost-item", "stale-item", "kept-item"}
AUTHORIZATION = (
    "AWS4-HMAC-SHA256 Credential=testing/20261205/us-east-1/dynamodb/aws4_request, "
    "SignedHeaders=host, Signature=0"
)
TABLE = {
    "TableName": "notes",
    "KeySchema": [{"AttributeName": "id", "KeyType": "HASH"}],
    "AttributeDefinitions": [{"AttributeName": "id", "AttributeType": "S"}],
    "BillingMode": "PAY_PER_REQUEST",
}


def call(app: Wsgi, target: str, body: dict[str, Any]) -> None:
    """One call of DynamoDB's JSON protocol to `app`, in this process."""
    answer = Client(app).post(
        "/", data=json.dumps(body), headers={
            "Authorization": AUTHORIZATION, "X-Amz-Target": f"DynamoDB_20120810.{target}",
            "Content-Type": "application/x-amz-json-1.0",
        },
    )  # fmt: skip
    if answer.status_code != 200:
        sys.exit(f"{target} answered {answer.status_code}: {answer.get_data(as_text=True)}")


def with_defects(app: Wsgi, defects: set[str]) -> Wsgi:
    stored: set[str] = set()

    def serve(environ: dict[str, Any], start_response: Any) -> Iterable[bytes]:
        action = environ.get("HTTP_X_AMZ_TARGET", "").rpartition(".")[2]
        if not defects or action not in ("PutItem", "DeleteItem"):
            return app(environ, start_response)
        raw = environ["wsgi.input"].read(int(environ.get("CONTENT_LENGTH") or 0))
        environ["wsgi.input"] = io.BytesIO(raw)
        key = json.dumps(json.loads(raw).get("Item", {}).get("id"))
        if action == "PutItem":
            skip = "lost-item" in defects or ("stale-item" in defects and key in stored)
            stored.add(key)
        else:
            skip = "kept-item" in defects
        if not skip:
            return app(environ, start_response)
        start_response("200 OK", [("Content-Type", "application/x-amz-json-1.0")])
        return [b"{}"]

    return serve


def main(port: int, defects: set[str]) -> None:
    unknown = defects - DEFECTS
    if unknown:
        sys.exit(f"unknown defect(s): {', '.join(sorted(unknown))}")
    app = DomainDispatcherApplication(create_backend_app)
    call(app, "CreateTable", TABLE)
    run_simple(
        "127.0.0.1", port, with_defects(app, defects), threaded=True,
        request_handler=MotoRequestHandler,
    )  # fmt: skip


if __name__ == "__main__":
    main(int(sys.argv[1]), set(filter(None, (sys.argv[2] if len(sys.argv) > 2 else "").split(","))))
