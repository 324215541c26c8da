"""`proxy`: every call of a run (and of `apitest cleanup`) goes through an HTTP proxy, from the
CLI's `--proxy`, a suite's `[run] proxy` or the pytest plugin's `--apitest-proxy`, with the
proxy's credentials sent to the proxy alone and never printed. The proxy here is a real one: a
forwarding HTTP proxy on 127.0.0.1 in a thread, in front of the reference service."""

from __future__ import annotations

import base64
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

from ..support import SPECS, free_port, loopback_client, run_cli
from ._api import create_trips, ledger_line
from .conftest import MakeServer, create_case_under_pytest

pytest_plugins = ["pytester"]

PASSWORD = "proxy-secret-7f3a"
HOP_BY_HOP = {"connection", "keep-alive", "proxy-authorization", "transfer-encoding", "host"}


class ForwardingProxy:
    """An HTTP proxy that forwards each absolute-URI request and records what came through
    it: (method, URL, the Proxy-Authorization it carried)."""

    def __init__(self) -> None:
        self.seen: list[tuple[str, str, str]] = []
        proxy = self

        class Handler(BaseHTTPRequestHandler):
            def forward(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(length) if length else b""
                proxy.seen.append(
                    (self.command, self.path, self.headers.get("Proxy-Authorization", ""))
                )
                headers = {k: v for k, v in self.headers.items() if k.lower() not in HOP_BY_HOP}
                with loopback_client() as http:
                    answer = http.request(self.command, self.path, headers=headers, content=body)
                self.send_response(answer.status_code)
                for key, value in answer.headers.items():
                    if key.lower() not in {*HOP_BY_HOP, "content-length", "content-encoding"}:
                        self.send_header(key, value)
                self.send_header("Content-Length", str(len(answer.content)))
                self.end_headers()
                self.wfile.write(answer.content)

            do_GET = do_POST = do_PUT = do_PATCH = do_DELETE = forward

            def log_message(self, format: str, *args: object) -> None:
                pass  # quiet

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://user:{PASSWORD}@127.0.0.1:{self.server.server_address[1]}"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def __enter__(self) -> ForwardingProxy:
        self.thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.server.shutdown()
        self.server.server_close()
        self.thread.join(10)


@pytest.fixture
def proxy() -> Iterator[ForwardingProxy]:
    with ForwardingProxy() as running:
        yield running


def _through_proxy(proxy: ForwardingProxy, base_url: str) -> None:
    """Calls went through the proxy, to the service, each with the proxy's credentials."""
    expected = "Basic " + base64.b64encode(f"user:{PASSWORD}".encode()).decode()
    api_calls = [seen for seen in proxy.seen if seen[1].startswith(base_url)]
    assert len(api_calls) >= 2, proxy.seen  # the create and its read-back at least
    assert all(auth == expected for _, _, auth in proxy.seen)


def test_the_cli_sends_every_call_through_the_proxy(
    make_server: MakeServer, proxy: ForwardingProxy, tmp_path: Path
) -> None:
    server = make_server()
    done = run_cli(
        "run", "specs/destinations.xml", "--base-url", server.base_url, "--proxy", proxy.url,
        "--cases", "positive", "--report-dir", str(tmp_path / "r"), "--seed", "3",
    )  # fmt: skip
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr
    _through_proxy(proxy, server.base_url)
    written = "".join(path.read_text(errors="replace") for path in (tmp_path / "r").iterdir())
    assert PASSWORD not in done.stdout + done.stderr + written


def test_a_suite_s_proxy_reaches_the_pytest_plugin(
    project: pytest.Pytester, make_server: MakeServer, proxy: ForwardingProxy
) -> None:
    server = make_server()
    result = create_case_under_pytest(project, server.base_url, f'proxy = "{proxy.url}"')
    result.assert_outcomes(passed=1)
    _through_proxy(proxy, server.base_url)
    assert PASSWORD not in result.stdout.str() + result.stderr.str()


def test_the_pytest_option_wins_over_the_suite(
    project: pytest.Pytester, make_server: MakeServer, proxy: ForwardingProxy
) -> None:
    server = make_server()
    result = create_case_under_pytest(
        project,
        server.base_url,
        'proxy = "http://127.0.0.1:9"',  # nothing listens there: it would fail the run
        f"--apitest-proxy={proxy.url}",
    )
    result.assert_outcomes(passed=1)
    _through_proxy(proxy, server.base_url)


def test_cleanup_reaches_the_api_through_the_proxy_too(
    make_server: MakeServer, proxy: ForwardingProxy, tmp_path: Path
) -> None:
    """A run that needed a proxy left records behind: its cleanup needs the proxy as well."""
    server = make_server()
    (trip_id,) = create_trips(server, 1)
    ledger = tmp_path / "ledger.jsonl"
    spec = str(SPECS / "trips.xml")
    ledger.write_text(ledger_line(1, trip_id, spec, server.base_url), "utf-8")
    done = run_cli("cleanup", str(ledger), "--proxy", proxy.url)
    assert done.returncode == 0, done.stdout + done.stderr
    assert trip_id not in server.state.store.trips.snapshot()
    assert any(method == "DELETE" for method, _, _ in proxy.seen), proxy.seen
    _through_proxy(proxy, server.base_url)
    assert PASSWORD not in done.stdout + done.stderr + ledger.read_text()


def test_a_proxy_that_cannot_be_reached_is_named_without_its_password(
    make_server: MakeServer, tmp_path: Path
) -> None:
    server = make_server()
    port = free_port()  # nothing listens there
    done = run_cli(
        "run", "specs/destinations.xml", "--base-url", server.base_url, "--cases", "positive",
        "--proxy", f"http://user:{PASSWORD}@127.0.0.1:{port}", "--report-dir", str(tmp_path),
    )  # fmt: skip
    assert done.returncode == 3, done.stdout + done.stderr
    assert f"through the proxy 127.0.0.1:{port}" in done.stderr
    assert "check --proxy" in done.stderr
    assert PASSWORD not in done.stdout + done.stderr


@pytest.mark.parametrize(
    ("proxy", "said"),
    [
        (f"ftp://user:{PASSWORD}@127.0.0.1:21", "needs the scheme http or https, not 'ftp'"),
        (f"user:{PASSWORD}@127.0.0.1:3128", "needs the scheme http or https"),
        (f"http://user:{PASSWORD}@:3128", "names no host"),
        (f"http://user:{PASSWORD}@127.0.0.1:port", "is not a URL"),
    ],
)
def test_a_proxy_url_that_cannot_work_is_a_usage_error_that_keeps_its_password(
    proxy: str, said: str
) -> None:
    done = run_cli("run", "specs/destinations.xml", "--proxy", proxy)
    assert done.returncode == 2, done.stdout + done.stderr
    assert f"--proxy: the proxy URL {said}" in done.stderr
    assert PASSWORD not in done.stdout + done.stderr


def test_a_bad_proxy_in_a_suite_or_a_pytest_option_is_named_too(
    project: pytest.Pytester,
) -> None:
    (project.path / "bad.toml").write_text(
        f'specs = ["specs/destinations.xml"]\n[run]\nproxy = "socks9://u:{PASSWORD}@h:1"\n',
        encoding="utf-8",
    )
    from_suite = run_cli("run", str(project.path / "bad.toml"))
    assert from_suite.returncode == 2
    assert "[run] proxy: the proxy URL needs the scheme http or https" in from_suite.stderr
    assert PASSWORD not in from_suite.stderr
    option = project.runpytest(f"--apitest-proxy=h:{PASSWORD}@x", "--collect-only")
    assert option.ret == pytest.ExitCode.USAGE_ERROR
    assert "--apitest-proxy: the proxy URL needs the scheme" in option.stderr.str()
    assert PASSWORD not in option.stderr.str() + option.stdout.str()
