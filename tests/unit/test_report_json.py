"""report.json (report/json_report.py): a run result written and read back whole, in a file
others may read."""

from __future__ import annotations

import os
import stat
from pathlib import Path

from apitest.report.json_report import read_json, write_json
from apitest.results import RunResult


def test_json_round_trips_into_run_result(tmp_path: Path, run_result: RunResult) -> None:
    original = run_result
    path = tmp_path / "deep" / "report.json"
    write_json(original, path)
    again = read_json(path)
    assert again == original
    assert again.to_dict() == original.to_dict()
    mode = stat.S_IMODE(path.stat().st_mode)
    assert mode == 0o666 & ~_umask()  # shareable, not mkstemp's 0600


def _umask() -> int:
    current = os.umask(0)
    os.umask(current)
    return current
