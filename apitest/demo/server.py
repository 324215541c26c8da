"""`DemoServer`: the service under uvicorn on 127.0.0.1, in a background thread.

The socket is bound here, before uvicorn starts, so a port in use fails at once in the
caller's thread (with an OSError the CLI can turn into a message naming --port) and port 0
gives the OS-chosen port without parsing logs. start() returns only once the port accepts
connections; stop() asks uvicorn to exit and joins the thread, so a test leaks nothing.
uvicorn is told to leave logging configuration alone (log_config=None): it must not rewire the
host process's logging (pytest's, the CLI's). It runs on h11 and asyncio's own loop whatever
else is installed: the service is the yardstick of the benchmarks (tests/bench), and its speed
must not move when the runner's dependencies do (uvloop, a dependency of the runner, would
otherwise be picked by uvicorn's "auto", and the service would spend a fifth less CPU per
answer).
"""

from __future__ import annotations

import socket
import threading
import time
from types import TracebackType

import uvicorn

from apitest.demo.api import DemoState
from apitest.demo.app import create_app
from apitest.demo.config import DemoConfig
from apitest.demo.faults import quiet_dropped_connections

HOST = "127.0.0.1"
BASE_PATH = "/api/v1"


class DemoServer:
    """Runs one service instance; use as a context manager or call start() and stop()."""

    def __init__(self, config: DemoConfig | None = None, *, startup_timeout: float = 10.0) -> None:
        self.config = config or DemoConfig()
        self.startup_timeout = startup_timeout
        self.app = create_app(self.config)
        self._socket: socket.socket | None = None
        self._server: uvicorn.Server | None = None
        self._thread: threading.Thread | None = None
        self._failure: BaseException | None = None
        self._port = 0

    @property
    def state(self) -> DemoState:
        """The live state: `state.store.trips.snapshot()` shows what really exists."""
        demo: DemoState = self.app.state.demo
        return demo

    @property
    def port(self) -> int:
        if not self._port:
            raise RuntimeError("the demo server is not started")
        return self._port

    @property
    def root_url(self) -> str:
        """Where the OAuth endpoints live, e.g. http://127.0.0.1:8765."""
        return f"http://{HOST}:{self.port}"

    @property
    def base_url(self) -> str:
        """The API's base URL as the specs' server declares it, e.g. http://127.0.0.1:8765/api/v1."""
        return self.root_url + BASE_PATH

    @property
    def running(self) -> bool:
        return self._thread is not None and self._thread.is_alive()

    def start(self) -> DemoServer:
        """Bind, serve in a thread, and wait until the port accepts connections."""
        if self._thread is not None:
            raise RuntimeError("the demo server is already started")
        self._socket = _bind(self.config.port)
        self._port = self._socket.getsockname()[1]
        quiet_dropped_connections()
        settings = uvicorn.Config(
            self.app,
            log_config=None,
            log_level="warning",
            access_log=False,
            http="h11",
            loop="asyncio",
            ws="none",
            lifespan="off",
            timeout_graceful_shutdown=2,
        )
        self._server = uvicorn.Server(settings)
        self._thread = threading.Thread(
            target=self._serve, name=f"apitest-demo-{self._port}", daemon=True
        )
        self._thread.start()
        try:
            self._wait_until_ready()
        except BaseException:
            self.stop()
            raise
        return self

    def stop(self, timeout: float = 10.0) -> None:
        """Ask uvicorn to exit, join its thread, release the socket. Safe to call twice."""
        if self._server is not None:
            self._server.should_exit = True
        if self._thread is not None:
            self._thread.join(timeout)
            if self._thread.is_alive() and self._server is not None:
                self._server.force_exit = True
                self._thread.join(timeout)
        if self._socket is not None:
            self._socket.close()
        self._thread = None
        self._server = None
        self._socket = None

    def __enter__(self) -> DemoServer:
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()

    def _serve(self) -> None:
        assert self._server is not None and self._socket is not None
        try:
            self._server.run(sockets=[self._socket])
        except BaseException as exc:  # reported by start(); a thread has nowhere else to say it
            self._failure = exc

    def _wait_until_ready(self) -> None:
        deadline = time.monotonic() + self.startup_timeout
        assert self._server is not None and self._thread is not None
        while not self._server.started:
            if not self._thread.is_alive():
                raise RuntimeError(f"the demo server failed to start: {self._failure!r}")
            if time.monotonic() > deadline:
                raise TimeoutError(f"the demo server did not start within {self.startup_timeout} s")
            time.sleep(0.01)
        with socket.create_connection((HOST, self._port), timeout=self.startup_timeout):
            pass


def _bind(port: int) -> socket.socket:
    """A listening socket on 127.0.0.1:port (0: the OS picks); OSError if the port is taken."""
    # proto=IPPROTO_TCP matters: asyncio sets TCP_NODELAY only on sockets that say they are
    # TCP, and without it every keep-alive answer waits ~40 ms for a delayed ACK.
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM, socket.IPPROTO_TCP)
    try:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind((HOST, port))
        sock.listen(128)
    except OSError:
        sock.close()
        raise
    return sock
