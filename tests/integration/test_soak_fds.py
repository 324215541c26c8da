"""A few thousand calls leave no socket or file open behind them, and memory stays flat."""

from __future__ import annotations

import gc
import os
import sys
import time
from pathlib import Path

from apitest.auth.credentials import Credentials
from apitest.auth.profiles import AuthConfig, Profile
from apitest.demo.credentials import DEMO_CLIENT_ID, DEMO_CLIENT_SECRET
from apitest.engine.runner import RunSettings, run_plan
from apitest.plan.graph import PlanOptions, build_plan
from apitest.plan.model import Chain
from apitest.report.model import CaseResult, RunResult
from apitest.spec.loader import load_catalog

from .conftest import MakeServer

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "bench"))
from bench_throughput import SPEC


class Quiet:
    def case_finished(self, case: CaseResult) -> None:
        pass

    def chain_finished(self, chain: Chain, cases: list[CaseResult]) -> None:
        pass


def open_fds() -> int:
    return len(os.listdir("/proc/self/fd"))


def rss_mb() -> float:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    raise AssertionError("no VmRSS")


def test_thousands_of_calls_leave_no_descriptor_open(
    make_server: MakeServer, tmp_path: Path
) -> None:
    server = make_server()
    spec = tmp_path / "destinations.xml"
    spec.write_text(SPEC, encoding="utf-8")
    catalog = load_catalog([spec])
    credentials = Credentials(client_id=DEMO_CLIENT_ID, client_secret=DEMO_CLIENT_SECRET)

    def run(repeat: int, name: str) -> RunResult:
        plan = build_plan(catalog, PlanOptions(cases="positive", repeat=repeat))
        settings = RunSettings(
            base_url=server.base_url,
            auth=AuthConfig({"default": Profile("default", credentials)}),
            ledger_path=tmp_path / f"{name}.jsonl",
            concurrency=50,
        )
        return run_plan(catalog, plan, settings, Quiet())

    run(50, "warm-up")  # imports, caches and the server's own sockets settle first
    gc.collect()
    before = open_fds()
    first = run(1500, "first")
    gc.collect()
    after_first, rss_first = open_fds(), rss_mb()
    second = run(3000, "second")
    del second.cases[:]  # results are the caller's to keep or drop
    gc.collect()
    # The server thread may hold a kept-alive socket or two a moment longer: allow that much.
    deadline = time.monotonic() + 2
    while open_fds() > before + 2 and time.monotonic() < deadline:
        time.sleep(0.1)
    assert first.counts()["passed"] == 1500
    assert open_fds() <= before + 2, (before, after_first, open_fds())
    # twice the calls may not cost twice the memory: nothing grows per call once a run is over
    assert rss_mb() < rss_first * 1.5 + 20
