"""Whether a null the API took stuck: the record read back after a Null Allowed update.

A Null Allowed case sends `null` where the spec's `nullable-for` allows it, and the API must
take it. Taking it is not all: an update handler that skips what is null (`if body.note:
record.note = body.note`) answers 200 and leaves the old value, so the member can never be
cleared, and the case passed. So before the run restores the record, it reads it back once
(after the update's validation-delay, as the positive update's read-back waits) and fails the
case where the member still shows the value it held before.

Only that is a failure: null, an absent member, or another value passes (an API may show a
cleared member as absent, or put its default in place of a null). A value equal to the
property's `default-value` is not held against the API either: a null mapped to the default
reads the same as one ignored. With no callback read, or a read that finds no record, nothing
is said: the case stands as the call's verdict made it.
"""

from __future__ import annotations

import asyncio
import json
from typing import Any

from apitest.engine.body_records import sent_records
from apitest.engine.cleanup import call_read
from apitest.engine.effects import held_by, observed_of, record_structure
from apitest.engine.http.client import Caller, Exchange
from apitest.engine.records import Record
from apitest.plan.data import DataGenerator, NoRecordError
from apitest.plan.graph import callback_read
from apitest.plan.model import Violation
from apitest.results import HttpRecord
from apitest.verify.compare import same_value
from apitest.verify.verdict import judge
from apitest.zspec.model import Operation, Resource


async def null_not_stored(
    resource: Resource,
    op: Operation,
    violation: Violation,
    exchange: Exchange,
    record: Record,
    caller: Caller,
    generator: DataGenerator,
    calls: list[HttpRecord],
) -> str | None:
    """Why a Null Allowed update the API took fails: its record, read back, still holds the
    value the update sent null for; None when it does not, or nothing can tell. The read's
    call goes to `calls`."""
    if op.category != "update":
        return None
    member = cleared_member(violation, sent_records(exchange.request.body, resource, op))
    if member is None:
        return None
    before = record.data.get(member)
    return await null_kept(resource, op, record, member, before, caller, generator, calls)


def cleared_member(violation: Violation, sent: list[dict[str, Any]]) -> str | None:
    """The record member a Null Allowed case sent as null, where it is one of the record's
    own (a null inside a nested object is not read back)."""
    if violation.kind != "Null Allowed" or not violation.path or not sent:
        return None
    member = violation.path[-1]
    if not isinstance(member, str) or member not in sent[0] or sent[0][member] is not None:
        return None
    return member


async def null_kept(
    resource: Resource,
    op: Operation,
    record: Record,
    member: str,
    before: Any,
    caller: Caller,
    generator: DataGenerator,
    calls: list[HttpRecord],
) -> str | None:
    """Why the case fails when the read-back shows `member` still holding `before`, the
    value it had before the update sent null; None when the null stuck or nothing can tell."""
    structure = record_structure(resource)
    prop = structure.property(member) if structure is not None else None
    if before is None or prop is None or not prop.include_for.applies("response", "read"):
        return None
    if prop.default_value is not None and str(before) == prop.default_value:
        return None
    read = callback_read(resource)
    if read is None:
        return None
    await asyncio.sleep(op.validation_delay / 1000)
    try:
        exchange = await call_read(resource, record, read, caller, generator, calls)
    except NoRecordError:
        return None
    verdict = judge(read, observed_of(exchange), "success")
    held = held_by(resource, read, exchange, record, verdict) if verdict.passed else None
    if held is None or member not in held:
        return None
    shown = held[member]
    if shown is None or not same_value(before, shown, prop.type, prop.format):
        return None
    return (
        f"the API took {member} = null (Null Allowed) but did not store it: {read.name} "
        f"still shows {member} = {json.dumps(shown, default=str)}, the value it held before"
    )
