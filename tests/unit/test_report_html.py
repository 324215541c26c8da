"""The HTML report's pure parts: the embedded data, coverage, no network loads.
(What the page does with them is tested in real Chromium: tests/browser; the replay scripts
it shows in tests/unit/test_report_repro.py.)"""

from __future__ import annotations

import json
import re
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

from apitest.case_kinds import NEGATIVE_KINDS as PLANNER_KINDS
from apitest.report.html import (
    NEGATIVE_KINDS,
    PAGE_SIZE,
    case_kind,
    coverage,
    render_html,
    report_data,
    write_html,
)
from apitest.results import CaseResult, HttpRecord, OperationInfo, RunResult, ShardInfo, Status

TOKEN = "${APITEST_ACCESS_TOKEN}"
DATA_OPEN = '<script type="application/json" id="data">'


def call(method: str = "GET", url: str = "http://h/api/x", body: str | None = None) -> HttpRecord:
    headers = {"Authorization": f"Zoho-oauthtoken {TOKEN}"}
    return HttpRecord(method, url, headers, body, 200, {"content-type": "application/json"}, "{}")


def case(
    id: str,
    case: str = "positive",
    status: Status = "passed",
    operation: str = "GET x",
    kind: str = "test",
    calls: list[HttpRecord] | None = None,
    **fields: Any,
) -> CaseResult:
    chain = fields.pop("chain", id.rsplit(".", 1)[0])
    made = [call()] if calls is None else calls
    return CaseResult(
        id, chain, "x", operation, case, kind, status, calls=made, http_status=200, **fields
    )


def run(*cases: CaseResult, operations: list[OperationInfo] | None = None) -> RunResult:
    return RunResult("http://h/api", 3, "now", list(cases), operations=operations or [])


def embedded(html: str) -> dict[str, Any]:
    """The data block as the HTML parser sees it: up to the first `</script>` after it."""
    start = html.index(DATA_OPEN) + len(DATA_OPEN)
    data: dict[str, Any] = json.loads(html[start : html.index("</script>", start)])
    return data


def test_a_body_holding_script_end_tags_cannot_leave_the_data_block() -> None:
    hostile = '{"x": "</script><script>alert(1)</script><!--<script>"}'
    html = render_html(run(case("x.1", calls=[call(body=hostile)], message="</SCRIPT> too")))
    data = embedded(html)  # parses whole: the block was not cut short
    assert hostile in data["strings"] and "</SCRIPT> too" in data["strings"]
    block = html[html.index(DATA_OPEN) : html.index("</script>", html.index(DATA_OPEN))]
    assert "<" not in block[len(DATA_OPEN) :]


class _Loads(HTMLParser):
    """Every attribute that could make a browser load something."""

    def __init__(self) -> None:
        super().__init__()
        self.found: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        for name, value in attrs:
            if name in ("src", "href", "srcset", "action", "poster", "data") and value:
                self.found.append(f"<{tag} {name}={value}>")
        if tag == "link":
            self.found.append(f"<link {attrs}>")


def test_the_report_loads_nothing_from_anywhere() -> None:
    html = render_html(run(case("x.1", calls=[call(url="https://api.example.test/v1/x")])))
    assert "https://api.example.test/v1/x" in html  # the target as text is fine
    parser = _Loads()
    parser.feed(html)
    assert parser.found == []
    assert not re.search(r"(src|href)\s*=\s*[\"']?(https?:)?//", html, re.IGNORECASE)
    assert not re.search(r"@import|\burl\(|\bfetch\(|XMLHttpRequest|WebSocket|sendBeacon", html)
    assert "default-src 'none'" in html  # and the browser is told to refuse any load


def written_before_kinds(made: CaseResult) -> CaseResult:
    """`made` as read back from a report.json written before cases carried `negative_kind`."""
    data = made.to_dict()
    del data["negative_kind"]
    return CaseResult.from_dict(data)


def test_a_case_counts_under_the_kind_it_carries() -> None:
    carried = case("c.1", "Invalid Value x (above range)", negative_kind="Invalid Value")
    assert case_kind(carried) == "Invalid Value"
    assert case_kind(case("c.1", "Missing Token")) == "positive"  # the name is not parsed


def test_case_kinds_are_the_planner_kinds() -> None:
    """Cases of a report.json written before they carried their kind get it from their name."""
    assert NEGATIVE_KINDS == PLANNER_KINDS
    kinds = {
        "positive": "positive",
        "Mandatory Property trips[0].x": "Mandatory Property",
        "Mandatory Header X-Request-Id": "Mandatory Header",
        "Invalid Value trips[0].n (above range)": "Invalid Value",
        "Missing Token": "Missing Token",
        "Non Concurrent limit (with offset)": "Non Concurrent",
        "Sequential Calls": "Sequential Calls",
        "Brand New Kind target.x": "Brand New Kind",
    }
    for text, kind in kinds.items():
        assert case_kind(written_before_kinds(case("c.1", text))) == kind, text
    validation = written_before_kinds(case("c.1", "verify PUT x", kind="operation validation"))
    assert case_kind(validation) == "operation validation"
    assert validation.negative_kind is None


