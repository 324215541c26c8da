"""How long a run must take at least, from the plan alone: the figure `apitest plan` shows.

A run's wall time has three floors, and the estimate is the highest of them, named, so a user
can see why a run is slow before starting it:

- the chains: each chain is a sequence of delays and calls, and the engine runs at most
  CHAINS_IN_FLIGHT of them at once, each worker taking the next chain in plan order when it
  finishes one. Packing the chains' estimates onto that many workers the same way gives the
  longest chain for a usual spec, and rounds of chains for a `--repeat 5000` load run.
- the concurrency limit: calls hold one of `--concurrency` slots while in flight (delays do
  not), so N calls take at least N / concurrency rounds of a call.
- each throttle window (`<throttling threshold duration>`): the engine counts a call's slot
  from its answer, so N calls under L per W wait out floor((N-1) / L) windows. A 5-per-3 s
  throttle over 29 calls costs 15 s whatever the chains' delays say.

A call is charged NOMINAL_CALL_MS throughout (the spec declares delays, not latency), so the
figure is a floor for an API that answers in that time; Retry-After waits, --eventually polls
and auto-sync queues can only add to it. The windows are keyed as the engine keys them, by
`throttle_key`, which the engine imports, so the two cannot drift apart.
"""

from __future__ import annotations

import heapq
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal

from apitest.plan.model import NOMINAL_CALL_MS, Chain, Plan, Step
from apitest.zspec.model import Operation

CHAINS_IN_FLIGHT = 512
"""Chains the engine runs at once (its EngineOptions default): enough to overlap every delay of
a real spec, bounded so a 20,000-chain load run does not hold 20,000 suspended tasks."""

BoundKind = Literal["chains", "concurrency", "throttle"]


@dataclass(frozen=True)
class Bound:
    """One floor under the run's wall time, and why it is there."""

    kind: BoundKind
    ms: int
    reason: str
    """What sets it, as a reader says it after "bound by": "the longest chain, trips.1"."""
    scope: str = ""
    """The throttled operation, for a throttle; the longest chain's id, for the chains."""
    calls: int = 0
    """The calls that fall under it (throttle, concurrency)."""


@dataclass(frozen=True)
class Estimate:
    """Every floor the plan puts under the run: the estimate is the highest."""

    bounds: tuple[Bound, ...]

    @property
    def binding(self) -> Bound:
        """The highest floor; on a tie the chains win (they are the figure users know)."""
        return max(self.bounds, key=lambda bound: bound.ms)

    @property
    def ms(self) -> int:
        return self.binding.ms

    def describe(self) -> str:
        """`16.06 s (bound by the throttle of PUT trips: 5 calls per 3 s, 29 calls)`."""
        return f"{self.ms / 1000:.2f} s (bound by {self.binding.reason})"


def estimate(plan: Plan, concurrency: int, chains_in_flight: int = CHAINS_IN_FLIGHT) -> Estimate:
    """The plan's floors at `concurrency` calls in flight: chains, call slots, throttles."""
    steps = [step for step in plan.steps if not step.skip_reason]
    return Estimate(
        (
            chains_bound(plan.chains, chains_in_flight),
            concurrency_bound(sum(calls_of(step) for step in steps), concurrency),
            *throttle_bounds(steps),
        )
    )


def chains_bound(chains: Sequence[Chain], workers: int) -> Bound:
    """The chains' estimates packed onto `workers`, in plan order, each to the worker that
    frees first: the way the engine's workers take chains from one queue."""
    if not chains:
        return Bound("chains", 0, "no chain")
    durations = [chain.estimate_ms() for chain in chains]
    at = max(range(len(chains)), key=durations.__getitem__)
    longest, makespan = chains[at].id, packed_ms(durations, workers)
    if makespan == durations[at]:
        return Bound("chains", makespan, f"the longest chain, {longest}", longest)
    reason = f"{len(chains):,} chains, {max(1, workers):,} at a time"
    return Bound("chains", makespan, reason, longest)


def packed_ms(durations: Sequence[int], workers: int) -> int:
    """List scheduling: each duration, in order, starts on the worker that is free first."""
    workers = max(1, workers)
    if len(durations) <= workers:
        return max(durations, default=0)
    free = [0] * workers
    for duration in durations:
        heapq.heappush(free, heapq.heappop(free) + duration)
    return max(free)


def concurrency_bound(calls: int, concurrency: int) -> Bound:
    """`calls` through `concurrency` slots: at least ceil(calls / concurrency) call times."""
    slots = max(1, concurrency)
    rounds = -(-calls // slots)
    reason = f"the concurrency limit: {calls:,} calls, {slots:,} at a time"
    return Bound("concurrency", rounds * NOMINAL_CALL_MS, reason, calls=calls)


def throttle_bounds(steps: Sequence[Step]) -> list[Bound]:
    """One floor per throttle window, in the order the plan first calls each operation."""
    calls: Counter[tuple[str, str]] = Counter()
    ops: dict[tuple[str, str], Operation] = {}
    for step in steps:
        key = throttle_key(step.operation)
        if key is not None:
            calls[key] += calls_of(step)
            ops.setdefault(key, step.operation)
    return [throttle_bound(ops[key], count) for key, count in calls.items()]


def throttle_bound(op: Operation, calls: int) -> Bound:
    """N calls under L per W: the (L+1)-th can start only W after the 1st answered, so the run
    waits floor((N-1) / L) windows, each with the call before it, and then makes the last."""
    throttling = op.throttling
    assert throttling is not None
    windows = max(0, calls - 1) // throttling.threshold
    ms = windows * (throttling.duration + NOMINAL_CALL_MS) + NOMINAL_CALL_MS
    reason = (
        f"the throttle of {op.name}: {throttling.threshold:,} calls per "
        f"{throttling.duration / 1000:g} s, {calls:,} calls"
    )
    return Bound("throttle", ms, reason, op.name, calls)


def throttle_key(op: Operation) -> tuple[str, str] | None:
    """The window an operation's calls share (its own: one per operation, as ZSPEC says), or
    None when it declares no usable `<throttling>`."""
    throttling = op.throttling
    if throttling is None or throttling.threshold <= 0 or throttling.duration <= 0:
        return None
    return (str(op.loc), op.name)


def calls_of(step: Step) -> int:
    """Calls a planned step makes: Parallel Calls / Sequential Calls fire the call twice."""
    violation = step.violation
    return 2 if violation is not None and violation.location == "call" else 1
