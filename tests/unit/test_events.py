"""The run's events: one Listener protocol, a fan-out, a null listener, and what emits them.

The engine knows nothing of who listens; every output subscribes through `handle`. What a real
run emits, in what order, is checked against the reference service in
tests/integration/test_engine_events.py.
"""

from __future__ import annotations

from pathlib import Path
from typing import cast

from apitest.engine.chains import Engine, EngineOptions
from apitest.engine.events import (
    CaseFinished,
    Event,
    FanOut,
    Interrupted,
    NullListener,
    RunFinished,
    RunStarted,
)
from apitest.engine.http.client import Caller
from apitest.engine.ledger import Ledger
from apitest.plan.graph import PlanOptions, build_plan
from apitest.plan.model import Plan
from apitest.report.writers import ReportFiles
from apitest.results import CaseResult, RunResult
from apitest.zspec.model import Catalog


class Recorder:
    def __init__(self, name: str = "", heard: list[tuple[str, Event]] | None = None) -> None:
        self.name = name
        self.heard = heard if heard is not None else []

    def handle(self, event: Event) -> None:
        self.heard.append((self.name, event))


def a_case() -> CaseResult:
    return CaseResult(id="r.1.1", chain="r.1", resource="r", operation="GET r", case="positive",
                      kind="test", status="passed")  # fmt: skip


def test_a_fan_out_hands_every_event_to_each_listener_in_the_order_given() -> None:
    heard: list[tuple[str, Event]] = []
    fan = FanOut([Recorder("console", heard), NullListener(), Recorder("stream", heard)])
    started, finished = RunStarted("http://h", Plan((), seed=1)), CaseFinished(a_case())
    fan.handle(started)
    fan.handle(finished)
    assert heard == [
        ("console", started),
        ("stream", started),
        ("console", finished),
        ("stream", finished),
    ]


def test_the_engine_says_it_was_interrupted_once_however_often_it_is_told(
    tmp_path: Path, catalog: Catalog
) -> None:
    plan = build_plan(catalog, PlanOptions(seed=1))
    recorder = Recorder()
    caller = cast(Caller, None)  # nothing is called: the engine is told to stop before it runs
    ledger = Ledger(tmp_path / "ledger.jsonl", "http://h")
    engine = Engine(catalog, plan, caller, ledger, EngineOptions(), recorder)
    engine.interrupt()
    engine.interrupt()  # a second Ctrl-C exits the CLI at once; a caller may still repeat it
    assert recorder.heard == [("", Interrupted())]
    assert engine.stopping


def test_the_report_files_are_written_when_the_run_finishes_and_only_then(tmp_path: Path) -> None:
    files = ReportFiles(tmp_path / "r.html", tmp_path / "j.xml", tmp_path / "r.json")
    result = RunResult(target="http://h", seed=1, started_at="2026-01-01T00:00:00+00:00")
    result.cases.append(a_case())
    files.handle(RunStarted("http://h", Plan((), seed=1)))
    files.handle(CaseFinished(result.cases[0]))
    assert files.written == [] and not any(tmp_path.iterdir())
    files.handle(RunFinished(result, reached=False))  # an unreachable target: still reported
    assert files.written == [
        ("HTML report", tmp_path / "r.html"),
        ("JUnit XML", tmp_path / "j.xml"),
        ("JSON result", tmp_path / "r.json"),
    ]
    assert all(path.stat().st_size > 0 for _, path in files.written)
