"""The Caller holds the run's base URL: requests are built as paths below it (engine/request.py,
cleanup, undo, read-backs), and every URL a run reports is still the full one, as replay
scripts and the HTML and JUnit reports show it."""

from __future__ import annotations

from pathlib import Path

from apitest.engine.events import NullListener
from apitest.engine.runner import RunSettings, run_plan
from apitest.plan.graph import PlanOptions, build_plan
from apitest.zspec.loader import load_catalog

from ..support import demo_auth, undelayed_specs
from .conftest import MakeServer


def test_every_call_of_a_run_reports_its_full_url_below_the_base_url(
    make_server: MakeServer, tmp_path: Path
) -> None:
    """A service that accepts invalid writes makes the run undo them at once (deletes, restoring
    updates, replacing creates), so every kind of call the engine makes is among these. The
    specs lose their validation-delays: the service shows each write at once, and each undo
    waited 500 ms."""
    server = make_server(bugs=["accepts-invalid"])
    catalog = load_catalog([undelayed_specs(tmp_path) / "trips.xml"])
    plan = build_plan(catalog, PlanOptions(seed=4))
    settings = RunSettings(
        base_url=server.base_url + "/",  # the slash a user may type is not doubled
        auth=demo_auth(),
        ledger_path=tmp_path / "ledger.jsonl",
    )
    result = run_plan(catalog, plan, settings, NullListener())

    cases = result.cases + result.cleanup_cases
    calls = [call for case in cases for call in case.calls]
    undone = [case for case in result.cases if any("at once" in note for note in case.notes)]
    assert undone and len(calls) > len(result.cases)  # undo calls are among them
    base = server.base_url + "/"
    assert all(call.url.startswith(base) for call in calls), calls[0].url
    assert not [call.url for call in calls if "//" in call.url.removeprefix("http://")]
    called = [case for case in cases if case.calls]
    assert all(case.url.startswith(base) for case in called)
    own = [case for case in called if case.kind != "test"]  # negative cases add undo calls
    assert all(case.calls[0].url.split("?")[0] == case.url for case in own)
