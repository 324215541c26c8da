"""Run a plan: every chain at once, each chain's steps in order, waits honoured to the ms.

Concurrency comes from running chains as tasks; the only shared limits are the call slots
(`--concurrency`), the per-operation throttles and the per-resource auto-sync locks, all taken
only around the call itself, so one chain's delay or validation-delay never holds up another:
declared delays overlap, and the run takes about as long as its longest chain. What one step
does is engine/steps.py's; this module orders the steps, stops on request, tells the listener
and sweeps up at the end.
"""

from __future__ import annotations

import asyncio
import secrets
import time
from collections import deque
from dataclasses import dataclass
from typing import Literal

from apitest.engine.bookkeeping import Bookkeeper
from apitest.engine.cleanup import read_back_unread, sweep
from apitest.engine.events import (
    CaseFinished,
    CaseRevised,
    ChainFinished,
    CleanupFinished,
    Interrupted,
    Listener,
)
from apitest.engine.hooks import CallHooks
from apitest.engine.http.client import Caller
from apitest.engine.ledger import Ledger
from apitest.engine.limit import RecordLimits
from apitest.engine.records import DataManager
from apitest.engine.step_state import ChainRun, case_of
from apitest.engine.steps import StepExecutor
from apitest.engine.sync import ResourceLocks
from apitest.plan.data import DataGenerator
from apitest.plan.estimate import CHAINS_IN_FLIGHT
from apitest.plan.model import Chain, Plan, parallel_groups
from apitest.results import CaseResult, RunResult
from apitest.zspec.model import Catalog

KEEP_PASSED_BODIES = 2_000
"""Passed cases whose full calls (headers, bodies) the result keeps; failures always keep
theirs. Beyond it a 100,000-call run would hold every answer in memory until the end."""


@dataclass(frozen=True)
class EngineOptions:
    seed: int = 0
    eventually_s: float = 0.0
    strict: bool = False
    chains_in_flight: int = CHAINS_IN_FLIGHT
    """Chains started at once (the plan's estimate packs chains onto as many workers)."""


class Engine:
    """Runs a plan's chains and tells `listener` what happened, case by case."""

    def __init__(
        self,
        catalog: Catalog,
        plan: Plan,
        caller: Caller,
        ledger: Ledger,
        options: EngineOptions,
        listener: Listener,
        hooks: CallHooks | None = None,
    ) -> None:
        self.catalog = catalog
        self.plan = plan
        self.caller = caller
        self.ledger = ledger
        self.options = options
        self.listener = listener
        self.data = DataManager.for_catalog(catalog)
        self.limits = RecordLimits.of(catalog.resources)
        validated = {step.validates for step in plan.steps if step.validates}
        generator = DataGenerator(options.seed, run=secrets.token_hex(4))
        self.book = Bookkeeper(
            catalog, caller, ledger, self.data, self.limits, generator, validated
        )
        self.steps = StepExecutor(
            catalog,
            caller,
            self.book,
            ResourceLocks(),
            hooks,
            strict=options.strict,
            eventually_s=options.eventually_s,
        )
        self.stopping = False
        self._passed_kept = 0
        self._workers: list[asyncio.Future[None]] = []
        if hooks is not None:
            hooks.bind(self.data)

    async def run(self, result: RunResult) -> None:
        self.steps.t0 = time.monotonic()
        pending = deque(self.plan.chains)

        async def worker() -> None:
            while pending and not self.stopping:
                await self._run_chain(pending.popleft(), result)

        count = min(len(pending), max(1, self.options.chains_in_flight))
        self._workers = [asyncio.ensure_future(worker()) for _ in range(count)]
        try:
            await asyncio.gather(*self._workers)
        except asyncio.CancelledError:
            if not self.stopping:
                raise  # cancelled from outside: not ours to absorb
        finally:
            if self.stopping:
                result.interrupted = True
                mark_unrun(self.plan, result, "the run was interrupted")
            await self._sweep(result)
            result.duration_s = time.monotonic() - self.steps.t0

    def interrupt(self) -> None:
        """Stop: no new step starts, calls in flight are cancelled; the sweep still runs.
        Listeners hear of it once, at the moment it is asked for."""
        first = not self.stopping
        self.stopping = True
        for task in self._workers:
            task.cancel()
        if first:
            self.listener.handle(Interrupted())

    async def _run_chain(self, chain: Chain, result: RunResult) -> None:
        """Steps in order; a run of independent negative cases goes out together (they are
        meant to change nothing), so a resource's dozens of cases cost a few round trips."""
        state = ChainRun(chain, last_end=time.monotonic())
        for group in parallel_groups(chain.steps):
            if len(group) == 1:  # most steps: awaited in this task, not wrapped in one of its own
                cases = [await self.steps.run(state, group[0])]
            else:
                cases = await asyncio.gather(*(self.steps.run(state, step) for step in group))
            for case in cases:
                state.cases.append(case)
                result.cases.append(case)
                self.listener.handle(CaseFinished(case))
                self._slim(case)
        self.limits.chain_done(chain.id)  # <info limit>: waiters re-check who can free a slot
        self.data.chain_done(chain.id)
        result.chain_order.append(chain.id)
        self.listener.handle(ChainFinished(chain, state.cases))

    def _slim(self, case: CaseResult) -> None:
        """Keep a long run's memory flat: past the first KEEP_PASSED_BODIES passed cases, a
        passed case keeps its calls' request lines and statuses but not their bodies and
        headers (listeners, e.g. the JSONL stream, have already seen them whole)."""
        if case.status != "passed":
            return
        self._passed_kept += 1
        if self._passed_kept <= KEEP_PASSED_BODIES:
            return
        for call in case.calls:
            call.request_headers, call.response_headers = {}, {}
            call.request_body = call.response_body = None
            call.clipped = True
            call.uses = ()  # a replay needs the bodies too: nothing to replay without them

    async def _sweep(self, result: RunResult) -> None:
        """Delete what the run created and did not see deleted (failures, interruptions, and
        deletes answered 2xx that a read now finds did not delete)."""
        kept, noted, revised = await read_back_unread(
            self.book.deleted_unread(),
            self.catalog,
            self.caller,
            self.ledger.deleted,
            self.steps.eventually_s,
        )
        result.cleanup.extend(noted)
        for case in revised:
            self.listener.handle(CaseRevised(case))
        leftovers = self.book.owed() + kept
        self.book.forget_owed()
        if not leftovers:
            return
        cases, lines = await sweep(
            leftovers, self.catalog, self.caller, self.ledger.deleted, self.steps.t0
        )
        result.cleanup.extend(lines)
        for case in cases:
            result.cleanup_cases.append(case)
            self.listener.handle(CleanupFinished(case))


def mark_unrun(
    plan: Plan, result: RunResult, why: str, status: Literal["skipped", "error"] = "skipped"
) -> None:
    """Every planned step that did not finish is reported, so the counts still add up."""
    done = {case.id for case in result.cases}
    for chain in plan.chains:
        for step in chain.steps:
            if step.id not in done:
                case = case_of(chain, step)
                case.status = status
                case.message = f"not run: {why}"
                result.cases.append(case)
