"""An operation validation: the record a write made, read back and held to what was sent.

The step after a write reads its record back through the resource's callback read (every page
of a list), polling with `--eventually` until it holds; a delete's record must be gone, and a
PATCH's must keep what the PATCH did not send. It stands apart from engine/steps.py because it
judges a record, not a call: the executor makes the calls (`StepExecutor.call`), this decides
what the answers say of the record, and what the Data Manager then keeps of it.
"""

from __future__ import annotations

import time
from dataclasses import replace
from typing import TYPE_CHECKING

from apitest.engine.effects import Outcome, lookup_with, server_fault
from apitest.engine.eventually import poll
from apitest.engine.http.client import Exchange
from apitest.engine.paging import held_to_what_the_list_shows, read_through_pages
from apitest.engine.record_checks import GONE_STATUSES, check_gone, check_record
from apitest.engine.records import JsonObject
from apitest.engine.step_state import StepRun
from apitest.plan.cases import request_content
from apitest.plan.data import NoRecordError
from apitest.results import RecordCheck
from apitest.verify.compare import dropped_members, reference_keys

if TYPE_CHECKING:
    from apitest.engine.steps import StepExecutor

_MEND = (
    "its request body shows no record (give the request content a path-config, or the "
    "resource-config a primary-structure that the request structure uses)"
)
UNSENT_NOTE = f"the record was found, but what the write sent was not compared with it: {_MEND}"
KEY_GIVEN_AGAIN = (
    "the read found a record by the deleted one's key, but a record this run created after "
    "it was given that key: the API gives a freed key again, so the delete took"
)
UNVERIFIED_UPDATE = (
    "nothing verified: the record is there, but the update sent nothing it could be held to: "
    f"{_MEND}"
)


async def validate(executor: StepExecutor, run: StepRun) -> Outcome:
    """The callback read after a write; with --eventually, polled until it holds."""
    step, case = run.step, run.case
    written = run.chain.written(step.validates)
    if written is None or not written.records:
        return Outcome("skipped", "nothing to verify: the write made or touched no record")
    record = run.record = written.records[0]
    sent = (written.sent or [{}])[0]
    gone = step.check == "gone"

    async def attempt() -> Outcome:
        run.seen = [(value, record) for value in record.keys.values()]
        lookup = lookup_with(record, executor.data, run.chain_id, run.seen)
        try:
            built = executor.build(run, lookup, reading_back=True)
        except NoRecordError as exc:  # the write's answer gave no key to read it back by
            return Outcome("failed", f"cannot read the record back: {exc}")
        exchange = await executor.call(run, built.request, written.uses)
        outcome = await read_through_pages(
            exchange,
            lambda page: _read_back_verdict(executor, run, page, sent),
            lambda request: executor.call(run, request, written.uses),
        )
        run.chain.last_end = time.monotonic()
        return outcome

    outcome = held_to_what_the_list_shows(
        await poll(attempt, case, executor.eventually_s), record, gone=gone
    )
    if gone and outcome.still_there and await _key_given_again(executor, run):
        outcome = Outcome("passed", notes=[*outcome.notes, KEY_GIVEN_AGAIN])
    if case.pacing is not None:
        values = {} if gone else (outcome.held if outcome.held is not None else sent)
        check = RecordCheck(dict(record.keys), dict(values), gone)
        case.pacing = replace(case.pacing, record_check=check)  # case_of shares them
    if not gone and outcome.status == "passed" and written.kept and outcome.read is not None:
        _hold_to_what_a_patch_kept(outcome, written.kept, outcome.read)
    if gone and (outcome.status == "passed" or outcome.gone):
        executor.book.confirm_deleted(record)
    elif not gone and not written.sent:
        if _held_to_nothing(run, written.kept, outcome):
            outcome.status, outcome.message = "skipped", UNVERIFIED_UPDATE
        else:
            outcome.notes.append(UNSENT_NOTE)
    if outcome.read is not None:  # the latest version, as the Data Manager keeps it: what
        record.took(outcome.read)  # the server moved on (a `_rev`)
        record.shown = frozenset(outcome.read)
    return outcome


async def _key_given_again(executor: StepExecutor, run: StepRun) -> bool:
    """Whether the record found where the deleted one was is one the run created since,
    given the freed key (engine/in_flight): asked once the writes under way are booked."""
    assert run.record is not None
    await executor.book.writes.settled(run.resource.name, executor.caller.read_timeout_s)
    return executor.book.given_again(run.record)


def _read_back_verdict(
    executor: StepExecutor, run: StepRun, exchange: Exchange, sent: JsonObject
) -> Outcome:
    """Whether the record read back is gone (after a delete) or holds what was written."""
    if exchange.status is None:
        return Outcome("error", exchange.error or "no answer")
    op = run.step.operation
    fault = server_fault(op, exchange)
    if fault is not None:  # a 404 is gone however its body is written (Jupyter's text)
        gone = run.step.check == "gone" and exchange.status in GONE_STATUSES
        return Outcome("error", fault, gone=gone)
    assert run.record is not None
    view = executor.data.records_view()
    if run.step.check == "gone":
        return check_gone(
            run.resource, op, exchange, run.record, strict=executor.strict, records_view=view
        )
    return check_record(
        run.resource,
        op,
        exchange,
        run.record,
        sent,
        strict=executor.strict,
        records_view=view,
        references=_references(run),
    )


def _held_to_nothing(run: StepRun, kept: JsonObject, outcome: Outcome) -> bool:
    """An update's read-back that found its record and held it to nothing: what the update
    sent shows no record, and it kept nothing the run had written. Passed, it claimed a check
    it never made (a JSON:API relationship PATCH that stored nothing passed on SAFRS); a
    create's is still a check (the create made a record that can be read), as is a PATCH's
    that held the record to what it did not send."""
    write = run.chain.chain.written_by(run.step)
    updates = write is not None and write.operation.category == "update"
    return updates and not kept and outcome.status == "passed"


def _references(run: StepRun) -> dict[str, str]:
    """What the write this step reads back sent as other records' keys (see
    `compare.reference_keys`)."""
    write = run.chain.chain.written_by(run.step)
    content = request_content(write.operation) if write is not None else None
    return reference_keys(content.structure if content is not None else None)


def _hold_to_what_a_patch_kept(outcome: Outcome, kept: JsonObject, read: JsonObject) -> None:
    """Fail a PATCH's read-back where the record lost what the PATCH did not send."""
    dropped = dropped_members(kept, read)
    if dropped:
        more = f" (and {len(dropped) - 1} more)" if len(dropped) > 1 else ""
        outcome.status = "failed"
        outcome.message = (
            f"the update dropped what it did not send: {dropped[0]}{more} (a PATCH changes only "
            "the members it sends; replacing the record is PUT's way)"
        )
        outcome.details = [*dropped, *outcome.details]
