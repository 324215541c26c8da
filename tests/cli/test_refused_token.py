"""A refused APITEST_ACCESS_TOKEN reads as what it is, with the fix that mends it (issue 18,
item 13): it used to read "apitest internal error: UsageError" on every case."""

from __future__ import annotations

import shutil
from pathlib import Path

from ..support import SPECS, cli_env, run_cli

GIVEN = "expired-token-0123456789"


def test_a_refused_access_token_names_the_variable_and_the_fix(tmp_path: Path) -> None:
    shutil.copytree(SPECS, tmp_path / "specs")
    reports = tmp_path / "reports"
    done = run_cli(
        "run", "specs/trips.xml", "--cases", "positive", "--report-dir", str(reports),
        cwd=tmp_path, env=cli_env(credentials=False, APITEST_ACCESS_TOKEN=GIVEN),
    )  # fmt: skip
    assert done.returncode == 1, done.stdout + done.stderr
    assert "internal error" not in done.stdout
    errors = [line for line in done.stdout.splitlines() if line.lstrip().startswith("ERROR")]
    assert errors and all("access token given (APITEST_ACCESS_TOKEN" in e for e in errors)
    assert "a fresh APITEST_ACCESS_TOKEN" in done.stdout  # the fix, named
    for output in [done.stdout, done.stderr, *(p.read_text() for p in reports.iterdir())]:
        assert GIVEN not in output  # a secret, even a dead one, never reaches an output
