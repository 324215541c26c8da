"""The run-time estimate's floors: chains packed onto the engine's workers, calls through the
concurrency limit, and the throttle windows (issue 18, item 12).

Plans come from real spec files (the bundled specs, tests/data/zspec/, copies edited in
tmp_path); every expected figure is computed here from the rule, not read back from the code.
"""

from __future__ import annotations

import math
from pathlib import Path

import pytest

from apitest.engine.chains import EngineOptions
from apitest.engine.http.throttle import Throttles
from apitest.plan.estimate import CHAINS_IN_FLIGHT, estimate, packed_ms, throttle_key
from apitest.plan.graph import PlanOptions, build_plan
from apitest.plan.model import NOMINAL_CALL_MS, Plan
from apitest.zspec.loader import load_catalog

from ..support import DATA, SPECS

GADGETS = DATA / "zspec" / "throttling.xml"
GADGETS_THROTTLING = (
    '<throttling name="listing" threshold="2" duration="400" lock-period="1000" type="ip"/>'
)


def plan_of(path: Path, cases: str = "positive", repeat: int = 1) -> Plan:
    return build_plan(load_catalog([path]), PlanOptions(cases=cases, repeat=repeat))


def gadgets_with(tmp_path: Path, throttling: str) -> Path:
    """throttling.xml (one GET operation) with its `<throttling>` replaced."""
    text = GADGETS.read_text(encoding="utf-8")
    assert text.count(GADGETS_THROTTLING) == 1
    path = tmp_path / "gadgets.xml"
    path.write_text(text.replace(GADGETS_THROTTLING, throttling), encoding="utf-8")
    return path


# --- packing chains onto workers -------------------------------------------------------------
def test_equal_chains_take_rounds_of_the_workers() -> None:
    assert packed_ms([70] * 100, 4) == 25 * 70
    assert packed_ms([70] * 101, 4) == 26 * 70


def test_chains_go_in_plan_order_to_the_worker_that_frees_first() -> None:
    # Worker A takes 5, B takes 3; B frees at 3 and takes 3 (ends 6); A frees at 5 and takes 2
    # (ends 7); B frees at 6 and takes the last 2 (ends 8). Longest-first would also give 8
    # here, but plan order is what the engine does: [2, 2, 3, 3, 5] gives 2+3 / 2+3+5 = 10.
    assert packed_ms([5, 3, 3, 2, 2], 2) == 8
    assert packed_ms([2, 2, 3, 3, 5], 2) == 10


def test_fewer_chains_than_workers_take_the_longest() -> None:
    assert packed_ms([5, 9, 1], 4) == 9
    assert packed_ms([], 4) == 0


def test_the_reference_plan_is_bound_by_its_longest_chain() -> None:
    plan = plan_of(SPECS / "trips.xml")
    trips = next(chain for chain in plan.chains if chain.id == "trips.1")
    # three writes with validation-delay 500, each waited out once, plus a nominal call each
    assert trips.estimate_ms() == 3 * 500 + len(trips.steps) * NOMINAL_CALL_MS
    found = estimate(plan, concurrency=16)
    assert found.ms == trips.estimate_ms()
    assert found.binding.kind == "chains" and found.binding.scope == "trips.1"
    seconds = trips.estimate_ms() / 1000
    assert found.describe() == f"{seconds:.2f} s (bound by the longest chain, trips.1)"


def test_more_chains_than_the_engine_runs_at_once_come_in_rounds() -> None:
    plan = plan_of(SPECS / "trips.xml", repeat=2)
    lengths = {chain.id.split(".")[0]: chain.estimate_ms() for chain in plan.chains}
    # plan order: destinations.1, destinations.2, trips.1, trips.2 on two workers: each
    # worker runs one destinations chain, then one trips chain
    found = estimate(plan, concurrency=1000, chains_in_flight=2)
    assert found.ms == lengths["destinations"] + lengths["trips"]
    assert found.binding.reason == "4 chains, 2 at a time"
    assert estimate(plan, concurrency=1000).ms == lengths["trips"]  # 512 workers: all at once


# --- the concurrency limit -------------------------------------------------------------------
def test_a_hundred_one_call_chains_at_concurrency_4_take_25_call_rounds(tmp_path: Path) -> None:
    plan = plan_of(gadgets_with(tmp_path, ""), repeat=100)
    assert len(plan.chains) == len(plan.steps) == 100
    chain_ms = plan.chains[0].estimate_ms()
    found = estimate(plan, concurrency=4)
    assert found.ms == 25 * chain_ms == 25 * NOMINAL_CALL_MS
    assert found.binding.kind == "concurrency"
    assert found.binding.reason == "the concurrency limit: 100 calls, 4 at a time"
    assert estimate(plan, concurrency=3).ms == math.ceil(100 / 3) * NOMINAL_CALL_MS
    assert estimate(plan, concurrency=100).ms == chain_ms  # the chains bind again


