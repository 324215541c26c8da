"""One step of a chain, from its wait to its verdict.

A step waits out its delay (and the validation-delay of the record it needs), builds its
request, makes its call through the call hooks and its resource's lock, and judges the answer;
an operation validation reads the written record back, polling with `--eventually` until it
holds (engine/validation.py). What an accepted write did is kept (engine/bookkeeping.py), or
undone at once when the step was a negative case the API should have refused. The step's own
state travels in one `StepRun` (engine/step_state.py); only what the whole run shares is held
here.
"""

from __future__ import annotations

import asyncio
import contextlib
import time
from typing import Any

from apitest.engine.before_create import there_before
from apitest.engine.body_records import extraction_config
from apitest.engine.bookkeeping import Bookkeeper
from apitest.engine.cleanup import refresh
from apitest.engine.created_keys import KeyChoice, keys_it_chooses
from apitest.engine.effects import Outcome, observed_of, server_fault
from apitest.engine.hooks import CallHooks
from apitest.engine.http.client import Caller, Exchange, Request
from apitest.engine.limit import RecordLimits, creates_record
from apitest.engine.null_stuck import null_not_stored
from apitest.engine.provenance import uses_of
from apitest.engine.record_state import lacking, taken_from_record
from apitest.engine.records import DataManager, Record
from apitest.engine.request import Built, NotApplicable, build_request
from apitest.engine.step_state import ChainRun, StepRun, case_of
from apitest.engine.sync import ResourceLocks
from apitest.engine.validation import validate
from apitest.errors import ApitestError
from apitest.plan.data import MISSING, DataGenerator, Lookup, NoRecordError
from apitest.plan.graph import dependency_op
from apitest.plan.model import Step, Violation
from apitest.plan.record_keys import needs_own_record
from apitest.results import CaseResult, ValueUse
from apitest.verify.verdict import Expectation, judge
from apitest.zspec.model import Catalog, Operation, Resource


def _unusable_record(run: StepRun) -> str | None:
    """Why the step cannot go on with the record its chain was handed (None: it can).

    - It is a delete that addresses no record: it could remove the API's own data; or an
      update that addresses none, where the resource has a create, which could change it.
    - It addresses a record and has none.
    - It would write to a record that is not its to write: a cleanup, to one its own chain
      did not create; a delete, to one this run did not create; an update, to one this run
      did not create where the resource has a create (its writes are meant for records the
      run made; a resource with none is tested on the data it comes with).

    Reached when the create that makes the chain's record failed or was skipped: the API's
    own data is never deleted, nor changed where the run could have made its own. The
    planner keeps the same promise where a resource has no create (no delete is planned)."""
    resource, step, record = run.resource, run.step, run.record
    op = step.operation
    if op.category == "delete" and not needs_own_record(resource, op):
        return (
            f"{op.name} addresses no {resource.name} record (no key in its URL or arguments): "
            "it could delete records this run did not create, so it is not sent"
        )
    if (
        op.category == "update" and not needs_own_record(resource, op)
        and dependency_op(resource, "create") is not None
    ):  # fmt: skip
        return (
            f"{op.name} addresses no {resource.name} record (no key in its URL, arguments or "
            "body): it could change records this run did not create (Mockoon's PUT /tasks "
            "replaces them all), so it is not sent"
        )
    if record is None:
        if not needs_own_record(resource, op):
            return None
        return (
            f"needs a {resource.name} record and none is available to this chain "
            "(the step that makes one failed or was skipped)"
        )
    if op.category not in ("update", "delete"):
        return None
    if step.kind == "cleanup" and not (record.created and record.chain == run.chain_id):
        return (
            f"nothing to clean up: the {resource.name} record was never made (the step that "
            "makes it failed or was skipped)"
        )
    if record.created or (op.category == "update" and dependency_op(resource, "create") is None):
        return None
    verb = "delete" if op.category == "delete" else "change"
    return (
        f"it would {verb} a record this run did not create ({record.describe()}); the step "
        f"that makes a {resource.name} record failed or was skipped"
    )


