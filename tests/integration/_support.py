"""Helpers shared by the integration tests: a thin API client, valid request bodies, and the
CLI as a real subprocess."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
from pathlib import Path
from typing import Any

import httpx

from apitest.demo import DemoServer
from apitest.demo.credentials import DEMO_CLIENT_ID, DEMO_CLIENT_SECRET

TIMEOUT = httpx.Timeout(10.0)
REPO = Path(__file__).resolve().parents[2]


def cli_env(*, credentials: bool = True, **extra: str) -> dict[str, str]:
    """The environment of a CLI subprocess: none of the caller's APITEST_* settings, no
    colour, and the demo credentials unless `credentials` is False."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("APITEST_")}
    env["NO_COLOR"] = "1"
    if credentials:
        env.update(APITEST_CLIENT_ID=DEMO_CLIENT_ID, APITEST_CLIENT_SECRET=DEMO_CLIENT_SECRET)
    env.update(extra)
    return env


def run_cli(
    *args: str, env: dict[str, str] | None = None, timeout: float = 180
) -> subprocess.CompletedProcess[str]:
    """`python -m apitest.cli ARGS` from the repository root, bounded in time."""
    return subprocess.run(
        [sys.executable, "-m", "apitest.cli", *args],
        env=cli_env() if env is None else env, cwd=REPO, capture_output=True, text=True,
        timeout=timeout, check=False,
    )  # fmt: skip


def start_cli(*args: str, env: dict[str, str] | None = None) -> subprocess.Popen[str]:
    """The same, left running (for signals, or several at once)."""
    return subprocess.Popen(
        [sys.executable, "-m", "apitest.cli", *args],
        env=cli_env() if env is None else env, cwd=REPO, stdout=subprocess.PIPE,
        stderr=subprocess.PIPE, text=True,
    )  # fmt: skip


def client() -> httpx.Client:
    """An httpx client that ignores proxy settings: every call goes straight to 127.0.0.1."""
    return httpx.Client(timeout=TIMEOUT, trust_env=False)


def token_request(http: httpx.Client, server: DemoServer, **params: str) -> httpx.Response:
    form = {"client_id": DEMO_CLIENT_ID, "client_secret": DEMO_CLIENT_SECRET, **params}
    return http.post(f"{server.root_url}/oauth/v2/token", data=form)


def client_token(http: httpx.Client, server: DemoServer, scope: str = "") -> str:
    """An access token from grant_type=client_credentials (every scope when scope is empty)."""
    params = {"grant_type": "client_credentials"}
    if scope:
        params["scope"] = scope
    answer = token_request(http, server, **params)
    assert answer.status_code == 200, answer.text
    token: str = answer.json()["access_token"]
    return token


def trip(**fields: Any) -> dict[str, Any]:
    """A valid trip record for a create, with `fields` overriding (None removes a field)."""
    record: dict[str, Any] = {
        "trip_name": "Spring Break - John Doe",
        "destination": "Bali",
        "start_time": "2026-03-01T09:30:00+05:30",
        "end_time": "2026-03-05T18:00:00+05:30",
        "no_of_days": 4,
    }
    record.update(fields)
    return {key: value for key, value in record.items() if value is not None}


def destination(**fields: Any) -> dict[str, Any]:
    record: dict[str, Any] = {"destination_name": "Lisbon", "country": "Portugal"}
    record.update(fields)
    return {key: value for key, value in record.items() if value is not None}


class Api:
    """Calls the API of one server with one token; paths are relative to the base URL."""

    def __init__(self, http: httpx.Client, server: DemoServer, token: str | None) -> None:
        self.http = http
        self.server = server
        self.headers = {"Authorization": f"Zoho-oauthtoken {token}"} if token else {}

    def call(self, method: str, path: str, **kwargs: Any) -> httpx.Response:
        headers = {**self.headers, **kwargs.pop("headers", {})}
        return self.http.request(method, self.server.base_url + path, headers=headers, **kwargs)

    def get(self, path: str, **kwargs: Any) -> httpx.Response:
        return self.call("GET", path, **kwargs)

    def post(self, path: str, **kwargs: Any) -> httpx.Response:
        return self.call("POST", path, **kwargs)

    def put(self, path: str, **kwargs: Any) -> httpx.Response:
        return self.call("PUT", path, **kwargs)

    def delete(self, path: str, **kwargs: Any) -> httpx.Response:
        return self.call("DELETE", path, **kwargs)

    def create_trip(self, **fields: Any) -> str:
        answer = self.post("/trips", json={"trips": [trip(**fields)]})
        assert answer.status_code == 201, answer.text
        trip_id: str = answer.json()["details"]["trip_id"]
        return trip_id


def error_of(answer: httpx.Response) -> str:
    """The `code` of an API error body, checking the declared error shape on the way."""
    body = answer.json()
    assert set(body) == {"code", "message", "status"}, body
    assert body["status"] == "error"
    assert body["message"]
    code: str = body["code"]
    return code


def free_port() -> int:
    """A port free a moment ago (the OS's pick for port 0), for a subprocess to bind."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port
