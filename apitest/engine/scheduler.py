"""Run a plan: every chain at once, each chain's steps in order, waits honoured to the ms.

Concurrency comes from running chains as tasks; the only shared limits are the call slots
(`--concurrency`), the per-operation throttles and the per-resource auto-sync locks, all taken
only around the call itself, so one chain's delay or validation-delay never holds up another:
declared delays overlap, and the run takes about as long as its longest chain.
"""

from __future__ import annotations

import asyncio
import functools
import time
from collections import deque
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field, replace
from typing import Any, Literal

from tenacity import AsyncRetrying, retry_if_result, stop_after_delay, wait_exponential_jitter

from apitest.engine.cleanup import sweep
from apitest.engine.effects import (
    Outcome,
    check_gone,
    check_record,
    created_items,
    lookup_with,
    observed_of,
    read_records,
    server_fault,
)
from apitest.engine.events import (
    CaseFinished,
    ChainFinished,
    CleanupFinished,
    Interrupted,
    Listener,
)
from apitest.engine.hooks import CallHooks
from apitest.engine.http.client import Caller, Exchange, Request
from apitest.engine.ledger import Ledger
from apitest.engine.limit import RecordLimits, creates_record
from apitest.engine.provenance import Origin, Seen, uses_of
from apitest.engine.records import DataManager, Record, sent_records
from apitest.engine.request import Built, NotApplicable, build_request, needs_own_record
from apitest.engine.sync import ResourceLocks
from apitest.engine.undo import Undoer
from apitest.errors import ApitestError
from apitest.plan.data import MISSING, DataGenerator, NoRecordError
from apitest.plan.estimate import CHAINS_IN_FLIGHT
from apitest.plan.graph import dependency_op
from apitest.plan.model import Chain, Plan, Step, parallel_groups
from apitest.results import CaseResult, Pacing, RecordCheck, RunResult, ValueUse
from apitest.spec.model import Catalog, Resource
from apitest.verify.verdict import Expectation, Verdict, judge

Expect = Literal["success", "error", "gone"]


KEEP_PASSED_BODIES = 2_000
"""Passed cases whose full calls (headers, bodies) the result keeps; failures always keep
theirs. Beyond it a 100,000-call run would hold every answer in memory until the end."""


@dataclass(frozen=True)
class EngineOptions:
    base_url: str
    seed: int = 0
    eventually_s: float = 0.0
    strict: bool = False
    chains_in_flight: int = CHAINS_IN_FLIGHT
    """Chains started at once (the plan's estimate packs chains onto as many workers)."""


@dataclass
class _ChainState:
    chain: Chain
    last_end: float
    ready_at: float = 0.0
    touched: dict[str, list[Record]] = field(default_factory=dict)
    """Step id -> records the write created, updated or deleted."""
    sent: dict[str, list[dict[str, Any]]] = field(default_factory=dict)
    last_body: dict[str, Any] = field(default_factory=dict)
    uses: dict[str, list[ValueUse]] = field(default_factory=dict)
    """Step id -> what a write took from earlier answers (its read-back checks those too)."""
    cases: list[CaseResult] = field(default_factory=list)


