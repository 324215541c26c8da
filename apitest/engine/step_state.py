"""What a chain and each of its steps carry while they run, and a step's result before it runs.

A chain's steps run in order and hand each other what they did: the records a write made or
touched (its read-back checks them), the last body a write sent (an update varies from it),
when the next step may start. A step's own state (the case it fills, the record it addresses,
the values its request took from records, what hooks said, its last exchange) lives in one
`StepRun`, handed from function to function, so nothing is kept engine-wide by case id.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass, field
from typing import Any, Literal

from apitest.engine.http.client import Exchange
from apitest.engine.provenance import Seen
from apitest.engine.records import JsonObject, Record
from apitest.plan.model import Chain, Step
from apitest.results import CaseResult, Pacing, ValueUse
from apitest.zspec.model import Resource

Expect = Literal["success", "error", "gone"]


@dataclass
class Written:
    """What one write step did: what its read-back checks."""

    records: list[Record]
    """The records the write created, updated or deleted."""
    sent: list[JsonObject] = field(default_factory=list)
    """The records its request body held (compared with what is read back)."""
    uses: list[ValueUse] = field(default_factory=list)
    """What the write took from earlier answers (its read-back checks those too)."""
    kept: JsonObject = field(default_factory=dict)
    """For a PATCH: what the run had written of the record, read back since, and this PATCH
    did not send; its read-back checks it is still there (`compare.dropped_members`)."""


@dataclass(frozen=True)
class Unread:
    """A record read back at the end of the run (`cleanup.read_back_unread`): one a delete
    answered 2xx for that no read-back step checked, or the old keys of one an update moved.
    Still there, it fails `case`, the delete's or the update's."""

    entry: int
    """The record's ledger id."""
    record: Record
    ready: float
    """When it may be read (the delete's validation-delay over), in monotonic seconds."""
    case: CaseResult
    after: str = "the run's delete of it"
    """What should have removed it, as the line saying it is still there names it."""


@dataclass
class ChainRun:
    """One chain while it runs."""

    chain: Chain
    last_end: float
    """When the chain's last call ended: a step's delay counts from it."""
    ready_at: float = 0.0
    """When the record the last write made is validation-delay old."""
    writes: dict[str, Written] = field(default_factory=dict)
    """Write step id -> what it did."""
    last_body: dict[str, Any] = field(default_factory=dict)
    """Resource name -> the body its last write sent (any JSON value, form or text)."""
    cases: list[CaseResult] = field(default_factory=list)

    def written(self, step_id: str | None) -> Written | None:
        return self.writes.get(step_id) if step_id is not None else None


@dataclass
class StepRun:
    """One step while it runs: everything its call, verdict and checks share."""

    chain: ChainRun
    step: Step
    case: CaseResult
    resource: Resource
    record: Record | None = None
    """The record the step addresses (or reads back), if any."""
    seen: Seen = field(default_factory=list)
    """Values the request took from records, for a replay's provenance."""
    hook_failures: list[str] = field(default_factory=list)
    """What the call hooks reported: each fails the case."""
    last: Exchange | None = None
    """The step's last call, which the suite's custom checks judge."""

    @property
    def chain_id(self) -> str:
        return self.chain.chain.id


@functools.lru_cache(maxsize=1024)
def _pacing(delay_ms: int, waits: bool, validation_delay_ms: int, expect: Expect) -> Pacing:
    """One Pacing per distinct set of waits, shared by the cases that have it: a 100,000-case
    run holds a handful instead of 100,000 (never changed in place: see the read-back)."""
    return Pacing(delay_ms, waits, validation_delay_ms, expect)


def case_of(chain: Chain, step: Step) -> CaseResult:
    """The result of one planned step of `chain`, before it runs (skipped until it gets a
    verdict). It is tallied under the chain's resource, and an operation validation's verdict
    is credited to the write it checks (issue 18, item 10)."""
    op = step.operation
    under_test = op.name
    if step.validates:
        write = chain.written_by(step)
        under_test = write.operation.name if write is not None else op.name
    expect: Expect = (
        "gone" if step.check == "gone" else "error" if step.expects_error else "success"
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
