"""Against json-server (npm), an API that validates nothing: what a negative case makes it accept
is undone at once, so the positive cases see an API left as the negative cases found it
(issue 18, item 4 and its "Done when": `--cases all` passes every positive case exactly as
`--cases positive` does, and the data is back where it started)."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from ..support import DATA, run_cli
from ._thirdparty import Started, json_server_over

SPECS = DATA / "thirdparty" / "json-server"
SEED_DATA = {
    "posts": [{"id": 1, "title": "hello", "views": 10}],
    "comments": [{"id": 1, "body": "hi", "postId": 1}],
}


@pytest.fixture
def json_server(tmp_path: Path) -> Iterator[Started]:
    with json_server_over(tmp_path / "api", SEED_DATA) as up:
        yield up


def _run(server: Started, folder: Path, cases: str) -> tuple[int, dict[str, Any]]:
    report = folder / "report.json"
    done = run_cli(
        "run", str(SPECS / "posts.xml"), str(SPECS / "comments.xml"),  # not blog/ beneath
        "--base-url", server.url, "--cases", cases, "--seed", "3",
        "--report-dir", str(folder), "--json", str(report), "-q",
    )  # fmt: skip
    assert "Traceback" not in done.stdout + done.stderr, done.stderr
    result: dict[str, Any] = json.loads(report.read_text(encoding="utf-8"))
    return done.returncode, result


def _positives(result: dict[str, Any]) -> dict[str, str]:
    """Status of each positive case and operation validation, by its name."""
    return {
        f"{case['operation']} / {case['case']}": case["status"]
        for case in result["cases"]
        if case["kind"] == "operation validation" or case["case"] == "positive"
    }


def _data(server: Started) -> dict[str, Any]:
    return {name: server.get(f"/{name}").json() for name in ("posts", "comments")}


def test_negative_records_it_accepts_are_undone_before_any_positive_case_meets_them(
    tmp_path: Path, json_server: Started
) -> None:
    code, everything = _run(json_server, tmp_path / "all", "all")
    assert _data(json_server) == SEED_DATA  # back where it started
    assert not [case for case in everything["cases"] if case["status"] == "error"]
    negatives = [c for c in everything["cases"] if c["kind"] == "test" and c["case"] != "positive"]
    bodies = [case for case in negatives if case["method"] in ("POST", "PUT")]
    bodies = [case for case in bodies if "InvalidValueInURLPath" not in case["case"]]
    assert bodies and all(case["status"] == "failed" for case in bodies)  # it validates nothing
    assert code == 1
    null_post = next(
        c
        for c in negatives
        if c["operation"] == "POST comments" and c["case"] == "Null Value postId"
    )
    assert "removed at once" in " ".join(null_post["notes"]), null_post
    restored = next(
        c for c in negatives if c["operation"] == "PUT post" and c["case"] == "Null Value views"
    )
    assert "restored at once" in " ".join(restored["notes"]), restored

    code, positive_only = _run(json_server, tmp_path / "positive", "positive")
    assert code == 0
    assert _data(json_server) == SEED_DATA
    expected = _positives(positive_only)
    assert expected and set(expected.values()) == {"passed"}
    assert _positives(everything) == expected  # not one positive case the worse for the negatives
    assert everything["cleanup"] == []  # nothing was left for the end-of-run sweep
