"""Benchmark: a 100,000-call soak (cheap reads) through the engine, for steady memory and
leaked descriptors.

The reference service runs in its own process (`apitest serve`), as in bench_throughput, so
this process's descriptors and memory are the runner's alone. The one-read spec is planned
100,000 times (positive cases) and run through `run_plan` in this process at concurrency 50.

VmRSS is sampled every second from a thread; each sample falls in a quarter of the run by its
elapsed time, and the largest sample of each quarter is that quarter's figure. "Steady memory"
is the growth from the 25% mark (the largest RSS of the first quarter) to the 100% mark (the
largest of the last): past the first 2,000 passed cases a result keeps no bodies or headers,
so what remains is the plan and each case's light record. Descriptors are counted before the
run and after it (the client closed, a short settle). Figures only, no assertions.

It stops by itself: a watchdog kills the service after DEADLINE_S (the remaining calls then
fail at once and the run ends), and the service is killed by its PID on the way out.
"""

from __future__ import annotations

import gc
import os
import signal
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

from bench_throughput import _free_port, _serve, plan_reads

from apitest.engine.events import NullListener
from apitest.engine.runner import run_plan
from apitest.results import RunResult

CALLS = 100_000
CONCURRENCY = 50
SAMPLE_EVERY_S = 1.0
DEADLINE_S = 900.0
"""About ten times the expected wall on a 2-core machine."""


def _rss_mb() -> float:
    for line in Path("/proc/self/status").read_text(encoding="ascii").splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return 0.0


def _fds() -> int:
    return len(os.listdir("/proc/self/fd"))


def _settled_fds(at_most: int, within_s: float = 2.0) -> int:
    gc.collect()
    deadline = time.monotonic() + within_s
    while (count := _fds()) > at_most and time.monotonic() < deadline:
        time.sleep(0.05)
    return count


def _kill(server: subprocess.Popen[bytes]) -> None:
    """Stop the service by its PID: SIGTERM, then SIGKILL if it lingers."""
    if server.poll() is not None:
        return
    os.kill(server.pid, signal.SIGTERM)
    try:
        server.wait(timeout=10)
    except subprocess.TimeoutExpired:
        os.kill(server.pid, signal.SIGKILL)
        server.wait(timeout=10)


class _Sampler:
    """VmRSS every SAMPLE_EVERY_S from a daemon thread, as (seconds since start, MB)."""

    def __init__(self) -> None:
        self.samples: list[tuple[float, float]] = []
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._sample, name="rss-sampler", daemon=True)
        self._start = 0.0

    def __enter__(self) -> _Sampler:
        self._start = time.monotonic()
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join(5)

    def _sample(self) -> None:
        while not self._stop.wait(SAMPLE_EVERY_S):
            self.samples.append((time.monotonic() - self._start, _rss_mb()))

    def quarters(self, wall: float, rss_after: float) -> list[float]:
        """The largest sample in each quarter of `wall`; a quarter without a sample (a very
        short run) takes the previous quarter's figure, the first one the RSS after."""
        best: list[float | None] = [None] * 4
        for at, rss in self.samples:
            index = min(3, int(4 * at / wall)) if wall > 0 else 3
            best[index] = max(best[index] or 0.0, rss)
        filled: list[float] = []
        for value in best:
            filled.append(value if value is not None else (filled[-1] if filled else rss_after))
        return filled


def _run(base_url: str, folder: Path, server: subprocess.Popen[bytes]) -> dict[str, Any]:
    rss_start = _rss_mb()
    catalog, plan, settings = plan_reads(base_url, folder, CALLS)
    fired = threading.Event()

    def stop_the_service() -> None:
        fired.set()
        _kill(server)

    watchdog = threading.Timer(DEADLINE_S, stop_the_service)
    watchdog.daemon = True
    gc.collect()
    fds_before, rss_before = _fds(), _rss_mb()
    watchdog.start()
    with _Sampler() as sampler:
        started = time.perf_counter()
        result: RunResult = run_plan(catalog, plan, settings, NullListener())
        wall = time.perf_counter() - started
    watchdog.cancel()
    counts = result.counts()
    calls = sum(len(case.calls) for case in result.cases)
    rss_with_result = _rss_mb()
    del result
    fds_after = _settled_fds(fds_before)
    rss_after = _rss_mb()
    q1, q2, q3, q4 = sampler.quarters(wall, rss_with_result)
    return {
        "calls planned": CALLS,
        "calls made": calls,
        "concurrency": CONCURRENCY,
        "wall (s)": round(wall, 1),
        "calls/s": round(calls / wall),
        "cases passed": counts["passed"],
        "cases failed / error / skipped": (
            f"{counts['failed']} / {counts['error']} / {counts['skipped']}"
        ),
        "stopped by the watchdog": fired.is_set(),
        "descriptors before": fds_before,
        "descriptors after": fds_after,
        "descriptors leaked": fds_after - fds_before,
        "RSS at start, before the plan (MB)": round(rss_start, 1),
        "RSS before the run, plan built (MB)": round(rss_before, 1),
        "RSS max in 0-25% (MB)": round(q1, 1),
        "RSS max in 25-50% (MB)": round(q2, 1),
        "RSS max in 50-75% (MB)": round(q3, 1),
        "RSS max in 75-100% (MB)": round(q4, 1),
        "RSS at the end, result held (MB)": round(rss_with_result, 1),
        "RSS after, result dropped (MB)": round(rss_after, 1),
        "steady memory: growth 25% -> 100% (MB)": round(q4 - q1, 1),
        "steady memory per case after 25% (bytes)": round((q4 - q1) * 1024 * 1024 / (CALLS * 0.75)),
        "RSS samples": len(sampler.samples),
    }


def run() -> dict[str, Any]:
    port = _free_port()
    server = _serve(port)
    try:
        with tempfile.TemporaryDirectory(prefix="apitest-bench-soak-") as folder:
            return _run(f"http://127.0.0.1:{port}/api/v1", Path(folder), server)
    finally:
        _kill(server)


if __name__ == "__main__":
    for key, value in run().items():
        print(f"{key}: {value}")
