"""Report files (report/files.py) are written whole or not at all."""

from __future__ import annotations

from pathlib import Path

from apitest.report.files import write_atomic


def test_write_atomic_leaves_no_temporary_files(tmp_path: Path) -> None:
    target = tmp_path / "r.txt"
    write_atomic(target, "one")
    write_atomic(target, "two")
    assert target.read_text() == "two"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["r.txt"]
