"""A run that tested nothing is not a pass (issue 18, item 1): exit status 5, and a summary line
that says so, whether no case was selected or every case was skipped. The reports are still
written, so a CI publisher finds a record of the empty run."""

from __future__ import annotations

import json
import re
import shutil
from pathlib import Path

from ..support import SPECS, run_cli

NOTHING_TESTED = 5


def _report(report_dir: Path) -> dict[str, object]:
    data: dict[str, object] = json.loads((report_dir / "report.json").read_text())
    return data


def test_a_suite_whose_filters_select_no_case_exits_5(tmp_path: Path) -> None:
    shutil.copytree(SPECS, tmp_path / "specs")
    suite = tmp_path / "none.toml"
    filters = 'operations = ["POST trips"]\nkinds = ["Unknown Key"]\n'  # a create has none
    suite.write_text(f'name = "none"\nspecs = ["specs/trips.xml"]\n[filters]\n{filters}')
    reports = tmp_path / "reports"
    done = run_cli("run", str(suite), "--report-dir", str(reports), cwd=tmp_path)
    assert done.returncode == NOTHING_TESTED, done.stdout + done.stderr
    assert re.search(r"^0 cases: 0 passed, 0 failed, 0 error, 0 skipped", done.stdout, re.M)
    assert "nothing was tested: no case was selected" in done.stdout
    assert _report(reports)["cases"] == []


def test_a_suite_whose_filter_names_nothing_in_its_specs_exits_2_naming_it(
    tmp_path: Path,
) -> None:
    """It used to select no case and end as above, exit 5, without saying the tag was a typo."""
    shutil.copytree(SPECS, tmp_path / "specs")
    suite = tmp_path / "typo.toml"
    suite.write_text('specs = ["specs/trips.xml"]\n[filters]\ntags = ["Travel Itinery"]\n')
    done = run_cli("run", str(suite), "--report-dir", str(tmp_path / "reports"), cwd=tmp_path)
    assert done.returncode == 2, done.stdout + done.stderr
    assert done.stderr.strip() == (
        f"apitest: {suite}: [filters] tags: Travel Itinery names nothing in the specs loaded "
        "(their tags: Travel Itinerary)"
    )
    assert not (tmp_path / "reports").exists()


def test_a_run_whose_every_case_is_skipped_exits_5(tmp_path: Path) -> None:
    specs = tmp_path / "specs"
    shutil.copytree(SPECS, specs)
    for spec in specs.glob("*.xml"):
        text = spec.read_text()
        spec.write_text(re.sub(r"<operation (?=method=)", '<operation auto-skip="true" ', text))
    reports = tmp_path / "reports"
    done = run_cli(
        "run", "specs/trips.xml", "--cases", "positive", "--report-dir", str(reports), cwd=tmp_path
    )
    assert done.returncode == NOTHING_TESTED, done.stdout + done.stderr
    tests = re.findall(r"^  SKIP  test ", done.stdout, re.M)
    assert tests and f"nothing was tested: all {len(tests)} tests were skipped" in done.stdout
    assert re.search(r"^\d+ cases: \d+ passed, 0 failed, 0 error, \d+ skipped", done.stdout, re.M)
    cases = _report(reports)["cases"]
    assert isinstance(cases, list)
    assert {case["status"] for case in cases if case["kind"] == "test"} == {"skipped"}


def test_the_exit_status_is_documented_in_help() -> None:
    done = run_cli("run", "--help")
    assert re.search(r"^\s+5\s+run: nothing was tested", done.stdout, re.M), done.stdout
