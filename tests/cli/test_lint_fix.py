"""`apitest lint --fix` as a real subprocess: files rewritten in place, each rewrite listed as
file:line, then the usual lint report and exit status."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

from ..support import DATA, run_cli
from .test_cli import MALFORMED_SPEC

MIGRATE = DATA / "migrate"


def test_fix_rewrites_a_folder_in_place_lists_each_rewrite_then_lints(tmp_path: Path) -> None:
    for form in ("path-config", "tag-description"):
        shutil.copy(MIGRATE / f"{form}.before.xml", tmp_path / f"{form}.xml")
    done = run_cli("lint", "--fix", str(tmp_path))
    assert done.returncode == 0, done.stdout + done.stderr
    for form in ("path-config", "tag-description"):
        written = (tmp_path / f"{form}.xml").read_bytes()
        assert written == (MIGRATE / f"{form}.after.xml").read_bytes(), form
    fixed = [line for line in done.stdout.splitlines() if ": fixed: " in line]
    assert fixed == [
        f"{tmp_path}/path-config.xml:5: fixed: data-extraction-path '$.things[*]' -> '$.things'",
        f"{tmp_path}/path-config.xml:15: fixed: data-extraction-path '$.details[*]' -> '$.details'",
        f"{tmp_path}/tag-description.xml:8: fixed: "
        '<tag description="..."> -> <tag><description>...</description></tag>',
        f"{tmp_path}/tag-description.xml:9: fixed: "
        '<tag description="..."> -> <tag><description>...</description></tag>',
    ]
    assert done.stdout.splitlines()[-1].startswith("2 files, 2 resources, 2 operations: ")
    again = run_cli("lint", "--fix", str(tmp_path))
    assert ": fixed: " not in again.stdout  # nothing old is left


def test_fix_with_json_keeps_stdout_json_and_lists_rewrites_on_stderr(tmp_path: Path) -> None:
    shutil.copy(MIGRATE / "path-config.before.xml", tmp_path / "things.xml")
    done = run_cli("lint", "--fix", "--format", "json", str(tmp_path / "things.xml"))
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout)["errors"] == 0
    assert done.stderr.count(": fixed: ") == 2


def test_a_malformed_file_is_not_rewritten_and_lint_says_why(tmp_path: Path) -> None:
    broken = tmp_path / "broken.xml"
    broken.write_text(MALFORMED_SPEC, encoding="utf-8")
    done = run_cli("lint", "--fix", str(broken))
    assert done.returncode == 2
    assert "not rewritten" in done.stdout and "malformed XML" in done.stdout
    assert broken.read_text(encoding="utf-8") == MALFORMED_SPEC


def test_lint_help_documents_fix() -> None:
    done = run_cli("lint", "--help")
    assert "--fix" in done.stdout and "official" in done.stdout
    assert "apitest lint --fix specs/" in run_cli("--help").stdout


def test_lint_with_warnings_names_the_files_fix_would_rewrite(tmp_path: Path) -> None:
    old = tmp_path / "old.xml"
    text = (MIGRATE / "path-config.before.xml").read_text(encoding="utf-8")
    old.write_text(text.replace('file-version="1"', 'file-version="1" colour="x"'), "utf-8")
    done = run_cli("lint", str(old))
    assert done.returncode == 0
    hint = done.stdout.splitlines()[-2]
    assert hint == (
        f"1 file ({old}) uses apitest's earlier forms: apitest lint --fix rewrites them "
        "into ZEST's official ones"
    )
    assert old.read_text(encoding="utf-8").count("[*]") == 2  # lint alone writes nothing
    old.write_text(text.replace("[*]", "").replace('file-version="1"', 'file-version="1" x="1"'))
    assert "lint --fix" not in run_cli("lint", str(old)).stdout
