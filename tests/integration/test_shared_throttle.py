"""Throttle windows shared by processes: parallel runs together stay under the threshold."""

from __future__ import annotations

import json
import subprocess
import sys
from contextlib import ExitStack
from pathlib import Path

from ..support import REPO, started_cli, throttled_specs
from .conftest import MakeServer

TAKER = """
import asyncio, sys, time
from pathlib import Path
from apitest.engine.http.throttle_shared import SharedWindow

async def main() -> None:
    window = SharedWindow(Path(sys.argv[1]), "k", 5, 0.5)
    for _ in range(6):
        slot, _ = await window.acquire()
        print(time.time(), flush=True)
        await window.release(slot)

asyncio.run(main())
"""


def test_four_processes_never_exceed_the_threshold_in_any_window(tmp_path: Path) -> None:
    runs = [
        subprocess.Popen(
            [sys.executable, "-c", TAKER, str(tmp_path / "windows")],
            stdout=subprocess.PIPE,
            text=True,
            cwd=REPO,
        )
        for _ in range(4)
    ]
    starts = sorted(float(line) for run in runs for line in run.communicate(timeout=60)[0].split())
    assert len(starts) == 24 and all(run.returncode == 0 for run in runs)
    # any 6 consecutive starts span at least a window: never 6 calls within 0.5 s
    spans = [later - earlier for earlier, later in zip(starts, starts[5:], strict=False)]
    assert min(spans) >= 0.5 - 0.01


def test_parallel_cli_runs_share_the_specs_throttle(
    make_server: MakeServer, tmp_path: Path
) -> None:
    server = make_server(throttle_threshold=4, throttle_window_ms=1000, throttle_lock_ms=5000)
    specs = throttled_specs(tmp_path, 4, 1000, 5000)

    def args(n: int) -> list[str]:
        return [
            "run", str(specs / "trips.xml"), "--base-url", server.base_url, "--cases", "positive",
            "--repeat", "3", "-q", "--report-dir", str(tmp_path / f"r{n}"),
            "--json", str(tmp_path / f"r{n}.json"),
        ]  # fmt: skip

    with ExitStack() as running:
        runs = [running.enter_context(started_cli(*args(n))) for n in range(3)]
        for run in runs:
            out, err = run.communicate(timeout=180)
            assert run.returncode == 0, out[-2000:] + err
    puts = [
        case
        for n in range(3)
        for case in json.loads((tmp_path / f"r{n}.json").read_text())["cases"]
        if case["name"] == "PUT trips / positive"
    ]
    assert len(puts) == 9
    # nine PUTs from three processes at four a second: the service never refused one
    assert all(case["attempts"] == 1 and case["http_status"] == 200 for case in puts)
    assert any(case["throttle_ms"] > 0 for case in puts)
    assert all(status != 429 for case in puts for status in [c["status"] for c in case["calls"]])
