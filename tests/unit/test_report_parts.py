"""Report plumbing: redaction, call capture, the JSON round trip, the event stream."""

from __future__ import annotations

import io
import json
import os
import stat
from pathlib import Path

from rich.text import Text

from apitest.engine.capture import TOKEN_PLACEHOLDER, capture
from apitest.engine.client import Exchange, Request
from apitest.engine.events import (
    CaseFinished,
    ChainFinished,
    Interrupted,
    RunFinished,
    RunStarted,
)
from apitest.plan.model import Chain, Plan
from apitest.redact import MASK, Redactor
from apitest.report.files import write_atomic
from apitest.report.json_report import read_json, write_json
from apitest.report.jsonl import JsonlWriter
from apitest.results import (
    MAX_BODY_CHARS,
    CaseResult,
    HttpRecord,
    OperationInfo,
    RunResult,
)

TOKEN = "1000.abcdef0123456789.fedcba9876543210"


def test_redactor_masks_known_secrets_and_credential_headers() -> None:
    redactor = Redactor(["client-secret-value", "abc"])  # "abc" is too short to mask safely
    assert redactor.text("x client-secret-value y abc") == f"x {MASK} y abc"
    shown = redactor.headers(
        {"Cookie": "session=1", "X-Trace": "client-secret-value", "Accept": "*/*"}
    )
    assert shown == {"Cookie": MASK, "X-Trace": MASK, "Accept": "*/*"}


def test_capture_puts_a_placeholder_where_the_token_went_and_clips_bodies() -> None:
    request = Request("post", "http://127.0.0.1:9/api/items", body={"note": "x" * 20_000})
    exchange = Exchange(request, status=201, elapsed_ms=1.5)
    exchange.sent_headers = {"Authorization": f"Zoho-oauthtoken {TOKEN}"}
    exchange.sent_params = {"access_token": TOKEN, "page": "1"}
    exchange.token = TOKEN
    exchange.headers = {"Set-Cookie": "s=1", "Content-Type": "application/json"}
    exchange.raw_text = json.dumps({"echo": TOKEN})
    redactor = Redactor([TOKEN])
    record = capture(exchange, redactor)
    assert record.request_headers["Authorization"] == f"Zoho-oauthtoken {TOKEN_PLACEHOLDER}"
    assert record.request_headers["Content-Type"] == "application/json"
    assert record.url == f"http://127.0.0.1:9/api/items?access_token={TOKEN_PLACEHOLDER}&page=1"
    assert record.response_headers["Set-Cookie"] == MASK
    assert TOKEN not in json.dumps(record.__dict__)
    assert record.clipped and len(record.request_body or "") == MAX_BODY_CHARS


def _result() -> RunResult:
    call = HttpRecord("GET", "http://h/x", {"A": "b"}, None, 200, {}, '{"ok": true}', 2.5)
    case = CaseResult(
        "trips.1.1", "trips.1", "trips", "GET trips", "positive", "test", "passed",
        method="GET", url="http://h/x", http_status=200, calls=[call], error_response=False,
        chain_resource="trips", under_test="GET trips",
    )  # fmt: skip
    swept = CaseResult(
        "cleanup.1", "cleanup", "trips", "DELETE trips", "leftover record", "cleanup", "failed",
        message="DELETE trips answered 500",
    )  # fmt: skip
    return RunResult(
        "http://h", 7, "2026-01-01T00:00:00+00:00", [case], 1.25, 1.0, ["trips.1"],
        operations=[OperationInfo("trips", "GET trips", "GET", "/x", "read", [200, 401])],
        cleanup=["trips record (trip_id=1) NOT deleted (DELETE trips answered 500)"],
        cleanup_cases=[swept],
    )  # fmt: skip


def test_json_round_trips_into_run_result(tmp_path: Path) -> None:
    original = _result()
    path = tmp_path / "deep" / "report.json"
    write_json(original, path)
    again = read_json(path)
    assert again == original
    assert again.to_dict() == original.to_dict()
    mode = stat.S_IMODE(path.stat().st_mode)
    assert mode == 0o666 & ~_umask()  # shareable, not mkstemp's 0600


