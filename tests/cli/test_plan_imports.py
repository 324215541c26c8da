"""`apitest plan` makes no call, so it loads no HTTP library (issue 19): the plan layer and the
session layer stay below the engine, and `plan` is as quick to start as a linter."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from .test_cli import REPO, TIMEOUT, clean_env

HTTP_LIBRARIES = ("httpx", "aiohttp", "httpx_aiohttp", "uvicorn", "starlette")


def _imported(*args: str, code: int = 0) -> set[str]:
    """The top-level modules a CLI command imports (python -X importtime lists each)."""
    done = subprocess.run(
        [sys.executable, "-X", "importtime", "-m", "apitest.cli", *args],
        cwd=REPO, env=clean_env(APITEST_ACCESS_TOKEN="unused"), capture_output=True, text=True,
        timeout=TIMEOUT,
    )  # fmt: skip
    assert done.returncode == code, done.stderr[-2000:]
    lines = [line.rsplit("|", 1)[-1] for line in done.stderr.splitlines() if "|" in line]
    return {line.strip().split(".")[0] for line in lines}


def test_plan_loads_no_http_library() -> None:
    imported = _imported("plan", "specs/trips.xml", "--format", "json")
    assert "apitest" in imported  # the listing is real
    assert not imported & set(HTTP_LIBRARIES), sorted(imported & set(HTTP_LIBRARIES))


def test_run_does_load_them(tmp_path: Path) -> None:
    """The check above can fail: the same listing shows them for a command that calls (here
    against a closed port: exit 3, target unreachable)."""
    imported = _imported(
        "run", "specs/trips.xml", "--base-url", "http://127.0.0.1:9/api",
        "--report-dir", str(tmp_path), code=3,
    )  # fmt: skip
    assert {"httpx", "aiohttp"} <= imported
