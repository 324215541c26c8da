"""The `apitest serve` command: the reference trips service in the foreground.

Runs `DemoServer` on 127.0.0.1, prints where it listens and the demo credentials (fixed demo
values, printed on purpose so a first run needs no reading), and waits for Ctrl-C or SIGTERM,
either of which stops uvicorn cleanly and exits 0. Starlette and uvicorn are imported only
here, inside `run`, so other commands start fast.
"""

from __future__ import annotations

import argparse
import signal
import sys
import threading
from types import FrameType
from typing import TYPE_CHECKING, Any

from apitest.errors import UsageError

if TYPE_CHECKING:
    from apitest.demo import DemoConfig, DemoServer

_POLL_S = 0.2


def run(args: argparse.Namespace) -> int:
    from apitest.demo import DemoServer

    config = _config(args)
    stop = threading.Event()

    def on_signal(signum: int, frame: FrameType | None) -> None:
        stop.set()

    previous = {sig: signal.signal(sig, on_signal) for sig in (signal.SIGINT, signal.SIGTERM)}
    server = DemoServer(config)
    try:
        try:
            server.start()
        except OSError as exc:
            raise UsageError(
                f"--port {config.port}: cannot listen on 127.0.0.1:{config.port} "
                f"({exc.strerror or exc}); stop whatever holds it or choose another port "
                "with --port N (--port 0 picks a free one)"
            ) from None
        _print_banner(server)
        while not stop.wait(_POLL_S):
            if not server.running:
                print("apitest: the demo service stopped unexpectedly", file=sys.stderr)
                return 1
    finally:
        server.stop()
        for sig, handler in previous.items():
            signal.signal(sig, handler)
    print("apitest serve: stopped", flush=True)
    return 0


def _config(args: argparse.Namespace) -> DemoConfig:
    """A DemoConfig from the options given; a bad value names its option."""
    from apitest.demo.config import DemoConfig, DemoConfigError, serve_knobs

    flags = {name: knob.flag for name, knob, _ in serve_knobs()} | {
        "port": "--port",
        "bugs": "--bug",
    }
    values: dict[str, Any] = {name: getattr(args, name) for name in flags}
    try:
        return DemoConfig(**{name: value for name, value in values.items() if value is not None})
    except DemoConfigError as exc:
        flag = flags.get(exc.field, exc.field)
        raise UsageError(f"{flag}: {exc.reason} (see 'apitest serve --help')") from None


def _print_banner(server: DemoServer) -> None:
    from apitest.demo import credentials

    config = server.config
    lines = [
        "apitest serve: the reference trips service is running (demo values below)",
        f"  base URL       {server.base_url}",
        f"  token URL      {server.root_url}/oauth/v2/token",
        f"  authorize URL  {server.root_url}/oauth/v2/auth",
        f"  client id      {credentials.DEMO_CLIENT_ID}",
        f"  client secret  {credentials.DEMO_CLIENT_SECRET}",
        f"  refresh token  {credentials.DEMO_REFRESH_TOKEN}  (rotates: keep the one each "
        "refresh returns)",
        f"  grant code     {credentials.DEMO_GRANT_CODE}  (works once per start)",
        f"  scopes         {','.join(credentials.ALL_SCOPES)}",
        f"  read lag {config.lag_ms} ms, token lifetime {config.token_ttl_s:g} s, "
        f"PUT /trips throttle {config.throttle_threshold} per {config.throttle_window_ms} ms "
        f"then {config.throttle_lock_ms} ms lock",
    ]
    if config.bugs:
        lines.append(f"  defect modes   {', '.join(sorted(config.bugs))}")
    if config.faults_enabled:
        lines.append(
            f"  faults         latency {config.latency_ms} ms, error {config.error_rate:g}, "
            f"busy {config.busy_rate:g}, "
            f"drop {config.drop_rate:g}, malformed {config.malformed_rate:g}, "
            f"oversize {config.oversize_rate:g} x {config.oversize_mb:g} MB, seed {config.seed}"
        )
    lines.append("Press Ctrl-C to stop.")
    print("\n".join(lines), flush=True)