class Engine:
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
        self.locks = ResourceLocks()
        self.limits = RecordLimits.of(catalog.resources)
        self.generator = DataGenerator(options.seed)
        self._entries: dict[int, tuple[int, Record]] = {}  # id(record) -> (ledger id, record)
        self._validated = {step.validates for step in plan.steps if step.validates}
        self._t0 = 0.0
        self.hooks = hooks
        self.undoer = Undoer(catalog, caller, options.base_url, ledger, self.data)
        self.stopping = False
        self._passed_kept = 0
        self._workers: list[asyncio.Future[None]] = []
        self._hook_failures: dict[str, list[str]] = {}
        self._last: dict[str, Exchange] = {}
        if hooks is not None:
            hooks.bind(self.data)

    async def run(self, result: RunResult) -> None:
        self._t0 = time.monotonic()
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
                self._mark_unrun(result)
            await self._sweep(result)
            result.duration_s = time.monotonic() - self._t0

    def interrupt(self) -> None:
        """Stop: no new step starts, calls in flight are cancelled; the sweep still runs.
        Listeners hear of it once, at the moment it is asked for."""
        first = not self.stopping
        self.stopping = True
        for task in self._workers:
            task.cancel()
        if first:
            self.listener.handle(Interrupted())

    def _mark_unrun(self, result: RunResult, why: str = "the run was interrupted") -> None:
        mark_unrun(self.plan, result, why)

    async def _run_chain(self, chain: Chain, result: RunResult) -> None:
        """Steps in order; a run of independent negative cases goes out together (they are
        meant to change nothing), so a resource's dozens of cases cost a few round trips."""
        state = _ChainState(chain, last_end=time.monotonic())
        for group in parallel_groups(chain.steps):
            if len(group) == 1:  # most steps: awaited in this task, not wrapped in one of its own
                cases = [await self._step(state, group[0])]
            else:
                cases = await asyncio.gather(*(self._step(state, step) for step in group))
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

    async def _step(self, state: _ChainState, step: Step) -> CaseResult:
        case = case_of(state.chain, step)
        if step.skip_reason:
            case.message = step.skip_reason
            return case
        resource = self._resource(step.resource)
        await self._wait(state, step, case)
        try:
            outcome = await self._execute(state, step, resource, case)
            await self._checks(step, case, outcome)
        except ApitestError as exc:  # the user's to mend (credentials, say): its own message
            outcome = Outcome("error", str(exc))
        except Exception as exc:  # a bug of ours must cost one case, not the run or its cleanup
            outcome = Outcome("error", f"apitest internal error: {type(exc).__name__}: {exc}")
        case.status = outcome.status  # type: ignore[assignment]
        case.message, case.details, case.notes = outcome.message, outcome.details, outcome.notes
        self._last.pop(case.id, None)
        return case

    async def _checks(self, step: Step, case: CaseResult, outcome: Outcome) -> None:
        """Custom checks of the suite's hooks, and what call hooks reported: any failure fails
        the case (after the spec's own verdict, which it never turns into a pass)."""
        failures = self._hook_failures.pop(case.id, [])
        exchange = self._last.get(case.id)
        if self.hooks is not None and exchange is not None and exchange.status is not None:
            failures += await self.hooks.check(step, case, exchange)
        if not failures:
            return
        if outcome.status in ("passed", "skipped") or outcome.message in failures:
            outcome.status = "failed"
            outcome.message = failures[0]
            outcome.details = failures + outcome.details
        else:
            outcome.details = outcome.details + failures

    async def _wait(self, state: _ChainState, step: Step, case: CaseResult) -> None:
        """Delay counts from the end of the step before; a record is usable once the write
        that made it is validation-delay old (ZSPEC.md section 6)."""
        start_at = state.last_end + step.operation.delay / 1000
        if step.waits_for_record:
            start_at = max(start_at, state.ready_at)
        pause = start_at - time.monotonic()
        if pause > 0:
            await asyncio.sleep(pause)
            case.waited_ms = pause * 1000

    async def _execute(
        self, state: _ChainState, step: Step, resource: Resource, case: CaseResult
    ) -> Outcome:
        if step.check != "call":
            return await self._validate(state, step, resource, case)
        cap = self.limits.cap(resource.name) if creates_record(step) else None
        if cap is None:
            return await self._call_step(state, step, resource, case)
        if not await cap.reserve(state.chain.id):  # <info limit>: ZSPEC.md section 6
            return Outcome("skipped", cap.full_message())
        try:
            return await self._call_step(state, step, resource, case)
        finally:
            cap.settle(state.chain.id, len(state.touched.get(step.id, ())))

    async def _call_step(
        self, state: _ChainState, step: Step, resource: Resource, case: CaseResult
    ) -> Outcome:
        op = step.operation
        chain_id = state.chain.id
        record = None
        if op.category != "create":
            record = self.data.pick(resource.name, chain_id)
            if record is None and needs_own_record(resource, op):
                return Outcome(
                    "skipped",
                    f"needs a {resource.name} record and none is available to this chain "
                    "(the step that makes one failed or was skipped)",
                )
        violation = step.violation
        if violation is None or violation.location != "auth":
            missing = await self.caller.auth.missing_scopes(resource, op)
            if missing:
                return Outcome(
                    "skipped",
                    f"the run's token was not granted {', '.join(missing)}, which {op.name} "
                    "needs (use a profile with that scope)",
                )
        seen: Seen = []
        lookup = self.data.lookup(chain_id, seen)
        if record is not None and needs_own_record(resource, op):
            seen.extend((value, record) for value in record.keys.values())
        vary = state.last_body.get(resource.name, MISSING) if op.category == "update" else MISSING
        try:
            built = build_request(
                resource,
                op,
                self.options.base_url,
                self.generator.child(step.id),
                lookup,
                keys=record.keys if record is not None else None,
                vary_from=vary,
                violation=violation,
            )
        except (NoRecordError, NotApplicable) as exc:
            return Outcome("skipped", str(exc))
        if violation is not None and violation.location == "call":
            return await self._twice(state, step, resource, built.request, case, record, seen)
        if violation is None or op.category not in ("create", "update"):
            return await self._send(state, step, resource, built, case, record, seen)
        # A negative write: apart from every other case until what the API accepted is undone.
        async with self.locks.alone({resource.name, *resource.depends_on}):
            return await self._send(state, step, resource, built, case, record, seen, held=True)

    async def _send(
        self,
        state: _ChainState,
        step: Step,
        resource: Resource,
        built: Built,
        case: CaseResult,
        record: Record | None,
        seen: Seen,
        *,
        held: bool = False,
    ) -> Outcome:
        """The step's call and its verdict; what an accepted write did is recorded, or undone
        when the step is a negative case (the API should have refused it)."""
        op, violation = step.operation, step.violation
        exchange = await self._call(resource, step, built.request, case, seen, held=held)
        state.last_end = time.monotonic()
        if exchange.status is None:
            return Outcome("error", exchange.error or "no answer")
        fault = server_fault(op, exchange)
        if fault is not None:
            if 200 <= exchange.status < 300 and op.category == "create":
                self._keep_for_cleanup(state, step, resource, exchange)
            return Outcome("error", fault)
        expect: Expectation = "success" if violation is None else "error"
        verdict = judge(
            op,
            observed_of(exchange),
            expect,
            strict=self.options.strict,
            records=self.data.records_view(),
            case=violation.kind if violation is not None else None,
        )
        outcome = Outcome(
            "passed" if verdict.passed else "failed",
            verdict.message,
            list(verdict.details),
            list(verdict.notes),
        )
        case.error_response = verdict.is_error
        accepted = 200 <= exchange.status < 300 and not verdict.is_error
        if accepted and violation is not None:
            outcome.message = f"the API accepted {built.broken} (answered {exchange.status})"
            await self._undo(state, step, resource, exchange, verdict, record, case, outcome)
        elif accepted:
            self._apply(state, step, resource, exchange, verdict, record, outcome)
        if step.is_write:  # a negative case the API wrongly accepted made nothing anyone uses
            state.ready_at = state.last_end + op.validation_delay / 1000
        return outcome

    async def _undo(
        self,
        state: _ChainState,
        step: Step,
        resource: Resource,
        exchange: Exchange,
        verdict: Verdict,
        record: Record | None,
        case: CaseResult,
        outcome: Outcome,
    ) -> None:
        """Undo a negative case's accepted write at once (engine/undo.py); the case keeps the
        calls that did it and says what became of the record."""
        op, chain_id = step.operation, state.chain.id
        generator = self.generator.child(f"{step.id}/undo")
        if op.category == "create":
            undone = await self.undoer.created(resource, op, exchange, verdict, chain_id)
        elif op.category == "update" and record is not None:
            undone = await self.undoer.updated(resource, op, record, generator, chain_id)
        elif op.category == "delete" and record is not None:
            self._apply(state, step, resource, exchange, verdict, record, outcome)  # it is gone
            undone = await self.undoer.replaced(resource, generator, chain_id)
            self._made(resource, undone.made, chain_id)
            create = dependency_op(resource, "create")
            if undone.made and create is not None:
                state.ready_at = time.monotonic() + create.validation_delay / 1000
        else:
            return
        case.calls.extend(undone.calls)
        outcome.notes.extend(undone.notes)
        for entry, leftover in undone.leftovers:
            self._entries[id(leftover)] = (entry, leftover)

    async def _twice(
        self,
        state: _ChainState,
        step: Step,
        resource: Resource,
        request: Request,
        case: CaseResult,
        record: Record | None,
        seen: Seen,
    ) -> Outcome:
        """Parallel Calls / Sequential Calls: the positive call fired twice, at once (past the sync
        lock: that is the point) or in turn. Each answer must be declared and no server error."""
        op = step.operation
        at_once = step.violation is not None and step.violation.value == "at once"
        if at_once:
            case.started_s = time.monotonic() - self._t0
            pair = await asyncio.gather(*(self.caller.call(resource, op, request) for _ in "ab"))
            exchanges = list(pair)
        else:
            exchanges = [await self._call(resource, step, request, case, seen) for _ in "ab"]
        state.last_end = time.monotonic()
        case.url, case.http_status = request.url, exchanges[-1].status
        if at_once:  # _call did not see these: account for both here
            uses = uses_of(seen, state.chain.id)
            for exchange in exchanges:
                if exchange.record is not None:
                    exchange.record.uses = uses
                    exchange.call_index = len(case.calls)
                    case.calls.append(exchange.record)
            case.duration_ms = max(exchange.elapsed_ms for exchange in exchanges)
            case.attempts = sum(exchange.attempts for exchange in exchanges)
            case.throttle_ms = sum(exchange.throttle_ms for exchange in exchanges)
        problems: list[str] = []
        for number, exchange in enumerate(exchanges, 1):
            if exchange.status is None:
                problems.append(f"call {number}: {exchange.error}")
                continue
            verdict = judge(op, observed_of(exchange), "success", records=self.data.records_view())
            if verdict.response is None or exchange.status >= 500:
                problems.append(f"call {number}: {verdict.message or exchange.status}")
            elif 200 <= exchange.status < 300 and not verdict.is_error:
                outcome = Outcome("passed")
                self._apply(state, step, resource, exchange, verdict, record, outcome)
        if problems:
            return Outcome("failed", "; ".join(problems))
        return Outcome("passed")

    def _apply(
        self,
        state: _ChainState,
        step: Step,
        resource: Resource,
        exchange: Exchange,
        verdict: Any,
        record: Record | None,
        outcome: Outcome,
    ) -> None:
        """Record what a successful call did to the data."""
        op = step.operation
        chain_id = state.chain.id
        if op.category == "create":
            found, sent = created_items(resource, op, exchange, verdict)
            origins = [
                Origin(step.id, exchange.call_index, exchange.body, item) for *_, item in found
            ]
            made = self._made(
                resource, [(data, keys) for data, keys, _ in found], chain_id, origins
            )
            if not made and outcome.status == "passed":
                outcome.status = "failed"
                outcome.message = (
                    f"{op.name} answered {exchange.status} but no created record was found in the "
                    "answer (check the response's path-config data-extraction-path and primary)"
                )
            state.touched[step.id], state.sent[step.id] = made, sent
            state.last_body[resource.name] = exchange.request.body
            state.uses[step.id] = list(exchange.record.uses) if exchange.record else []
        elif op.category == "read":
            for data, keys in read_records(resource, op, exchange, verdict):
                origin = Origin(step.id, exchange.call_index, exchange.body, data)
                self.data.add(
                    resource.name, data, keys, chain=chain_id, created=False, origin=origin
                )
        elif op.category == "update" and record is not None:
            sent = sent_records(exchange.request.body, resource, op)
            if sent and all(record.data.get(key) == value for key, value in sent[0].items()):
                outcome.notes.append(
                    "the update sent only values the record already held (example-value pins "
                    "them): its check cannot tell an update that did not stick"
                )
            if sent:
                record.data = {**record.data, **sent[0]}
            state.touched[step.id], state.sent[step.id] = [record], sent
            state.last_body[resource.name] = exchange.request.body
            state.uses[step.id] = list(exchange.record.uses) if exchange.record else []
        elif op.category == "delete" and record is not None:
            self.data.remove(record)
            cap = self.limits.cap(resource.name) if record.created else None
            if cap is not None:
                cap.deleted(record.chain)
            state.touched[step.id] = [record]
            if step.id not in self._validated:
                self._confirm_deleted(record)

    def _made(
        self,
        resource: Resource,
        found: list[tuple[dict[str, Any], dict[str, Any]]],
        chain: str,
        origins: list[Origin] | None = None,
    ) -> list[Record]:
        """Records the run created: handed to their chain first, owed a delete (the ledger);
        `origins` says where in which answer each was found (for replays)."""
        made = []
        for index, (data, keys) in enumerate(found):
            origin = origins[index] if origins is not None else None
            rec = self.data.add(resource.name, data, keys, chain=chain, created=True, origin=origin)
            entry = self.ledger.created(resource.name, resource.file, keys, data)
            self._entries[id(rec)] = (entry, rec)
            made.append(rec)
        return made

    def _keep_for_cleanup(
        self, state: _ChainState, step: Step, resource: Resource, exchange: Exchange
    ) -> None:
        """A create whose answer was damaged may still have created: what keys can be read
        from the answer go to the ledger, so the sweep deletes them."""
        if isinstance(exchange.body, dict):
            verdict = judge(step.operation, observed_of(exchange), "success")
            self._apply(state, step, resource, exchange, verdict, None, Outcome("error"))

    def _confirm_deleted(self, record: Record) -> None:
        entry = self._entries.pop(id(record), None)
        if entry is not None:
            self.ledger.deleted(entry[0])

    async def _validate(
        self, state: _ChainState, step: Step, resource: Resource, case: CaseResult
    ) -> Outcome:
        """The callback read after a write; with --eventually, polled until it holds."""
        touched = state.touched.get(step.validates or "")
        if not touched:
            return Outcome("skipped", "nothing to verify: the write made or touched no record")
        record = touched[0]
        sent = (state.sent.get(step.validates or "") or [{}])[0]
        op = step.operation

        async def attempt() -> Outcome:
            seen: Seen = [(value, record) for value in record.keys.values()]
            lookup = lookup_with(record, self.data, state.chain.id, seen)
            built = build_request(
                resource,
                op,
                self.options.base_url,
                self.generator.child(step.id),
                lookup,
                keys=record.keys,
            )
            written = state.uses.get(step.validates or "", [])
            exchange = await self._call(resource, step, built.request, case, seen, written)
            state.last_end = time.monotonic()
            if exchange.status is None:
                return Outcome("error", exchange.error or "no answer")
            fault = server_fault(op, exchange)
            if fault is not None:
                return Outcome("error", fault)
            view = self.data.records_view()
            if step.check == "gone":
                return check_gone(
                    resource, op, exchange, record, strict=self.options.strict, records_view=view
                )
            return check_record(
                resource,
                op,
                exchange,
                record,
                sent,
                strict=self.options.strict,
                records_view=view,
            )

        outcome = await self._poll(attempt, case)
        if case.pacing is not None:
            gone = step.check == "gone"
            values = {} if gone else (outcome.held if outcome.held is not None else sent)
            check = RecordCheck(dict(record.keys), dict(values), gone)
            case.pacing = replace(case.pacing, record_check=check)  # case_of shares them
        if step.check == "gone" and outcome.status == "passed":
            self._confirm_deleted(record)
        elif step.check != "gone" and not state.sent.get(step.validates or ""):
            outcome.notes.append(
                "the record was found, but what the write sent was not compared with it: its "
                "request body shows no record (give the request content a path-config, or the "
                "resource-config a primary-structure that the request structure uses)"
            )
        return outcome

    async def _poll(self, attempt: Callable[[], Awaitable[Outcome]], case: CaseResult) -> Outcome:
        first = await attempt()
        if first.status != "failed" or self.options.eventually_s <= 0:
            return first
        started = time.monotonic()
        last = first
        retrying = AsyncRetrying(
            stop=stop_after_delay(self.options.eventually_s),
            wait=wait_exponential_jitter(multiplier=0.05, max=2.0, jitter=0.05),
            retry=retry_if_result(lambda outcome: outcome.status == "failed"),
            retry_error_callback=lambda state: state.outcome.result() if state.outcome else last,
        )
        outcome: Outcome = await retrying(attempt)
        if outcome.status == "passed":
            case.eventually_ms = (time.monotonic() - started) * 1000
            outcome.notes.append(
                f"eventually consistent: held after {case.eventually_ms:.0f} ms of polling "
                f"(first check: {first.message})"
            )
        return outcome

    async def _call(
        self,
        resource: Resource,
        step: Step,
        request: Any,
        case: CaseResult,
        seen: Seen,
        also: list[ValueUse] | None = None,
        *,
        held: bool = False,
    ) -> Exchange:
        """One call of a step, through the call hooks and its resource's lock (unless `held`:
        the step holds its resources already). `seen` (values the request took from records)
        and `also` (uses of the write a read-back checks) become the record's uses, for a
        replay."""
        op = step.operation
        if self.hooks is not None:
            refused = await self.hooks.before_call(step, case, request)
            if refused:  # the request may be half-changed: it is not sent
                self._hook_failures.setdefault(case.id, []).extend(refused)
                return Exchange(request, error=refused[0])
        if held:
            case.started_s = time.monotonic() - self._t0
            exchange = await self.caller.call(resource, op, request)
        else:
            async with self.locks.of(resource.name).hold(exclusive=op.is_sync):
                case.started_s = time.monotonic() - self._t0
                exchange = await self.caller.call(resource, op, request)
        if self.hooks is not None:
            failed = await self.hooks.after_call(step, case, exchange)
            self._hook_failures.setdefault(case.id, []).extend(failed)
        self._last[case.id] = exchange
        case.url = request.url
        case.http_status = exchange.status
        if exchange.record is not None:
            chain = case.chain
            exchange.record.uses = _merged(uses_of(seen, chain), also) if seen or also else []
            exchange.call_index = len(case.calls)
            case.calls.append(exchange.record)
        case.duration_ms += exchange.elapsed_ms
        case.throttle_ms += exchange.throttle_ms
        case.attempts += exchange.attempts
        return exchange

    def _resource(self, name: str) -> Resource:
        found = self.catalog.resource(name)
        assert found is not None, name
        return found

    async def _sweep(self, result: RunResult) -> None:
        """Delete what the run created and did not see deleted (failures, interruptions)."""
        leftovers = list(self._entries.values())
        if not leftovers:
            return

        def deleted(entry: int) -> None:
            self.ledger.deleted(entry)

        cases, lines = await sweep(
            leftovers, self.catalog, self.caller, self.options.base_url, deleted, self._t0
        )
        self._entries.clear()
        result.cleanup.extend(lines)
        for case in cases:
            result.cleanup_cases.append(case)
            self.listener.handle(CleanupFinished(case))


