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

from apitest.demo.api import DemoState
from apitest.demo.app import create_app
from apitest.demo.config import KNOWN_BUGS, DemoConfig, DemoConfigError
from apitest.demo.server import DemoServer

__all__ = ["KNOWN_BUGS", "DemoConfig", "DemoConfigError", "DemoServer", "DemoState", "create_app"]
