"""Prefect's server (PyPI prefect 3) on 127.0.0.1:PORT, its SQLite database in FOLDER, with
defects planted by name.

    python serve.py PORT FOLDER [DEFECT,...]

Prefect's own FastAPI application (create_app, as `prefect server start` serves it, less the
UI and the background services), served by uvicorn in this one process, so that the test ends
it by the PID it started. Analytics are off and nothing leaves the loopback. Defects, planted
by a small ASGI middleware in front of Prefect's app:
- `lost-update`: a PATCH of a flow or a variable reaches Prefect as `{}`: answered 204 (or
  404 for an unknown id), and nothing changes.
- `kept-delete`: a DELETE of a flow or a variable is read instead: answered 204 when the
  record is there (404 when it is not), and the record stays.
- `dropped-tags`: a create of a flow or a variable reaches Prefect without its `tags`.

`PUT /hunt/defects` with a JSON list of names plants those instead (an empty list: none), so
one server (whose first start runs Prefect's migrations, some seconds) serves a whole module.
"""

from __future__ import annotations

import json
import os
import re
import sys
from collections.abc import Awaitable, Callable, MutableMapping
from pathlib import Path
from typing import Any

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
Asgi = Callable[[Scope, Receive, Send], Awaitable[None]]

KNOWN = {"lost-update", "kept-delete", "dropped-tags"}
ONE = re.compile(r"^/api/(flows|variables)/[0-9a-f-]{36}$")
COLLECTION = re.compile(r"^/api/(flows|variables)/$")


async def _body(receive: Receive) -> bytes:
    chunks = []
    while True:
        message = await receive()
        chunks.append(message.get("body", b""))
        if not message.get("more_body"):
            return b"".join(chunks)


def _replaying(body: bytes) -> Receive:
    sent = False

    async def receive() -> Message:
        nonlocal sent
        if sent:
            return {"type": "http.disconnect"}
        sent = True
        return {"type": "http.request", "body": body, "more_body": False}

    return receive


def _with_length(scope: Scope, body: bytes) -> Scope:
    headers = [(k, v) for k, v in scope["headers"] if k.lower() != b"content-length"]
    return {**scope, "headers": [*headers, (b"content-length", str(len(body)).encode())]}


async def _answer(send: Send, status: int, body: bytes = b"") -> None:
    headers = [(b"content-type", b"application/json")] if body else []
    headers.append((b"content-length", str(len(body)).encode()))
    await send({"type": "http.response.start", "status": status, "headers": headers})
    await send({"type": "http.response.body", "body": body})


def with_defects(app: Asgi, defects: set[str]) -> Asgi:
    async def serve(scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            return await app(scope, receive, send)
        method, path = scope["method"], scope["path"]
        if method == "PUT" and path == "/hunt/defects":
            names = set(json.loads(await _body(receive)))
            if names - KNOWN:
                return await _answer(send, 422, json.dumps(sorted(names - KNOWN)).encode())
            defects.clear()
            defects.update(names)
            return await _answer(send, 204)
        if method == "PATCH" and "lost-update" in defects and ONE.match(path):
            await _body(receive)
            return await app(_with_length(scope, b"{}"), _replaying(b"{}"), send)
        if method == "DELETE" and "kept-delete" in defects and ONE.match(path):
            return await app({**scope, "method": "GET"}, receive, _bodiless(send))
        if method == "POST" and "dropped-tags" in defects and COLLECTION.match(path):
            sent = json.loads(await _body(receive) or b"null")
            if isinstance(sent, dict):
                sent.pop("tags", None)
            body = json.dumps(sent).encode()
            return await app(_with_length(scope, body), _replaying(body), send)
        return await app(scope, receive, send)

    return serve


def _bodiless(send: Send) -> Send:
    """A read's answer as a delete gives it: 200 becomes 204 with no body; errors stay."""
    emptied = False

    async def forward(message: Message) -> None:
        nonlocal emptied
        if message["type"] == "http.response.start" and message["status"] == 200:
            emptied = True
            headers = [(k, v) for k, v in message["headers"] if k.lower() != b"content-length"]
            message = {**message, "status": 204, "headers": headers}
        elif message["type"] == "http.response.body" and emptied:
            if message.get("more_body"):
                return
            message = {**message, "body": b""}
        await send(message)

    return forward


def main(port: int, folder: Path, defects: set[str]) -> None:
    unknown = defects - KNOWN
    if unknown:
        sys.exit(f"unknown defect(s): {', '.join(sorted(unknown))}")
    os.environ.update(
        {
            "PREFECT_HOME": str(folder),
            "PREFECT_API_DATABASE_CONNECTION_URL": f"sqlite+aiosqlite:///{folder / 'prefect.db'}",
            "PREFECT_SERVER_ANALYTICS_ENABLED": "false",
            "DO_NOT_TRACK": "1",
            "PREFECT_SERVER_UI_ENABLED": "false",
            "PREFECT_SERVER_CSRF_PROTECTION_ENABLED": "false",
        }
    )
    import uvicorn  # after the settings above: Prefect reads them on import
    from prefect.server.api.server import create_app

    app = create_app(ephemeral=True, final=True)  # the REST API, no UI, no services
    uvicorn.run(with_defects(app, defects), host="127.0.0.1", port=port, log_level="warning")


if __name__ == "__main__":
    planted = set(filter(None, (sys.argv[3] if len(sys.argv) > 3 else "").split(",")))
    main(int(sys.argv[1]), Path(sys.argv[2]), planted)
