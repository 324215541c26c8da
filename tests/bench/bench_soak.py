"""Benchmark: a 100,000-call soak (cheap reads) through the engine, for steady memory and
leaked descriptors.

The reference service runs in its own process (`apitest serve`), as in bench_throughput. The
run's RSS is sampled every second; "steady memory" is the growth from a quarter of the run to
its end (past the first 2,000 passed cases a result keeps no bodies, so it should stay small).
Descriptors are counted before and after. Figures only, no assertions.
"""

from __future__ import annotations

import sys
import tempfile
import threading
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

from bench_throughput import SPEC, _free_port, _Quiet, _serve

from apitest.auth.credentials import Credentials
from apitest.auth.profiles import AuthConfig, Profile
from apitest.demo.credentials import DEMO_CLIENT_ID, DEMO_CLIENT_SECRET
from apitest.engine.runner import RunSettings, run_plan
from apitest.plan.graph import PlanOptions, build_plan
from apitest.spec.loader import load_catalog

CALLS = 100_000
CONCURRENCY = 50


def _rss_mb() -> float:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return 0.0


def _fds() -> int:
    return len(list(Path("/proc/self/fd").iterdir()))


def run() -> dict[str, Any]:
    port = _free_port()
    server = _serve(port)
    samples: list[tuple[float, float]] = []
    done = threading.Event()

    def sample() -> None:
        start = time.monotonic()
        while not done.wait(1.0):
            samples.append((time.monotonic() - start, _rss_mb()))

    try:
        with tempfile.TemporaryDirectory(prefix="apitest-bench-soak-") as folder:
            spec = Path(folder) / "destinations.xml"
            spec.write_text(SPEC, encoding="utf-8")
            catalog = load_catalog([spec])
            plan = build_plan(catalog, PlanOptions(cases="positive", repeat=CALLS))
            credentials = Credentials(client_id=DEMO_CLIENT_ID, client_secret=DEMO_CLIENT_SECRET)
            settings = RunSettings(
                base_url=f"http://127.0.0.1:{port}/api/v1",
                auth=AuthConfig({"default": Profile("default", credentials)}),
                ledger_path=Path(folder) / "ledger.jsonl",
                concurrency=CONCURRENCY,
            )
            fds_before, rss_before = _fds(), _rss_mb()
            sampler = threading.Thread(target=sample, daemon=True)
            sampler.start()
            started = time.perf_counter()
            result = run_plan(catalog, plan, settings, _Quiet())
            wall = time.perf_counter() - started
            done.set()
            sampler.join(5)
            fds_after, rss_after = _fds(), _rss_mb()
    finally:
        server.terminate()
        server.wait(timeout=10)
    quarter = next((rss for at, rss in samples if at >= wall / 4), rss_before)
    return {
        "calls": CALLS,
        "wall (s)": round(wall, 1),
        "calls/s": round(CALLS / wall),
        "cases passed": result.counts()["passed"],
        "descriptors before / after": f"{fds_before} / {fds_after}",
        "RSS before run (MB)": round(rss_before, 1),
        "RSS at 25% (MB)": round(quarter, 1),
        "RSS peak (MB)": round(max((rss for _, rss in samples), default=rss_after), 1),
        "RSS after run (MB)": round(rss_after, 1),
        "growth 25% -> end (MB)": round(rss_after - quarter, 1),
    }


if __name__ == "__main__":
    for key, value in run().items():
        print(f"{key}: {value}")