def _vary_from(last_body: Any, record: Record | None) -> Any:
    """What an update must differ from: the last body the chain sent for the resource, over
    what the record holds. A create that sends no body (JupyterHub's `POST /users/{name}`)
    left nothing to differ from: the update sent `admin: false` to a user who held it, and a
    PATCH that stored nothing passed."""
    held = record.data if record is not None else None
    if isinstance(last_body, dict) and held:
        return {**held, **last_body}
    if last_body is MISSING or last_body is None:
        return held if held else MISSING
    return last_body


class StepExecutor:
    """Runs steps for the chains: what every step shares (the caller, the run's records, the
    resource locks and record caps, the seeded generator, the hooks) and nothing of one step."""

    def __init__(
        self,
        catalog: Catalog,
        caller: Caller,
        book: Bookkeeper,
        locks: ResourceLocks,
        hooks: CallHooks | None,
        *,
        strict: bool,
        eventually_s: float,
    ) -> None:
        self.catalog = catalog
        self.caller = caller
        self.book = book
        self.data: DataManager = book.data
        self.limits: RecordLimits = book.limits
        self.generator: DataGenerator = book.generator
        self.locks = locks
        self.hooks = hooks
        self.strict = strict
        self.eventually_s = eventually_s
        self.t0 = 0.0
        """When the run started: each case's start is told from it."""
        self._taken: dict[int, frozenset[str]] = {}
        """id(operation) -> the members of its record it sends in a header or parameter."""
        self._keys_chosen: dict[int, KeyChoice | None] = {}
        """id(create) -> whether it names its record by keys it sends (`there_before`)."""
        self._pinned: dict[str, asyncio.Lock] = {}
        """Per resource: its creates of pinned keys go one at a time."""

    async def run(self, chain: ChainRun, step: Step) -> CaseResult:
        """The step's case, with its verdict; an error of the step costs its case only."""
        case = case_of(chain.chain, step)
        if step.skip_reason:
            case.message = step.skip_reason
            return case
        run = StepRun(chain, step, case, self._resource(step.resource))
        await self._wait(run)
        try:
            outcome = await self._execute(run)
            await self._checks(run, outcome)
        except ApitestError as exc:  # the user's to mend (credentials, say): its own message
            outcome = Outcome("error", str(exc))
        except Exception as exc:  # a bug of ours must cost one case, not the run or its cleanup
            outcome = Outcome("error", f"apitest internal error: {type(exc).__name__}: {exc}")
        case.status = outcome.status  # type: ignore[assignment]
        case.message, case.details = outcome.message, outcome.details
        case.notes = [*outcome.notes, *case.notes]  # after the verdict's, what the calls met
        return case

    async def _checks(self, run: StepRun, outcome: Outcome) -> None:
        """Custom checks of the suite's hooks, and what call hooks reported: any failure fails
        the case (after the spec's own verdict, which it never turns into a pass)."""
        failures = list(run.hook_failures)
        exchange = run.last
        if self.hooks is not None and exchange is not None and exchange.status is not None:
            failures += await self.hooks.check(run.step, run.case, exchange)
        if not failures:
            return
        if outcome.status in ("passed", "skipped") or outcome.message in failures:
            outcome.status = "failed"
            outcome.message = failures[0]
            outcome.details = failures + outcome.details
        else:
            outcome.details = outcome.details + failures

    async def _wait(self, run: StepRun) -> None:
        """Delay counts from the end of the step before; a record is usable once the write
        that made it is validation-delay old (ZSPEC.md section 6)."""
        start_at = run.chain.last_end + run.step.operation.delay / 1000
        if run.step.waits_for_record:
            start_at = max(start_at, run.chain.ready_at)
        pause = start_at - time.monotonic()
        if pause > 0:
            await asyncio.sleep(pause)
            run.case.waited_ms = pause * 1000

    async def _execute(self, run: StepRun) -> Outcome:
        step = run.step
        if step.check != "call":
            return await validate(self, run)
        cap = self.limits.cap(run.resource.name) if creates_record(step) else None
        if cap is None:
            return await self._call_step(run)
        if not await cap.reserve(run.chain_id):  # <info limit>: ZSPEC.md section 6
            return Outcome("skipped", cap.full_message())
        try:
            return await self._call_step(run)
        finally:
            written = run.chain.written(step.id)
            cap.settle(run.chain_id, len(written.records) if written is not None else 0)

    async def _call_step(self, run: StepRun) -> Outcome:
        resource, op, violation = run.resource, run.step.operation, run.step.violation
        if op.category != "create":
            run.record = self.data.pick(resource.name, run.chain_id)
            unusable = _unusable_record(run)
            if unusable is not None:
                return Outcome("skipped", unusable)
        if violation is None or violation.location != "auth":
            missing = await self.caller.auth.missing_scopes(resource, op)
            if missing:
                return Outcome(
                    "skipped",
                    f"the run's token was not granted {', '.join(missing)}, which {op.name} "
                    "needs (use a profile with that scope)",
                )
        lookup = self.data.lookup(run.chain_id, run.seen)
        if run.record is not None and needs_own_record(resource, op):
            run.seen.extend((value, run.record) for value in run.record.keys.values())
        vary = MISSING
        if op.category == "update":  # it must change what the last write sent, or proves nothing
            vary = _vary_from(run.chain.last_body.get(resource.name, MISSING), run.record)
        if run.record is not None:
            await self._refreshed(run)
        try:
            built = self.build(run, lookup, vary_from=vary, violation=violation)
        except (NoRecordError, NotApplicable) as exc:
            return Outcome("skipped", str(exc))
        if violation is not None and violation.location == "call":
            with self._writing(run):
                return await self._twice(run, built.request)
        keys = self._keys_it_chooses(resource, op) if op.category == "create" else None
        if violation is None and keys is not None:
            # pinned: one at a time, so another chain's create of the same keys is filed first
            lock = self._pinned.setdefault(resource.name, asyncio.Lock())
            async with lock if keys == "pinned" else contextlib.nullcontext():
                child = self.generator.child(f"{run.step.id}/before")
                there = await there_before(run, built.request, self.data, self.caller, child, keys)
                if there is not None:
                    return Outcome("error", there)
                return await self._send(run, built)
        if violation is None or op.category not in ("create", "update"):
            return await self._send(run, built)
        # A negative write: apart from every other case until what the API accepted is undone.
        async with self.locks.alone({resource.name, *resource.depends_on}):
            return await self._send(run, built, held=True)

    async def _refreshed(self, run: StepRun) -> None:
        """The record read again first where the call takes from it a value the run does not
        hold or holds stale (engine/record_state): an ETag for If-Match, a revision."""
        record, op = run.record, run.step.operation
        assert record is not None
        if id(op) not in self._taken:
            self._taken[id(op)] = taken_from_record(run.resource, op)
        missing = lacking(record, self._taken[id(op)])
        if not missing:
            return
        child = self.generator.child(f"{run.step.id}/fresh")
        if await refresh(run.resource, record, missing, self.caller, child, run.case.calls):
            run.case.notes.append(
                f"read the {record.describe()} again first: the run held no current "
                f"{', '.join(missing)}, which {op.name} takes from it"
            )

    def _keys_it_chooses(self, resource: Resource, op: Operation) -> KeyChoice | None:
        if id(op) not in self._keys_chosen:
            config = extraction_config(resource, op, None)
            self._keys_chosen[id(op)] = keys_it_chooses(resource, op, config)
        return self._keys_chosen[id(op)]

    def build(
        self,
        run: StepRun,
        lookup: Lookup,
        *,
        vary_from: object = MISSING,
        violation: Violation | None = None,
        reading_back: bool = False,
    ) -> Built:
        """The step's request for the record it addresses (`violation` applied, for a
        negative case; `vary_from`, an update's last body, to send other values;
        `reading_back`, a callback read looking for the written record)."""
        return build_request(
            run.resource,
            run.step.operation,
            self.generator.child(run.step.id),
            lookup,
            keys=run.record.keys if run.record is not None else None,
            address=run.record.address if run.record is not None else None,
            vary_from=vary_from,
            violation=violation,
            reading_back=reading_back,
        )

    def _writing(self, run: StepRun) -> contextlib.AbstractContextManager[None]:
        """Holds a write of the step's resource open from its call until it is booked (see
        engine/in_flight); a read holds nothing."""
        if run.step.operation.category == "read":
            return contextlib.nullcontext()
        return self.book.writes.writing(run.resource.name)

    async def _send(self, run: StepRun, built: Built, *, held: bool = False) -> Outcome:
        """The step's call and its verdict, its write held open until booked."""
        with self._writing(run):
            return await self._send_and_book(run, built, held=held)

    async def _send_and_book(self, run: StepRun, built: Built, *, held: bool) -> Outcome:
        """The step's call and its verdict; what an accepted write did is recorded, or undone
        when the step is a negative case (the API should have refused it)."""
        op, violation = run.step.operation, run.step.violation
        exchange = await self.call(run, built.request, held=held)
        run.chain.last_end = time.monotonic()
        if exchange.status is None:
            return Outcome("error", exchange.error or "no answer")
        fault = server_fault(op, exchange)
        if fault is not None:
            if 200 <= exchange.status < 300 and op.category == "create":
                self.book.keep_for_cleanup(run, exchange)
            return Outcome("error", fault)
        expect: Expectation = "error" if run.step.expects_error else "success"
        verdict = judge(
            op,
            observed_of(exchange),
            expect,
            strict=self.strict,
            records=self.data.records_view(),
            case=violation.kind if violation is not None else None,
        )
        outcome = Outcome(
            "passed" if verdict.passed else "failed",
            verdict.message,
            list(verdict.details),
            list(verdict.notes),
        )
        if built.made_up:
            outcome.notes.append(
                f"made up for want of a record: {', '.join(built.made_up)}; the step that "
                "makes one failed or was skipped, so the call may name a record that does not "
                "exist"
            )
        run.case.error_response = verdict.is_error
        accepted = 200 <= exchange.status < 300 and not verdict.is_error
        if violation is not None and violation.must_be_taken and not verdict.passed:
            said = (
                f"the API refused {built.broken}, which the spec allows (answered "
                f"{exchange.status})"
                if exchange.status >= 300
                else f"sending {built.broken}, which the spec allows"
            )
            outcome.message = f"{said}: {verdict.message}"
        if accepted and violation is not None:
            if not violation.must_be_taken:
                outcome.message = f"the API accepted {built.broken} (answered {exchange.status})"
            elif outcome.status == "passed" and run.record is not None:
                generator = self.generator.child(f"{run.step.id}/null")
                why = await null_not_stored(
                    run.resource, op, violation, exchange, run.record, self.caller, generator,
                    run.case.calls,
                )  # fmt: skip
                if why is not None:
                    outcome.status, outcome.message = "failed", why
            await self.book.undo(run, exchange, verdict, outcome)
        elif accepted:
            self.book.apply(run, exchange, verdict, outcome)
        if run.step.is_write:  # a negative case the API wrongly accepted made nothing anyone uses
            run.chain.ready_at = run.chain.last_end + op.validation_delay / 1000
        return outcome

    async def _twice(self, run: StepRun, request: Request) -> Outcome:
        """Parallel Calls / Sequential Calls: the positive call fired twice, at once or in turn.
        Each answer must be declared and no server error. The pair at once holds the resource
        alone: it overlaps itself (that is the point), never another operation's call (a
        case's delete met Jupyter's listing between the two and was answered 404)."""
        op, case = run.step.operation, run.case
        violation = run.step.violation
        at_once = violation is not None and violation.value == "at once"
        if at_once:
            async with self.locks.of(run.resource.name).hold(exclusive=True):
                case.started_s = time.monotonic() - self.t0
                pair = await asyncio.gather(
                    *(self.caller.call(run.resource, op, request) for _ in "ab")
                )
            exchanges = list(pair)
        else:
            exchanges = [await self.call(run, request) for _ in "ab"]
        run.chain.last_end = time.monotonic()
        case.url, case.http_status = request.url, exchanges[-1].status
        if at_once:  # `call` did not see these: account for both here
            _account_at_once(run, exchanges)
        problems: list[str] = []
        for number, exchange in enumerate(exchanges, 1):
            if exchange.status is None:
                problems.append(f"call {number}: {exchange.error}")
                continue
            verdict = judge(op, observed_of(exchange), "success", records=self.data.records_view())
            if verdict.response is None or exchange.status >= 500:
                problems.append(f"call {number}: {verdict.message or exchange.status}")
            elif 200 <= exchange.status < 300 and not verdict.is_error:
                self.book.apply(run, exchange, verdict, Outcome("passed"))
        if problems:
            return Outcome("failed", "; ".join(problems))
        return Outcome("passed")

    async def call(
        self,
        run: StepRun,
        request: Request,
        also: list[ValueUse] | None = None,
        *,
        held: bool = False,
    ) -> Exchange:
        """One call of a step, through the call hooks and its resource's lock (unless `held`:
        the step holds its resources already). `run.seen` (values the request took from
        records) and `also` (uses of the write a read-back checks) become the record's uses,
        for a replay."""
        op, case = run.step.operation, run.case
        self.caller.resolve(request)  # hooks, like the reports, see the full URL
        if self.hooks is not None:
            refused = await self.hooks.before_call(run.step, case, request)
            if refused:  # the request may be half-changed: it is not sent
                run.hook_failures.extend(refused)
                return Exchange(request, error=refused[0])
        if held:
            case.started_s = time.monotonic() - self.t0
            exchange = await self.caller.call(run.resource, op, request)
        else:
            async with self.locks.of(run.resource.name).hold(exclusive=op.is_sync):
                case.started_s = time.monotonic() - self.t0
                exchange = await self.caller.call(run.resource, op, request)
        if self.hooks is not None:
            run.hook_failures.extend(await self.hooks.after_call(run.step, case, exchange))
        run.last = exchange
        case.url = request.url
        case.http_status = exchange.status
        seen = run.seen
        _keep_call(case, exchange, _merged(uses_of(seen, case.chain), also) if seen or also else [])
        case.duration_ms += exchange.elapsed_ms
        case.throttle_ms += exchange.throttle_ms
        case.attempts += exchange.attempts
        if exchange.notes:
            case.notes.extend(note for note in exchange.notes if note not in case.notes)
        return exchange

    def _resource(self, name: str) -> Resource:
        found = self.catalog.resource(name)
        assert found is not None, name
        return found


def _account_at_once(run: StepRun, exchanges: list[Exchange]) -> None:
    """The two calls fired at once, in the case: both recorded, the longer one's time."""
    case = run.case
    uses = uses_of(run.seen, run.chain_id)
    for exchange in exchanges:
        _keep_call(case, exchange, uses)
    case.duration_ms = max(exchange.elapsed_ms for exchange in exchanges)
    case.attempts = sum(exchange.attempts for exchange in exchanges)
    case.throttle_ms = sum(exchange.throttle_ms for exchange in exchanges)


def _keep_call(case: CaseResult, exchange: Exchange, uses: list[ValueUse]) -> None:
    """The call as the reports show it, in its case, with the values it took from earlier
    answers and its number in the case (a later step's provenance points at it)."""
    if exchange.record is not None:
        exchange.record.uses = uses
        exchange.call_index = len(case.calls)
        case.calls.append(exchange.record)


def _merged(own: list[ValueUse], also: list[ValueUse] | None) -> list[ValueUse]:
    if not also:
        return own
    have = {(type(use.value), use.value) for use in own}
    return own + [use for use in also if (type(use.value), use.value) not in have]
