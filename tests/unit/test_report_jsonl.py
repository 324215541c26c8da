"""The event stream (report/jsonl.py): complete JSON lines as the run goes, so a crash leaves a
readable stream; nothing after the end."""

from __future__ import annotations

import json
from pathlib import Path

from apitest.plan.model import Chain
from apitest.report.jsonl import JsonlWriter
from apitest.report.model import RunResult


def test_event_stream_is_readable_line_by_line_while_it_is_written(
    tmp_path: Path, run_result: RunResult
) -> None:
    path = tmp_path / "events.jsonl"
    writer = JsonlWriter(path)
    result = run_result
    writer.run_started(target="http://h", seed=7)
    writer.case_finished(result.cases[0])
    # before the run ends (a crash here), what was written is already complete JSON lines
    lines = [json.loads(line) for line in path.read_text().splitlines()]
    assert [line["event"] for line in lines] == ["run_started", "case_finished"]
    assert lines[1]["case"]["name"] == "GET trips / positive"
    writer.chain_finished(Chain("trips.1", "trips", (), "record lifecycle"), result.cases)
    writer.run_finished(result)
    events = [json.loads(line)["event"] for line in path.read_text().splitlines()]
    assert events == ["run_started", "case_finished", "chain_finished", "run_finished"]
    writer.case_finished(result.cases[0])  # after the end: ignored, not a crash
    assert len(path.read_text().splitlines()) == 4
