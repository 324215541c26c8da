"""`apitest plan` names what bounds a run's wall time (issue 18, item 12): a throttle window, the
concurrency limit (from --concurrency or the suite) or the longest chain, in text and JSON.

throttling.xml has one GET operation, throttled at 2 calls per 400 ms; `--cases positive
--repeat N` plans N one-call chains of it. Expected figures are computed from the rule here.
"""

from __future__ import annotations

import json
import math
from pathlib import Path

import pytest

from apitest.plan.model import NOMINAL_CALL_MS

from ..support import DATA, REPO, run_cli

GADGETS = DATA / "zspec" / "throttling.xml"
THROTTLING = (
    '<throttling name="listing" threshold="2" duration="400" lock-period="1000" type="ip"/>'
)


def headline(*args: str, cwd: Path = REPO) -> str:
    done = run_cli("plan", *args, cwd=cwd)
    assert done.returncode == 0, done.stdout + done.stderr
    return done.stdout.splitlines()[0]


@pytest.fixture
def unthrottled(tmp_path: Path) -> Path:
    text = GADGETS.read_text(encoding="utf-8")
    assert text.count(THROTTLING) == 1
    path = tmp_path / "gadgets.xml"
    path.write_text(text.replace(THROTTLING, ""), encoding="utf-8")
    return path


def test_plan_names_the_throttle_that_binds() -> None:
    calls = 7
    windows = (calls - 1) // 2
    ms = windows * (400 + NOMINAL_CALL_MS) + NOMINAL_CALL_MS
    line = headline(str(GADGETS), "--cases", "positive", "--repeat", str(calls))
    assert line == (
        f"1 resources, {calls} chains, {calls} steps; critical-path estimate {ms / 1000:.2f} s "
        f"(bound by the throttle of GET gadgets: 2 calls per 0.4 s, {calls} calls)"
    )


def test_plan_counts_the_concurrency_limit_in_text_and_json(unthrottled: Path) -> None:
    chains = ("--cases", "positive", "--repeat", "100")
    line = headline(str(unthrottled), *chains, "--concurrency", "4")
    assert line.endswith(
        f"critical-path estimate {25 * NOMINAL_CALL_MS / 1000:.2f} s "
        "(bound by the concurrency limit: 100 calls, 4 at a time)"
    )
    done = run_cli("plan", str(unthrottled), *chains, "--format", "json")  # default 16
    assert done.returncode == 0, done.stderr
    plan = json.loads(done.stdout)
    assert plan["estimate_ms"] == math.ceil(100 / 16) * NOMINAL_CALL_MS
    assert plan["estimate_bound"] == {
        "kind": "concurrency",
        "ms": plan["estimate_ms"],
        "reason": "the concurrency limit: 100 calls, 16 at a time",
        "scope": "",
        "calls": 100,
    }
    kinds = [bound["kind"] for bound in plan["estimate_bounds"]]
    assert kinds == ["chains", "concurrency"]  # no throttle declared, none counted


def test_plan_takes_the_concurrency_of_a_suite_and_the_option_wins(
    unthrottled: Path, tmp_path: Path
) -> None:
    suite = tmp_path / "load.toml"
    suite.write_text(
        f'name = "load"\nspecs = ["{unthrottled.name}"]\n'
        '[filters]\ncases = "positive"\n[run]\nrepeat = 100\nconcurrency = 5\n',
        encoding="utf-8",
    )
    line = headline(str(suite), cwd=tmp_path)
    assert line.endswith(
        f"{20 * NOMINAL_CALL_MS / 1000:.2f} s (bound by the concurrency limit: 100 calls, "
        "5 at a time)"
    )
    line = headline(str(suite), "--concurrency", "100", cwd=tmp_path)
    assert line.endswith(f"{NOMINAL_CALL_MS / 1000:.2f} s (bound by the longest chain, gadgets.1)")


def test_plan_refuses_a_concurrency_of_0_as_run_does() -> None:
    done = run_cli("plan", str(GADGETS), "--concurrency", "0")
    assert done.returncode == 2
    assert "--concurrency: 0 is out of range (1 to 1000)" in done.stderr, done.stderr
    assert done.stdout == ""
