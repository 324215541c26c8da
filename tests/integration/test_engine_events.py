"""What a real run tells its listeners, in what order, against the reference service.

Every output (console, JSONL stream, report files, the pytest plugin) learns of the run only
through these events, so their order and completeness are the contract: the first is
RunStarted, the last RunFinished with the very result run_plan returns, and each case and
chain is heard once, a chain after its cases.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from apitest.demo import DemoServer
from apitest.engine.events import (
    CaseFinished,
    ChainFinished,
    Event,
    Interrupted,
    RunFinished,
    RunStarted,
)
from apitest.engine.runner import RunSettings, run_plan
from apitest.errors import TargetUnreachableError
from apitest.plan.graph import PlanOptions, build_plan
from apitest.zspec.loader import load_catalog

from ..support import SPECS, demo_auth, free_port

CATALOG = load_catalog([SPECS / "trips.xml"])
AUTH = demo_auth()


class Heard(list[Event]):
    """Every event, in the order heard."""

    def handle(self, event: Event) -> None:
        self.append(event)


def test_a_run_is_heard_from_start_to_finish_each_case_and_chain_once(
    server: DemoServer, tmp_path: Path
) -> None:
    plan = build_plan(CATALOG, PlanOptions(seed=3))
    heard = Heard()
    settings = RunSettings(base_url=server.base_url, auth=AUTH, ledger_path=tmp_path / "l.jsonl")
    result = run_plan(CATALOG, plan, settings, heard)

    assert heard[0] == RunStarted(server.base_url, plan)
    assert heard[-1] == RunFinished(result) and heard[-1].result is result
    cases = [event.case for event in heard if isinstance(event, CaseFinished)]
    assert [case.id for case in cases] == [case.id for case in result.cases]
    chains = [event for event in heard if isinstance(event, ChainFinished)]
    assert [event.chain.id for event in chains] == result.chain_order
    for event in chains:  # a chain is heard after each of its cases
        at = heard.index(event)
        assert all(heard.index(CaseFinished(case)) < at for case in event.cases)
    assert not any(isinstance(event, Interrupted) for event in heard)


def test_an_unreachable_target_is_still_heard_to_finish_with_every_case_an_error(
    tmp_path: Path,
) -> None:
    url = f"http://127.0.0.1:{free_port()}/api/v1"
    plan = build_plan(CATALOG, PlanOptions(seed=3))
    heard = Heard()
    settings = RunSettings(base_url=url, auth=AUTH, ledger_path=tmp_path / "l.jsonl")
    with pytest.raises(TargetUnreachableError) as raised:
        run_plan(CATALOG, plan, settings, heard)

    assert heard == [RunStarted(url, plan), RunFinished(raised.value.result, reached=False)]
    finished = heard[-1]
    assert isinstance(finished, RunFinished)
    assert len(finished.result.cases) == len(plan.steps)
    assert all(case.status == "error" for case in finished.result.cases)
