"""Fault knobs: latency, 500s, busy 503s, dropped connections, malformed and oversized bodies.

An ASGI middleware around the API (the OAuth endpoints are left alone so a run can always get
a token). For each API call it draws one number per knob from a `random.Random(seed)`, in a
fixed order, so a sequential client meets the same faults on every run with the same seed.
A 500 is answered before the endpoint runs (nothing changes), and so is a busy 503 (with no
Retry-After: a server busy for a moment, as Prefect on SQLite is while another write holds the
database; a client may send the call again); the other faults let the
endpoint run and damage its answer, which is the nasty case: the write happened, the client
cannot tell.

A dropped connection is made for real: the response starts with the true Content-Length, half
the body is sent, and the app returns without finishing, whereupon uvicorn closes the socket.
uvicorn logs that as an error, so `quiet_dropped_connections` filters that one message.
"""

from __future__ import annotations

import asyncio
import json
import logging
import random
from dataclasses import dataclass

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from apitest.demo.config import DemoConfig

API_PREFIX = "/api/"
_UNFINISHED = "ASGI callable returned without completing response."


@dataclass(frozen=True)
class _Draw:
    error: bool
    busy: bool
    drop: bool
    malformed: bool
    oversize: bool


class FaultInjector:
    """ASGI middleware applying the fault knobs of a DemoConfig to /api/ calls."""

    def __init__(self, app: ASGIApp, config: DemoConfig) -> None:
        self.app = app
        self.config = config
        self._rng = random.Random(config.seed)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if (
            scope["type"] != "http"
            or not scope["path"].startswith(API_PREFIX)
            or not self.config.faults_enabled
        ):
            await self.app(scope, receive, send)
            return
        draw = self._draw()
        if self.config.latency_ms:
            await asyncio.sleep(self.config.latency_ms / 1000)
        if draw.error:
            error = {"code": "INTERNAL_ERROR", "message": "injected fault", "status": "error"}
            await _send_whole(send, 500, [], json.dumps(error).encode())
            return
        if draw.busy:
            busy = {"code": "SERVICE_UNAVAILABLE", "message": "busy: try again", "status": "error"}
            await _send_whole(send, 503, [], json.dumps(busy).encode())
            return
        if not (draw.drop or draw.malformed or draw.oversize):
            await self.app(scope, receive, send)
            return
        status, headers, body = await _capture(self.app, scope, receive)
        if draw.drop:
            await _send_half(send, status, headers, body)
        elif draw.malformed:
            await _send_whole(send, status, headers, _malformed(body))
        else:
            await _send_whole(send, status, headers, _oversized(body, self.config.oversize_mb))

    def _draw(self) -> _Draw:
        config, rng = self.config, self._rng
        error, drop, malformed, oversize = (rng.random() for _ in range(4))
        busy = rng.random() < config.busy_rate if config.busy_rate else False  # seeds stay put
        return _Draw(
            error=error < config.error_rate,
            busy=busy,
            drop=drop < config.drop_rate,
            malformed=malformed < config.malformed_rate,
            oversize=oversize < config.oversize_rate,
        )


async def _capture(
    app: ASGIApp, scope: Scope, receive: Receive
) -> tuple[int, list[tuple[bytes, bytes]], bytes]:
    """Run the app to completion and keep its answer instead of sending it."""
    start: Message = {}
    chunks: list[bytes] = []

    async def keep(message: Message) -> None:
        nonlocal start
        if message["type"] == "http.response.start":
            start = message
        elif message["type"] == "http.response.body":
            chunks.append(message.get("body", b""))

    await app(scope, receive, keep)
    headers = [(k, v) for k, v in start.get("headers", []) if k.lower() != b"content-length"]
    return int(start.get("status", 500)), headers, b"".join(chunks)


async def _send_whole(
    send: Send, status: int, headers: list[tuple[bytes, bytes]], body: bytes
) -> None:
    await _start(send, status, headers, len(body))
    await send({"type": "http.response.body", "body": body, "more_body": False})


async def _send_half(
    send: Send, status: int, headers: list[tuple[bytes, bytes]], body: bytes
) -> None:
    """Promise the whole body, send half, never finish: the client sees a broken connection."""
    await _start(send, status, headers, max(len(body), 2))
    await send({"type": "http.response.body", "body": body[: len(body) // 2], "more_body": True})


async def _start(send: Send, status: int, headers: list[tuple[bytes, bytes]], length: int) -> None:
    headers = [h for h in headers if h[0].lower() not in (b"content-length", b"content-type")]
    headers += [(b"content-type", b"application/json"), (b"content-length", str(length).encode())]
    await send({"type": "http.response.start", "status": status, "headers": headers})


def _malformed(body: bytes) -> bytes:
    """The JSON with its closing bracket replaced by a dangling comma: never valid JSON."""
    return (body[:-1] + b",") if body else b"{,"


def _oversized(body: bytes, megabytes: float) -> bytes:
    """The same JSON object plus a `padding` string, so it stays valid but is over N MB."""
    padding = b"x" * int(megabytes * 1024 * 1024)
    if body.startswith(b"{") and body.endswith(b"}") and len(body) > 2:
        return body[:-1] + b',"padding":"' + padding + b'"}'
    return b'{"padding":"' + padding + b'"}'


class _DropFilter(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        return record.getMessage() != _UNFINISHED


def quiet_dropped_connections() -> None:
    """Silence uvicorn's error line for the connections dropped on purpose (idempotent)."""
    logger = logging.getLogger("uvicorn.error")
    if not any(isinstance(f, _DropFilter) for f in logger.filters):
        logger.addFilter(_DropFilter())