def test_the_sweep_is_counted_apart_from_the_cases_even_in_an_older_report() -> None:
    """report.json keeps the sweep's deletes out of `cases` and `counts`, with counts of their
    own; a report written when they were among the cases reads back the same (item 9)."""
    data = _result().to_dict()
    assert data["counts"] == {"passed": 1, "failed": 0, "error": 0, "skipped": 0}
    assert [case["id"] for case in data["cases"]] == ["trips.1.1"]
    assert data["cleanup_counts"] == {"deleted": 0, "not_deleted": 1}
    assert [case["id"] for case in data["cleanup_cases"]] == ["cleanup.1"]
    assert data["passed"] is False  # a record left behind
    older = {key: value for key, value in data.items() if not key.startswith("cleanup_")}
    older["cases"] = data["cases"] + data["cleanup_cases"]
    assert RunResult.from_dict(older) == _result()


def test_write_atomic_leaves_no_temporary_files(tmp_path: Path) -> None:
    target = tmp_path / "r.txt"
    write_atomic(target, "one")
    write_atomic(target, "two")
    assert target.read_text() == "two"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["r.txt"]


def test_event_stream_is_readable_line_by_line_while_it_is_written(tmp_path: Path) -> None:
    path = tmp_path / "events.jsonl"
    writer = JsonlWriter(path)
    result = _result()
    writer.handle(RunStarted("http://h", Plan((), seed=7)))
    writer.handle(CaseFinished(result.cases[0]))
    # before the run ends (a crash here), what was written is already complete JSON lines
    lines = [json.loads(line) for line in path.read_text().splitlines()]
    assert [line["event"] for line in lines] == ["run_started", "case_finished"]
    assert lines[1]["case"]["name"] == "GET trips / positive"
    writer.handle(ChainFinished(Chain("trips.1", "trips", (), "record lifecycle"), result.cases))
    writer.handle(Interrupted())  # the final run_finished says so: no line of its own
    writer.handle(RunFinished(result))
    events = [json.loads(line)["event"] for line in path.read_text().splitlines()]
    assert events == ["run_started", "case_finished", "chain_finished", "run_finished"]
    writer.handle(CaseFinished(result.cases[0]))  # after the end: ignored, not a crash
    assert len(path.read_text().splitlines()) == 4


def _umask() -> int:
    current = os.umask(0)
    os.umask(current)
    return current


def test_a_run_result_reprs_as_a_summary_not_every_case() -> None:
    """asyncio reprs the main task's result on its way out: a 20,000-case repr is megabytes."""
    cases = [
        CaseResult(id=f"r.{n}", chain="r", resource="r", operation="op", case="positive",
                   kind="test", status="passed")
        for n in range(20_000)
    ]  # fmt: skip
    result = RunResult(target="http://127.0.0.1:1/api", seed=7, started_at="now", cases=cases)
    shown = repr(result)
    assert len(shown) < 200
    assert "20000 cases" in shown and "passed=20000" in shown and "seed=7" in shown


def test_piped_console_lines_are_what_rich_would_print_line_by_line() -> None:
    """In a pipe the reporter writes each line's plain text itself (rich costs ~60 us a line):
    byte for byte what printing each line through rich gives, bells and returns stripped."""
    from rich.console import Console

    from apitest.report.console import ConsoleReporter, case_line

    cases = [
        CaseResult(id="r.1.1", chain="r.1", resource="r", operation="GET r", case="positive",
                   kind="test", status="passed", method="GET", url="http://127.0.0.1:1/r",
                   http_status=200, duration_ms=3.2, notes=["a note"]),
        CaseResult(id="r.1.2", chain="r.1", resource="r", operation="PUT r", case="positive",
                   kind="test", status="failed", method="PUT", url="http://127.0.0.1:1/r",
                   http_status=200, message="the API said no\x07\r", waited_ms=12),
    ]  # fmt: skip
    chain = Chain(id="r.1", resource="r", steps=(), purpose="record lifecycle")
    piped = io.StringIO()
    ConsoleReporter(Console(file=piped, soft_wrap=True, highlight=False, color_system=None),
                    verbose=True).handle(ChainFinished(chain, cases))  # fmt: skip
    expected = io.StringIO()
    by_rich = Console(file=expected, soft_wrap=True, highlight=False, color_system=None)
    header = Text("r.1", style="bold")
    header.append("  record lifecycle", style="dim")
    by_rich.print(header)
    by_rich.print(case_line(cases[0]))
    by_rich.print(Text("        note: a note", style="dim"))
    by_rich.print(case_line(cases[1]))
    assert piped.getvalue() == expected.getvalue()
    assert "\x07" not in piped.getvalue() and "PASS  test" in piped.getvalue()
