"""A report folder, or a report file's folder, that cannot be made is a usage error (exit 2)
naming its option, said before any call: before, `run` made its calls, created records with
no ledger to clean them up by, and then crashed with a traceback; `merge` crashed likewise."""

from __future__ import annotations

from pathlib import Path

import pytest

from ..support import run_cli
from ._api import live_ids
from .conftest import MakeServer


@pytest.fixture
def a_file(tmp_path: Path) -> Path:
    """A plain file: nothing can be made below it, whoever runs the test (root included)."""
    path = tmp_path / "not-a-folder"
    path.write_text("x", encoding="utf-8")
    return path


@pytest.mark.parametrize("option", ["--report-dir", "--html", "--junit", "--json", "--jsonl"])
def test_run_refuses_an_output_folder_it_cannot_make_before_any_call(
    make_server: MakeServer, a_file: Path, option: str
) -> None:
    server = make_server()
    before = live_ids(server)
    target = a_file / "sub" if option == "--report-dir" else a_file / "sub" / "out.file"
    done = run_cli(
        "run", "specs/destinations.xml", "--base-url", server.base_url, "--cases", "positive",
        option, str(target),
    )  # fmt: skip
    assert done.returncode == 2, done.stdout + done.stderr
    assert f"cannot make the folder {target.parent if option != '--report-dir' else target}" in (
        done.stderr
    )
    assert done.stderr.startswith(f"apitest: {option}")
    assert live_ids(server) == before  # nothing was created: no call was made


def test_merge_refuses_a_report_folder_it_cannot_make(
    make_server: MakeServer, a_file: Path, tmp_path: Path
) -> None:
    server = make_server()
    shard = tmp_path / "s1.json"
    ran = run_cli(
        "run", "specs/destinations.xml", "--base-url", server.base_url, "--cases", "positive",
        "--shard", "1/1", "--json", str(shard), "--report-dir", str(tmp_path / "r"), "-q",
    )  # fmt: skip
    assert ran.returncode == 0, ran.stdout + ran.stderr
    done = run_cli("merge", str(shard), "--html", str(a_file / "m.html"))
    assert done.returncode == 2, done.stdout + done.stderr
    assert f"apitest: --html {a_file / 'm.html'}: cannot make the folder {a_file}" in done.stderr
    assert done.stdout == ""  # refused before anything is printed
