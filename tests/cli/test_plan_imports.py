"""`apitest plan` and `apitest lint` make no call, so they load no HTTP library (issue 19): the
plan layer and the session layer stay below the engine, and `plan` is as quick to start as a
linter."""

from __future__ import annotations

from pathlib import Path

import pytest

from ..support import cli_env, run_cli

HTTP_LIBRARIES = ("httpx", "aiohttp", "httpx_aiohttp", "uvicorn", "starlette")


def _imported(*args: str, code: int = 0) -> set[str]:
    """The top-level modules a CLI command imports (python -X importtime lists each)."""
    env = cli_env(credentials=False, APITEST_ACCESS_TOKEN="unused")
    done = run_cli(*args, env=env, python=("-X", "importtime"))
    assert done.returncode == code, done.stderr[-2000:]
    lines = [line.rsplit("|", 1)[-1] for line in done.stderr.splitlines() if "|" in line]
    return {line.strip().split(".")[0] for line in lines}


@pytest.mark.parametrize(
    "command",
    [("plan", "specs/trips.xml", "--format", "json"), ("lint", "specs/trips.xml")],
    ids=["plan", "lint"],
)
def test_plan_and_lint_load_no_http_library(command: tuple[str, ...]) -> None:
    imported = _imported(*command)
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
