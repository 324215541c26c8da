"""Suites with hooks, run by the CLI: the worked example, and hooks that fail, crash or hang."""

from __future__ import annotations

import json
import subprocess
import time
from pathlib import Path
from typing import Any

from ..support import SPECS, cli_env, run_cli


def cli(*args: str) -> subprocess.CompletedProcess[str]:
    return run_cli(*args, env=cli_env(credentials=False))


def load(path: Path) -> dict[str, Any]:
    data: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
    return data


def case(result: dict[str, Any], name: str) -> dict[str, Any]:
    return next(c for c in result["cases"] if c["name"] == name)


def test_the_worked_example_suite_passes_and_its_hook_logs_reach_the_reports(
    tmp_path: Path,
) -> None:
    report = tmp_path / "report"
    done = cli("run", "suites/trips.toml", "--report-dir", str(report))
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr
    result = load(report / "report.json")
    assert result["seed"] == 42  # from the suite
    logs = result["logs"]
    assert any(line.startswith("INFO: ") and "destinations known" in line for line in logs)
    assert any(line == "CONFIG: hooks home: hooks" for line in logs)  # getFunctionHome
    assert any("1 traced creates" in line for line in logs)  # getQueue, after_run
    post = case(result, "POST trips / positive")
    assert any(line.startswith("FINE: trace header apitest-positive") for line in post["logs"])
    assert any(line.startswith("FINER: destination ") for line in post["logs"])  # check, getCache
    sent = post["calls"][0]["request_headers"]
    assert sent["X-Trace-Id"] == "apitest-positive"  # before_call changed the request
    assert any(line.startswith("FINEST: ") for line in case(result, "GET trip / positive")["logs"])
    summary = load(report / "hooks" / "summary.json")  # getWritableDirectory
    assert summary["counts"]["passed"] == len(result["cases"])
    html = (report / "report.html").read_text(encoding="utf-8")
    assert "trace header apitest-positive" in html and "destinations known" in html
    assert "hook: INFO: " in done.stdout


HOOKS = """
import time
from apitest.hooks import after_call, before_call, check

@check(operation="GET trips", kind="positive")
def too_few(req, resp):
    resp.error("expected at least 99 trips")

@before_call(operation="PUT trips", kind="positive")
def crash(context, call):
    raise ValueError("boom")

@after_call(operation="DELETE trips", kind="positive")
def hang(context, call):
    time.sleep(60)
"""


def test_a_failing_check_a_crashing_hook_and_a_hanging_hook_each_fail_their_case(
    tmp_path: Path,
) -> None:
    (tmp_path / "hooks.py").write_text(HOOKS, encoding="utf-8")
    suite = tmp_path / "s.toml"
    suite.write_text(
        f'specs = ["{SPECS / "trips.xml"}"]\n'
        '[filters]\ncases = "positive"\n[hooks]\nmodules = ["hooks.py"]\ntimeout = 1\n',
        encoding="utf-8",
    )
    started = time.monotonic()
    done = cli("run", str(suite), "--report-dir", str(tmp_path / "report"))
    assert time.monotonic() - started < 60  # the hanging hook did not hold the run
    assert done.returncode == 1
    result = load(tmp_path / "report" / "report.json")
    listed = case(result, "GET trips / positive")
    assert listed["status"] == "failed"
    assert listed["message"] == "check too_few: expected at least 99 trips"
    put = case(result, "PUT trips / positive")
    assert put["status"] == "failed" and put["http_status"] is None  # never sent
    assert put["message"] == "hook crash raised ValueError: boom"
    delete = case(result, "DELETE trips / positive")
    assert delete["status"] == "failed" and delete["http_status"] == 200  # the call was made
    assert delete["message"] == "hook hang did not finish within 1 s"
    others = {c["name"]: c["status"] for c in result["cases"] if c["status"] != "passed"}
    assert others == {
        "GET trips / positive": "failed",
        "PUT trips / positive": "failed",
        "GET trip / verify PUT trips": "skipped",  # the PUT was never sent
        "DELETE trips / positive": "failed",
    }


def test_a_bad_suite_is_one_line_naming_the_file_and_key(tmp_path: Path) -> None:
    suite = tmp_path / "bad.toml"
    suite.write_text('specs = ["x.xml"]\n[run]\nconcurency = 4\n', encoding="utf-8")
    done = cli("run", str(suite))
    assert done.returncode == 2
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1 and "Traceback" not in done.stderr
    assert str(suite) in lines[0] and "[run]: unknown key(s) concurency" in lines[0]


def test_a_hook_file_with_a_syntax_error_names_its_line(tmp_path: Path) -> None:
    (tmp_path / "hooks.py").write_text("def broken(:\n", encoding="utf-8")
    suite = tmp_path / "s.toml"
    suite.write_text(
        f'specs = ["{SPECS / "trips.xml"}"]\n[hooks]\nmodules = ["hooks.py"]\n',
        encoding="utf-8",
    )
    done = cli("run", str(suite))
    assert done.returncode == 2
    assert "hooks.py:1" in done.stderr and "Traceback" not in done.stderr
