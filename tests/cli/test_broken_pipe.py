"""`apitest run ... | head`: the reader goes away after a line, the run does not (issue 18,
item 13). It used to end at once with status 1, no reports and nothing cleaned up."""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path

from ..support import CLI_TIMEOUT_S, SPECS, cli_env, free_port, started_cli


def _first_line_then_close(*args: str, cwd: Path) -> tuple[int, str, str]:
    """Run the CLI, read one line of its output, close the pipe (as `head -1` does): its exit
    status, that line and what it wrote to stderr."""
    with started_cli(*args, cwd=cwd, env=cli_env(credentials=False)) as proc:
        assert proc.stdout is not None and proc.stderr is not None
        first = proc.stdout.readline()
        proc.stdout.close()
        stderr = proc.stderr.read()
        return proc.wait(timeout=CLI_TIMEOUT_S), first, stderr


def test_a_closed_stdout_still_runs_to_the_end_and_writes_every_report(tmp_path: Path) -> None:
    shutil.copytree(SPECS, tmp_path / "specs")
    reports = tmp_path / "reports"
    code, first, stderr = _first_line_then_close(
        "run", "specs/trips.xml", "--cases", "positive", "--report-dir", str(reports), cwd=tmp_path
    )
    assert code == 0, stderr
    assert first.startswith("started the bundled reference service")
    assert "Traceback" not in stderr and "BrokenPipe" not in stderr
    assert {p.name for p in reports.iterdir()} >= {
        "report.json", "junit.xml", "report.html", "ledger.jsonl"
    }  # fmt: skip
    result = json.loads((reports / "report.json").read_text())
    assert result["cases"] and {case["status"] for case in result["cases"]} == {"passed"}


def test_plan_and_lint_into_head_end_quietly_with_their_own_status(tmp_path: Path) -> None:
    """Every command, not only run: `apitest plan --format json | head` ended in a
    BrokenPipeError traceback; a lint that found errors must still exit 1 through a pipe."""
    shutil.copytree(SPECS, tmp_path / "specs")
    code, first, stderr = _first_line_then_close(
        "plan", "specs/trips.xml", "--repeat", "300", "--format", "json", cwd=tmp_path
    )
    assert (code, first, stderr) == (0, "{\n", "")
    broken = tmp_path / "broken"
    broken.mkdir()
    for index in range(300):  # enough diagnostics to outrun the pipe's buffer
        (broken / f"bad{index:03}.xml").write_text("<resource>", encoding="utf-8")
    code, first, stderr = _first_line_then_close("lint", "broken", cwd=tmp_path)
    assert code == 2 and first and "Traceback" not in stderr, stderr


def test_a_run_into_head_with_stderr_merged_keeps_its_own_exit_status(tmp_path: Path) -> None:
    """`apitest run ... 2>&1 | head -1`: the message of an unreachable target goes to a closed
    pipe, and the run still exits 3 (it exited 1)."""
    shutil.copytree(SPECS, tmp_path / "specs")
    args = ("run", "specs/trips.xml", "--var", f"port={free_port()}")
    with started_cli(
        *args, cwd=tmp_path, env=cli_env(credentials=False), stderr=subprocess.STDOUT
    ) as proc:
        assert proc.stdout is not None
        first = proc.stdout.readline()
        proc.stdout.close()
        code = proc.wait(timeout=CLI_TIMEOUT_S)
    assert first.startswith("nothing answers at"), first
    assert code == 3
