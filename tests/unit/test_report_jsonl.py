"""The event stream (report/jsonl.py): complete JSON lines as the run goes, so a crash leaves a
readable stream; nothing after the end."""

from __future__ import annotations

import json
from pathlib import Path

from apitest.engine.events import CaseFinished, ChainFinished, Interrupted, RunFinished, RunStarted
from apitest.plan.model import Chain, Plan
from apitest.report.jsonl import JsonlWriter
from apitest.results import RunResult


def test_event_stream_is_readable_line_by_line_while_it_is_written(
    tmp_path: Path, run_result: RunResult
) -> None:
    path = tmp_path / "events.jsonl"
    writer = JsonlWriter(path)
    result = run_result
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
