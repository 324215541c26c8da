"""The reference trips service that specs/trips.xml and specs/destinations.xml describe.

A real HTTP service (Starlette under uvicorn, 127.0.0.1 only, state in memory) for the
runner's own tests and for trying the runner out: `apitest serve`, or in process::

    with DemoServer(DemoConfig(lag_ms=0)) as server:
        httpx.get(server.base_url + "/destinations", headers=...)

Modules, one concern each: config (knobs), credentials (demo client and scopes), store
(records and read lag), validate (the specs' field rules), oauth (token authority),
oauth_routes, throttle, faults (ASGI middleware), api (what endpoints share), trips,
destinations, app (create_app), server (DemoServer).
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING

from apitest.demo.config import KNOWN_BUGS, DemoConfig, DemoConfigError

if TYPE_CHECKING:
    from apitest.demo.api import DemoState
    from apitest.demo.app import create_app
    from apitest.demo.server import DemoServer

__all__ = ["KNOWN_BUGS", "DemoConfig", "DemoConfigError", "DemoServer", "DemoState", "create_app"]

_WEB_STACK = {
    "DemoState": "apitest.demo.api",
    "create_app": "apitest.demo.app",
    "DemoServer": "apitest.demo.server",
}
"""Names loaded on first use: they import Starlette and uvicorn, which `apitest serve --help`
(built with every command's parser, from `demo.config`) must not pay for."""


def __getattr__(name: str) -> object:
    module = _WEB_STACK.get(name)
    if module is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    return getattr(importlib.import_module(module), name)
