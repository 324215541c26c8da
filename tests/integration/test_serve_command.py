"""`apitest serve` as a real subprocess: start, answer, stop on a signal; refuse bad options."""

from __future__ import annotations

import os
import queue
import re
import signal
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterator

import pytest

from apitest.demo.credentials import DEMO_CLIENT_ID, DEMO_CLIENT_SECRET, DEMO_REFRESH_TOKEN

from ..support import free_port, loopback_client, run_cli, started_cli

START_TIMEOUT_S = 30.0
STOP_TIMEOUT_S = 15.0
BASE_URL = re.compile(r"base URL\s+(http://127\.0\.0\.1:(\d+)/api/v1)")


class Serving:
    """A running `apitest serve` subprocess and the lines it has printed."""

    def __init__(self, process: subprocess.Popen[str]) -> None:
        self.started = time.monotonic()
        self.process = process
        self.lines: queue.Queue[str] = queue.Queue()
        self.output: list[str] = []
        self.pump = threading.Thread(target=self._pump, daemon=True)
        self.pump.start()

    def _pump(self) -> None:
        assert self.process.stdout is not None
        for line in self.process.stdout:
            self.lines.put(line)

    def wait_for_base_url(self) -> str:
        deadline = time.monotonic() + START_TIMEOUT_S
        while time.monotonic() < deadline:
            try:
                line = self.lines.get(timeout=0.1)
            except queue.Empty:
                assert self.process.poll() is None, self.process.communicate()
                continue
            self.output.append(line)
            found = BASE_URL.search(line)
            if found:
                return found.group(1)
        raise AssertionError(f"no base URL within {START_TIMEOUT_S} s: {self.output}")

    def rest_of_output(self) -> str:
        """Everything printed; call once the process has exited (the pump then sees EOF)."""
        self.pump.join(STOP_TIMEOUT_S)
        while not self.lines.empty():
            self.output.append(self.lines.get())
        return "".join(self.output)


@pytest.fixture
def serving() -> Iterator[Serving]:
    with started_cli("serve", "--port", str(free_port())) as process:
        yield Serving(process)


@pytest.mark.parametrize("signum", [signal.SIGINT, signal.SIGTERM], ids=["SIGINT", "SIGTERM"])
def test_serve_answers_and_stops_cleanly_on_a_signal(serving: Serving, signum: int) -> None:
    base_url = serving.wait_for_base_url()
    print(f"apitest serve printed its base URL after {time.monotonic() - serving.started:.2f} s")
    root = base_url.removesuffix("/api/v1")
    with loopback_client() as http:
        answer = http.post(
            f"{root}/oauth/v2/token",
            data={
                "grant_type": "refresh_token",
                "client_id": DEMO_CLIENT_ID,
                "client_secret": DEMO_CLIENT_SECRET,
                "refresh_token": DEMO_REFRESH_TOKEN,
            },
        )
        assert answer.status_code == 200, answer.text
        token = answer.json()["access_token"]
        listed = http.get(
            f"{base_url}/destinations", headers={"Authorization": f"Zoho-oauthtoken {token}"}
        )
        assert listed.status_code == 200
        assert len(listed.json()["destinations"]) == 4

    os.kill(serving.process.pid, signum)
    assert serving.process.wait(STOP_TIMEOUT_S) == 0
    output = serving.rest_of_output()
    assert "stopped" in output
    for value in (DEMO_CLIENT_ID, DEMO_CLIENT_SECRET, DEMO_REFRESH_TOKEN):
        assert value in output


def test_a_client_that_goes_away_mid_request_leaves_no_traceback(serving: Serving) -> None:
    """A call cut off while its body is read (a run interrupted, a call timing out) is no
    fault of the service: its log stays clean (issue 18, item 13)."""
    base_url = serving.wait_for_base_url()
    port = int(base_url.split(":")[2].split("/")[0])
    head = (
        "POST /oauth/v2/token HTTP/1.1\r\nHost: 127.0.0.1\r\n"
        "Content-Type: application/x-www-form-urlencoded\r\nContent-Length: 1000\r\n\r\n"
    )
    for _ in range(3):
        with socket.create_connection(("127.0.0.1", port), timeout=5) as cut:
            cut.sendall(head.encode() + b"grant_type=refresh")
            time.sleep(0.2)  # the service is reading the body when the client goes
    with loopback_client() as http:  # and it still answers the next one
        assert http.get(f"{base_url}/destinations").status_code == 401
    os.kill(serving.process.pid, signal.SIGTERM)
    assert serving.process.wait(STOP_TIMEOUT_S) == 0
    assert serving.process.stderr is not None
    errors = serving.process.stderr.read()
    assert "Traceback" not in errors and "ClientDisconnect" not in errors, errors


def test_serve_on_a_port_in_use_exits_2_naming_port() -> None:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as holder:
        holder.bind(("127.0.0.1", 0))
        holder.listen(1)
        port = holder.getsockname()[1]
        done = run_cli("serve", "--port", str(port), timeout=60)
    assert done.returncode == 2
    assert "--port" in done.stderr
    assert str(port) in done.stderr
    assert "Traceback" not in done.stderr


@pytest.mark.parametrize(
    ("args", "option"),
    [
        (["--bug", "no-such-bug"], "--bug"),
        (["--error-rate", "1.5"], "--error-rate"),
        (["--lag-ms", "-1"], "--lag-ms"),
        (["--token-ttl", "0"], "--token-ttl"),
        (["--throttle-threshold", "many"], "--throttle-threshold"),
        (["--port", "70000"], "--port"),
    ],
)
def test_bad_option_values_exit_2_naming_the_option(args: list[str], option: str) -> None:
    done = run_cli("serve", *args, timeout=60)
    assert done.returncode == 2
    assert option in done.stderr
    assert "Traceback" not in done.stderr


def test_the_cli_does_not_import_the_web_stack_until_serve_runs() -> None:
    code = (
        "import sys, apitest.cli, apitest.commands.serve; "
        "print(sorted(m for m in ('starlette', 'uvicorn') if m in sys.modules))"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert done.stdout.strip() == "[]", done.stderr