def test_coverage_counts_cells_statuses_conditions_and_gaps() -> None:
    ops = [
        OperationInfo("x", "GET x", "GET", "/x", "read", [200, 401, 404], "$.status == 'error'"),
        OperationInfo("x", "DELETE x", "DELETE", "/x", "delete", [200]),
    ]
    refused = call()
    refused.status = 401
    result = run(
        case("c.1"),
        case(
            "c.2",
            "Missing Token",
            "failed",
            calls=[refused],
            error_response=True,
            negative_kind="Missing Token",
        ),
        case("c.3", "Missing Token", "passed", error_response=True, negative_kind="Missing Token"),
        case("c.4", "positive", operation="PATCH x", calls=[]),
        operations=ops,
    )
    result.cases[0].http_status = 500
    table = coverage(result)
    assert table["kinds"] == ["positive", "Missing Token"]
    get, delete, patch = table["ops"]
    assert get["cells"] == {"positive": [1, 1], "Missing Token": [1, 2]}
    assert get["statuses"] == [[200, True, True], [401, True, True], [404, False, True],
                               [500, True, False]]  # fmt: skip
    assert get["errorExercised"] and get["called"]
    assert not delete["called"] and delete["cases"] == 0
    assert patch["name"] == "PATCH x" and not patch["declared"]


def test_coverage_credits_a_validation_to_the_write_it_checks() -> None:
    """A lost update: the PUT answered 200, the GET that reads the record back finds the old
    values. The failure is the PUT's, on its row; the GET's row keeps the status its call got
    (issue 18, item 10)."""
    ops = [
        OperationInfo("x", "PUT x", "PUT", "/x", "update", [200]),
        OperationInfo("x", "GET one", "GET", "/x/{id}", "read", [200, 404]),
    ]
    result = run(
        case("c.1", operation="PUT x", under_test="PUT x"),
        case("c.2", "verify PUT x", "failed", operation="GET one", kind="operation validation",
             under_test="PUT x"),
        case("c.3", "positive", operation="GET one", under_test="GET one"),
        operations=ops,
    )  # fmt: skip
    put, get = coverage(result)["ops"]
    assert put["cells"] == {"positive": [1, 1], "operation validation": [0, 1]}
    assert get["cells"] == {"positive": [1, 1]}
    assert get["statuses"] == [[200, True, True], [404, False, True]] and get["called"]
    assert (put["cases"], get["cases"]) == (2, 1)


def test_the_page_tallies_by_chain_resource_and_counts_the_sweep_apart() -> None:
    prepare = case("t.1", "record for t", kind="data preparation", chain_resource="t")
    result = run(prepare, case("t.2", chain_resource="t", status="failed"), case("x.1"))
    result.cleanup_cases = [case("cleanup.1", "leftover record", kind="cleanup", chain="cleanup")]
    data = report_data(result)["run"]
    assert data["byResource"] == {
        "t": {"passed": 1, "failed": 1, "error": 0, "skipped": 0},
        "x": {"passed": 1, "failed": 0, "error": 0, "skipped": 0},
    }
    assert data["total"] == 3 and sum(data["counts"].values()) == 3
    assert data["cleanupCounts"] == {"deleted": 1, "not_deleted": 0}


def test_every_case_is_in_the_data_for_paging_in_the_page() -> None:
    cases = [case(f"c.{n}", status="failed" if n % 7 == 0 else "passed") for n in range(250)]
    html = render_html(run(*cases))
    data = embedded(html)
    assert data["pageSize"] == PAGE_SIZE == 100
    assert f'data-page-size="{PAGE_SIZE}"' in html
    assert len(data["cases"]) == 250
    assert data["run"]["counts"] == {"passed": 214, "failed": 36, "error": 0, "skipped": 0}


def test_an_empty_run_renders(tmp_path: Path) -> None:
    empty = RunResult("http://h/api", 1, "now")
    path = tmp_path / "out" / "report.html"
    write_html(empty, path)
    html = path.read_text(encoding="utf-8")
    assert html.startswith("<!doctype html>") and html.rstrip().endswith("</html>")
    data = embedded(html)
    assert data["cases"] == [] and data["run"]["passRate"] is None
    assert data == report_data(empty) | {"strings": data["strings"]}
    assert list(tmp_path.joinpath("out").iterdir()) == [path]  # no temporary file left


def test_text_from_the_run_is_escaped_in_the_markup() -> None:
    html = render_html(RunResult('http://h/"><img src=x onerror=alert(1)>', 1, "<b>now</b>"))
    assert "<img src=x" not in html and "<b>now</b>" not in html


def test_a_merged_run_carries_its_shards_for_a_timeline_each() -> None:
    merged = run(case("x.1.1", shard=1), case("x.2.1", shard=2))
    merged.shards = [ShardInfo(1, 3, 2, 3, "d", started_at="t0", duration_s=1.25)]
    html = render_html(merged)
    data = embedded(html)
    assert data["run"]["shards"] == [{"index": 1, "total": 3, "startedAt": "t0", "durationS": 1.25}]
    assert data["run"]["missingShards"] == [2, 3]
    assert [row[27] for row in data["cases"]] == [1, 2]  # report.js decodeCase: `shard`
    line = "merged from 1 of 3 shards (PARTIAL: 2/3, 3/3 missing): shard 1/3 started t0, 1.25 s"
    assert f'<p class="muted shards-line" id="shards-line">{line}</p>' in html
    assert 'id="shards-line"' not in render_html(run(case("x.1.1")))
