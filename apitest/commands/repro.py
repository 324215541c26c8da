"""The `apitest repro REPORT CASE-ID` command: the shell script that replays a case's chain.

Prints the script (report/repro.py) or, with --run, runs it with `sh` and exits with its status,
so a failure found in CI can be tried again, by hand or in a ticket, against any live target
(`--base-url`, or APITEST_BASE_URL when the script runs). Reads only the run's report.json: no
spec, no plan, no credentials (the script reads those from its environment).
"""

from __future__ import annotations

import argparse
import difflib
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

from apitest.errors import EXIT_PASSED, UsageError
from apitest.report.json_report import read_result
from apitest.report.repro import Replays
from apitest.results import CaseResult, RunResult

HOW = "give the report.json a run wrote, or its report folder (reports/<run>/)"


def run(args: argparse.Namespace) -> int:
    path = report_path(Path(args.report))
    result = read_report(path)
    case = find_case(result, args.case, path)
    replays = Replays(result, base_url=args.base_url)
    script = replays.script(case)
    if script is None:
        why = replays.why_not(case) or f"{case.id} has nothing to replay"
        raise UsageError(f"{path}: no replay of {case.id}: {why}")
    if not args.run:
        print_script(script)
        return EXIT_PASSED
    return run_script(script, args.base_url)


def report_path(given: Path) -> Path:
    """REPORT as a file: a folder stands for the report.json in it."""
    if given.is_dir():
        inside = given / "report.json"
        if not inside.is_file():
            raise UsageError(f"REPORT {given} holds no report.json; {HOW}")
        return inside
    if not given.exists():
        raise UsageError(f"REPORT {given} does not exist; {HOW}")
    return given


def read_report(path: Path) -> RunResult:
    """The run in `path`, or one message saying why it cannot be read."""
    return read_result(path, "REPORT", HOW)


def find_case(result: RunResult, wanted: str, path: Path) -> CaseResult:
    found = next((case for case in result.cases if case.id == wanted), None)
    if found is not None:
        return found
    ids = [case.id for case in result.cases]
    close = difflib.get_close_matches(wanted, ids, n=3, cutoff=0.6)
    hint = f"did you mean {', '.join(close)}? " if close else ""
    failed = [case.id for case in result.cases if case.status in ("failed", "error")][:3]
    example = f" (its failures: {', '.join(failed)})" if failed and not close else ""
    raise UsageError(
        f"no case {wanted!r} in {path}; {hint}case ids are <chain>.<n> as the reports show "
        f"them{example}"
    )


def print_script(script: str) -> None:
    """To stdout; a reader that stops early (`apitest repro ... | head`) ends it quietly."""
    try:
        sys.stdout.write(script)
        sys.stdout.flush()
    except BrokenPipeError:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())  # so the flush at exit does not fail again


def run_script(script: str, base_url: str | None) -> int:
    """Run the script with sh and return its exit status. Ctrl-C reaches the script too
    (same process group): its trap deletes what it made, and we wait for that."""
    shell = shutil.which("sh")
    if shell is None:
        raise UsageError("--run needs sh on PATH; print the script instead (leave out --run)")
    env = dict(os.environ)
    if base_url:
        env["APITEST_BASE_URL"] = base_url
    with tempfile.TemporaryDirectory(prefix="apitest-repro-") as folder:
        file = Path(folder) / "repro.sh"
        file.write_text(script, encoding="utf-8")
        child = subprocess.Popen([shell, str(file)], env=env)
        try:
            return child.wait()
        except KeyboardInterrupt:
            return child.wait()