def _merged(own: list[ValueUse], also: list[ValueUse] | None) -> list[ValueUse]:
    if not also:
        return own
    have = {(type(use.value), use.value) for use in own}
    return own + [use for use in also if (type(use.value), use.value) not in have]


@functools.lru_cache(maxsize=1024)
def _pacing(
    delay_ms: int,
    waits: bool,
    validation_delay_ms: int,
    expect: Literal["success", "error", "gone"],
) -> Pacing:
    """One Pacing per distinct set of waits, shared by the cases that have it: a 100,000-case
    run holds a handful instead of 100,000 (never changed in place: see `_validate`)."""
    return Pacing(delay_ms, waits, validation_delay_ms, expect)


def case_of(chain: Chain, step: Step) -> CaseResult:
    """The result of one planned step of `chain`, before it runs (skipped until it gets a
    verdict). It is tallied under the chain's resource, and an operation validation's verdict
    is credited to the write it checks (issue 18, item 10)."""
    op = step.operation
    under_test = op.name
    if step.validates:
        write = next((s for s in chain.steps if s.id == step.validates), None)
        under_test = write.operation.name if write is not None else op.name
    expect: Expect = (
        "error" if step.violation is not None else "gone" if step.check == "gone" else "success"
    )
    pacing = _pacing(
        op.delay, step.waits_for_record, op.validation_delay if step.is_write else 0, expect
    )
    return CaseResult(
        id=step.id,
        chain=chain.id,
        resource=step.resource,
        operation=op.name,
        case=step.case,
        kind=step.kind,
        method=op.method.upper(),
        file=op.loc.file,
        line=op.loc.line,
        chain_resource=chain.resource,
        under_test=under_test,
        pacing=pacing,
        negative_kind=step.violation.kind if step.violation is not None else None,
    )


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
