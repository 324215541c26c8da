"""Faults a server makes: every one becomes an error case with a one-line cause, the run
finishes, the reports are valid, the counts add up, and nothing the run created is left."""

from __future__ import annotations

import asyncio
import json
import signal
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from lxml import etree

from apitest.demo import DemoServer
from apitest.engine.ledger import read_ledger
from apitest.plan.graph import build_plan
from apitest.zspec.loader import load_catalog

from ..support import DATA, SPECS, run_cli, started_cli, wait_for_created
from ._api import created_since, live_ids
from .conftest import MakeServer

XSD = DATA / "junit" / "junit-10.xsd"


def args(base_url: str, report: Path, *extra: str) -> list[str]:
    return [
        "run", "specs/trips.xml", "--base-url", base_url, "--report-dir", str(report),
        "--seed", "5", "-q", *extra,
    ]  # fmt: skip


def planned(cases: str = "all") -> int:
    from apitest.plan.graph import PlanOptions

    return len(build_plan(load_catalog([SPECS / "trips.xml"]), PlanOptions(cases=cases)).steps)


def check_reports(report: Path, cases: str = "all") -> dict[str, Any]:
    result: dict[str, Any] = json.loads((report / "report.json").read_text())
    schema = etree.XMLSchema(etree.parse(str(XSD)))
    assert schema.validate(etree.parse(str(report / "junit.xml")))
    assert (report / "report.html").stat().st_size > 1000
    steps = [c for c in result["cases"] if c["chain"] != "cleanup"]
    assert len(steps) == planned(cases)  # passed + failed + errors + skipped = planned
    assert sum(result["counts"].values()) == len(result["cases"])
    return result


def test_500s_drops_malformed_and_oversized_answers_are_errors_with_a_cause(
    make_server: MakeServer, tmp_path: Path
) -> None:
    server = make_server(
        error_rate=0.15,
        drop_rate=0.1,
        malformed_rate=0.1,
        oversize_rate=0.05,
        oversize_mb=2,
        seed=3,
    )
    done = run_cli(*args(server.base_url, tmp_path / "r", "--max-body-bytes", "1M"))
    assert done.returncode == 1 and "Traceback" not in done.stderr
    result = check_reports(tmp_path / "r")
    errors = [c["message"] for c in result["cases"] if c["status"] == "error"]
    causes = {
        "500": "the server failed: 500",
        "drop": "connection reset while reading",
        "malformed": "is not valid JSON",
        "oversize": "larger than the 1,048,576-byte cap",
    }
    for fault, text in causes.items():
        assert any(text in message for message in errors), f"no {fault} error among {errors[:5]}"
    assert all("\n" not in message for message in errors)


def test_a_503_without_retry_after_is_sent_again_and_said(
    make_server: MakeServer, tmp_path: Path
) -> None:
    """A server busy for a moment (503, no Retry-After: Prefect on SQLite while another write
    holds the database) is asked again, so a correct API passes; the cases say it. One call at
    a time, so the seeded draws fall on the same calls every run."""
    server = make_server(busy_rate=0.25, seed=11)
    done = run_cli(
        *args(server.base_url, tmp_path / "r", "--cases", "positive", "--concurrency", "1")
    )
    result = check_reports(tmp_path / "r", "positive")
    assert done.returncode == 0, [c["message"] for c in result["cases"] if c["message"]]
    noted = [
        (c, note)
        for c in result["cases"]
        for note in c["notes"]
        if note.startswith("the API answered 503 with no Retry-After: the call went again")
    ]
    assert noted, "no call met a busy 503"
    assert all(c["attempts"] >= 2 for c, _ in noted)


