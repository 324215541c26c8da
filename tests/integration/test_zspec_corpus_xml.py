"""XML bodies (tests/data/zspec/xml-bodies.xml) against an API that speaks XML as ZEST's
xml-format page lays it out (_xml_app.py): a correct API passes, each planted defect fails the
cases that give it away, and the run leaves nothing behind. Before XML was read, every answer
failed as "not JSON" and every body went out as JSON under an XML Content-Type."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from ..support import DATA, assert_caught, run_cli
from ._xml_app import make_app
from ._zest_app import run_spec

SPEC = DATA / "zspec" / "xml-bodies.xml"
TEXT_TYPE_SKIP = "in an XML body every value is text"


def run(tmp_path: Path, *defects: str) -> tuple[int, list[dict[str, Any]], dict[str, Any]]:
    """Exit status, the report's cases, and the trips the API holds after the run."""
    app = make_app(defects=defects)
    done, report = run_spec(app, SPEC, tmp_path, "--seed", "3")
    assert done.returncode in (0, 1), done.stdout + done.stderr
    return done.returncode, report["cases"], dict(app.state.trips)


def test_the_spec_lints_clean() -> None:
    done = run_cli("lint", "--strict", str(SPEC))
    assert done.returncode == 0, done.stdout + done.stderr


def test_a_correct_xml_api_passes_and_is_left_as_found(tmp_path: Path) -> None:
    status, cases, left = run(tmp_path)
    wrong = {c["id"]: c["message"] for c in cases if c["status"] in ("failed", "error")}
    assert status == 0 and not wrong, wrong
    assert left == {}
    create = next(c for c in cases if c["case"] == "positive" and c["method"] == "POST")
    sent = create["calls"][-1]["request_body"]
    assert sent.startswith("<?xml") and "<root><trips><trip_name>" in sent, sent
    assert create["calls"][-1]["request_headers"]["Content-Type"] == "application/xml"
    skipped = [c for c in cases if c["status"] == "skipped"]
    assert skipped and all(c["case"].startswith("Invalid Type") for c in skipped)
    assert all(TEXT_TYPE_SKIP in c["message"] for c in skipped)
    typed = [c for c in cases if c["case"] == "Invalid Type trips[0].no_of_days"]
    assert typed and all(c["status"] == "passed" for c in typed)  # "apitest-…" is no number


def test_a_unique_name_is_sent_once_so_the_api_never_refuses_a_create(tmp_path: Path) -> None:
    """trip_name is unique-for creates and updates, and the API answers a second trip of one
    name 409: the spec's example-value alone went into every create, and the second (the
    record for the negative cases) failed a correct API."""
    status, cases, _ = run(tmp_path)
    assert status == 0
    names = [
        c["calls"][-1]["request_body"].split("<trip_name>")[1].split("</trip_name>")[0]
        for c in cases
        if c["method"] == "POST" and c["http_status"] == 201
    ]
    assert len(names) == 2 and len(set(names)) == 2, names
    assert all(name.startswith("Spring Break - John Doe ") for name in names), names


@pytest.mark.parametrize(
    ("defect", "case", "said"),
    [
        ("wrong-type", "verify POST trips", "$.trips[0].no_of_days: expected integer, got '"),
        ("accepts-invalid", "Mandatory Property trips[0].trip_name", "the API accepted"),
        ("lost-update", "verify PUT trip", "the write did not stick: $.trip_name: sent "),
        ("json-answers", "verify POST trips", "content type application/json is not declared"),
    ],
)
def test_each_defect_fails_the_cases_that_give_it_away(
    tmp_path: Path, defect: str, case: str, said: str
) -> None:
    status, cases, left = run(tmp_path, defect)
    assert status == 1
    assert_caught(cases, case, said)
    assert left == {}
