"""A child process's own peak memory, for the benchmarks that run one.

Neither `wait4`'s nor the child's own `getrusage` `ru_maxrss` will do: Linux carries the
high-water mark of the address space a child was forked from across `exec`, so a child of a
benchmark process that already holds 400 MB reports at least 400 MB, whatever it used itself.
`VmHWM` in /proc/<pid>/status belongs to the address space `exec` made, so the child reads it
as it exits.
"""

from __future__ import annotations

import subprocess
import sys
import tempfile
from pathlib import Path

_PEAK_FILE = "APITEST_BENCH_PEAK_FILE"

READ_PEAK = """
def _own_peak_kib():
    for line in open("/proc/self/status", encoding="ascii"):
        if line.startswith("VmHWM:"):
            return int(line.split()[1])
    return 0
"""

_CLI = (
    READ_PEAK
    + f"""
import atexit, os, sys
def _write_peak():
    with open(os.environ[{_PEAK_FILE!r}], "w", encoding="ascii") as out:
        out.write(str(_own_peak_kib()))
atexit.register(_write_peak)
from apitest.cli import main
sys.exit(main())
"""
)


def cli_with_peak(args: list[str], env: dict[str, str]) -> tuple[int, float]:
    """Run `apitest ARGS` in a child (output discarded); its exit status and its own peak RSS
    in MB."""
    with tempfile.TemporaryDirectory(prefix="apitest-bench-peak-") as folder:
        peak_file = Path(folder) / "peak"
        child_env = dict(env, **{_PEAK_FILE: str(peak_file)})
        done = subprocess.run(
            [sys.executable, "-c", _CLI, *args],
            env=child_env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=False,
        )  # fmt: skip
        kib = int(peak_file.read_text(encoding="ascii") or 0) if peak_file.exists() else 0
    return done.returncode, kib / 1024