# --- throttle windows ------------------------------------------------------------------------
@pytest.mark.parametrize("calls", [1, 2, 3, 4, 5, 7, 40])
def test_n_calls_under_2_per_400_ms_wait_floor_n_minus_1_over_2_windows(calls: int) -> None:
    plan = plan_of(GADGETS, repeat=calls)
    assert len(plan.steps) == calls
    windows = (calls - 1) // 2
    expected = windows * (400 + NOMINAL_CALL_MS) + NOMINAL_CALL_MS
    found = estimate(plan, concurrency=16)
    throttle = next(bound for bound in found.bounds if bound.kind == "throttle")
    assert throttle.ms == expected
    assert (throttle.scope, throttle.calls) == ("GET gadgets", calls)
    assert found.ms == max(expected, plan.chains[0].estimate_ms())
    if not windows:  # a tie with the chain: the chain is named
        assert found.binding.kind == "chains"
    else:
        assert found.binding is throttle
        assert found.describe() == (
            f"{expected / 1000:.2f} s (bound by the throttle of GET gadgets: 2 calls per 0.4 s, "
            f"{calls} calls)"
        )


def test_the_issue_figure_5_per_3_s_over_the_reference_plan(tmp_path: Path) -> None:
    """Issue 18's run: the reference specs with PUT trips throttled at 5 per 3 s took 16 s
    while the estimate said 1.6 s (the longest chain)."""
    trips = (SPECS / "trips.xml").read_text(encoding="utf-8")
    throttled = trips.replace(
        '<throttling threshold="100" duration="60000" lock-period="120000"/>',
        '<throttling threshold="5" duration="3000" lock-period="5000"/>',
    )
    assert throttled != trips
    (tmp_path / "trips.xml").write_text(throttled, encoding="utf-8")
    (tmp_path / "destinations.xml").write_text(
        (SPECS / "destinations.xml").read_text(encoding="utf-8"), encoding="utf-8"
    )
    plan = build_plan(load_catalog([tmp_path]), PlanOptions(cases="all"))
    puts = [s for s in plan.steps if s.operation.name == "PUT trips" and not s.skip_reason]
    longest = max(chain.estimate_ms() for chain in plan.chains)
    found = estimate(plan, concurrency=16)
    assert found.binding.scope == "PUT trips"
    assert found.ms == (len(puts) - 1) // 5 * 3010 + 10 >= 15_000 > 9 * longest


def test_skipped_steps_make_no_call_and_sync_cases_make_two(tmp_path: Path) -> None:
    """argument-auto.xml's GET gadgets is auto-sync (Parallel Calls / Sequential Calls fire it
    twice); with a 1-per-1 s throttle each call is a window."""
    text = (DATA / "zspec" / "argument-auto.xml").read_text(encoding="utf-8")
    marker = '<operation method="get" name="GET gadgets"'
    assert text.count(marker) == 1
    start = text.index(marker)
    end = text.index(">", start) + 1
    path = tmp_path / "auto.xml"
    path.write_text(
        text[:end] + '<throttling threshold="1" duration="1000"/>' + text[end:], encoding="utf-8"
    )
    plan = plan_of(path, cases="all")
    steps = [s for s in plan.steps if s.operation.name == "GET gadgets"]
    live = [s for s in steps if not s.skip_reason]
    twice = [s for s in live if s.violation is not None and s.violation.location == "call"]
    assert twice, [s.case for s in steps]
    calls = len(live) + len(twice)
    throttle = next(b for b in estimate(plan, 16).bounds if b.kind == "throttle")
    assert throttle.calls == calls
    assert throttle.ms == (calls - 1) * (1000 + NOMINAL_CALL_MS) + NOMINAL_CALL_MS


def test_the_estimate_mirrors_the_engine_windows_and_workers() -> None:
    """One window per throttled operation in both, none where the engine throttles nothing;
    the chains packed onto as many workers as the engine starts."""
    catalog = load_catalog([SPECS, GADGETS])
    throttles = Throttles()
    for resource in catalog.resources:
        for op in resource.operations:
            window = throttles.window(op)
            assert (throttle_key(op) is None) == (window is None), op.name
            if window is not None:
                assert throttles.window(op) is window
    assert EngineOptions().chains_in_flight == CHAINS_IN_FLIGHT