class HangingProxy:
    """A TCP proxy to the service that, for one call in `every`, reads the request and never
    answers: what a stuck upstream does, and what --timeout is for. With `drip`, it answers
    everything, a few bytes at a time."""

    def __init__(self, upstream_port: int, every: int, drip: bool = False) -> None:
        self.upstream_port = upstream_port
        self.every = every
        self.drip = drip
        self.count = 0
        self.port = 0
        self._loop = asyncio.new_event_loop()
        self._ready = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def __enter__(self) -> HangingProxy:
        self._thread.start()
        self._ready.wait(10)
        return self

    def __exit__(self, *exc: object) -> None:
        self._loop.call_soon_threadsafe(self._loop.stop)
        self._thread.join(10)

    def _run(self) -> None:
        asyncio.set_event_loop(self._loop)
        server = self._loop.run_until_complete(asyncio.start_server(self._handle, "127.0.0.1", 0))
        self.port = server.sockets[0].getsockname()[1]
        self._ready.set()
        self._loop.run_forever()

    async def _handle(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        upstream_r, upstream_w = await asyncio.open_connection("127.0.0.1", self.upstream_port)

        async def pipe(src: asyncio.StreamReader, dst: asyncio.StreamWriter, hang: bool) -> None:
            while data := await src.read(65536):
                if hang and not self.drip and data.startswith(b"GET /api/v1/trips/"):
                    self.count += 1
                    if self.count % self.every == 0:
                        await asyncio.sleep(3600)  # never answer this one
                if not hang and self.drip:  # the answer, 16 bytes every 5 ms
                    for start in range(0, len(data), 16):
                        dst.write(data[start : start + 16])
                        await dst.drain()
                        await asyncio.sleep(0.005)
                    continue
                dst.write(data)
                await dst.drain()
            dst.close()

        await asyncio.gather(
            pipe(reader, upstream_w, True), pipe(upstream_r, writer, False),
            return_exceptions=True,
        )  # fmt: skip


def test_a_stuck_answer_is_a_read_timeout_and_the_run_goes_on(
    make_server: MakeServer, tmp_path: Path
) -> None:
    server = make_server()
    before = live_ids(server)
    with HangingProxy(server.port, every=1) as proxy:
        base_url = f"http://127.0.0.1:{proxy.port}/api/v1"
        started = time.monotonic()
        done = run_cli(*args(base_url, tmp_path / "r", "--timeout", "0.4", "--cases", "positive"))
        elapsed = time.monotonic() - started
    assert done.returncode == 1, done.stdout[-2000:] + done.stderr
    assert elapsed < 120
    result = check_reports(tmp_path / "r", "positive")
    timeouts = [c for c in result["cases"] if "read timed out" in c["message"]]
    assert timeouts and all(c["status"] == "error" for c in timeouts)
    reads = [c for c in timeouts if c["kind"] != "cleanup" and c["method"] == "GET"]
    assert reads and all(c["attempts"] == 3 for c in reads)  # a GET is retried, then given up
    assert not created_since(server, before)


def test_answers_that_drip_in_slowly_are_read_whole(
    make_server: MakeServer, tmp_path: Path
) -> None:
    server = make_server()
    with HangingProxy(server.port, every=1, drip=True) as proxy:
        base_url = f"http://127.0.0.1:{proxy.port}/api/v1"
        done = run_cli(*args(base_url, tmp_path / "r", "--timeout", "2", "--cases", "positive"))
    assert done.returncode == 0, done.stdout[-2000:] + done.stderr
    result = check_reports(tmp_path / "r", "positive")
    slow = [c for c in result["cases"] if c["duration_ms"] > 100]
    assert slow  # the drip was real, and each answer still arrived whole and was judged


@pytest.fixture
def slow_server(make_server: MakeServer) -> Iterator[DemoServer]:
    yield make_server(latency_ms=250)


@pytest.mark.parametrize("signum", [signal.SIGINT, signal.SIGTERM])
def test_ctrl_c_stops_cleans_up_and_writes_reports_marked_interrupted(
    slow_server: DemoServer, tmp_path: Path, signum: int
) -> None:
    before = live_ids(slow_server)
    with started_cli(*args(slow_server.base_url, tmp_path / "r", "--concurrency", "2")) as run:
        wait_for_created(tmp_path / "r" / "ledger.jsonl", run)
        run.send_signal(signum)
        out, err = run.communicate(timeout=120)
    assert run.returncode == 130, out[-2000:] + err
    assert "interrupted" in out and "Traceback" not in err
    result = check_reports(tmp_path / "r")
    assert result["interrupted"] is True
    assert any(c["message"] == "not run: the run was interrupted" for c in result["cases"])
    assert not created_since(slow_server, before)  # the sweep ran
    assert read_ledger(tmp_path / "r" / "ledger.jsonl") == []


def test_a_second_ctrl_c_exits_at_once_and_cleanup_finishes_the_job(
    slow_server: DemoServer, tmp_path: Path
) -> None:
    before = live_ids(slow_server)
    ledger = tmp_path / "r" / "ledger.jsonl"
    with started_cli(*args(slow_server.base_url, tmp_path / "r", "--concurrency", "2")) as run:
        wait_for_created(ledger, run)
        run.send_signal(signal.SIGINT)
        time.sleep(0.05)
        run.send_signal(signal.SIGINT)
        run.communicate(timeout=30)
    assert run.returncode == 130
    leftovers = read_ledger(ledger)
    if leftovers:  # what the hard stop left is what `apitest cleanup` removes
        done = run_cli("cleanup", str(ledger), timeout=120)
        assert done.returncode == 0, done.stdout + done.stderr
    assert not created_since(slow_server, before)
