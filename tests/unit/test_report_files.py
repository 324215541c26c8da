"""Report files (report/files.py) are written whole or not at all."""

from __future__ import annotations

from pathlib import Path

from apitest.report.files import write_atomic, write_problem


def test_write_atomic_leaves_no_temporary_files(tmp_path: Path) -> None:
    target = tmp_path / "r.txt"
    write_atomic(target, "one")
    write_atomic(target, "two")
    assert target.read_text() == "two"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["r.txt"]


def test_write_atomic_through_a_link_keeps_the_link(tmp_path: Path) -> None:
    real = tmp_path / "real.json"
    real.write_text("old")
    link = tmp_path / "link.json"
    link.symlink_to(real)
    write_atomic(link, "new")
    assert link.is_symlink() and real.read_text() == "new"


def test_write_problem_names_a_folder_and_a_folder_it_cannot_make(tmp_path: Path) -> None:
    a_file = tmp_path / "f"
    a_file.write_text("x")
    assert write_problem(tmp_path) == "it is a folder"
    said = write_problem(a_file / "sub" / "r.json")
    assert said is not None and said.startswith(f"cannot make the folder {a_file / 'sub'} (")
    assert write_problem(tmp_path / "new" / "r.json") is None
    assert sorted(p.name for p in (tmp_path / "new").iterdir()) == []  # the probe is gone
