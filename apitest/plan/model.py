"""What a run will do, before any socket opens: chains of steps, and what each step checks.

A `Plan` is the contract between the planner and the engine: the engine adds nothing to it and
drops nothing from it, so `apitest plan` shows exactly what `apitest run` will fire. Steps name
their operation, so a report can always say which spec line a case came from. Steps and
Violations are treated as immutable but not declared frozen: a 10,000-operation catalog plans
about 200,000 of each, and a frozen dataclass costs five times as much to build. They have
slots, not a dict each: that plan's peak memory fell from 296 to 280 MB.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from apitest.case_kinds import TAKEN, NegativeKind, StepKind
from apitest.zspec.model import Argument, Operation, Property

__all__ = [
    "NOMINAL_CALL_MS", "Chain", "Check", "Plan", "ResourcePlan", "Step", "StepKind", "Violation",
    "ViolationLocation", "ViolationMode", "parallel_groups",
]  # fmt: skip

ViolationLocation = Literal["param", "header", "variable", "body", "auth", "call"]
"""Where a negative case breaks the valid call: an argument, the body, the credential, or the
call itself (fired twice)."""
ViolationMode = Literal["omit", "set", "twice", "without", "with", "profile"]
"""How: leave it out, set a bad value, fire the call twice, send an argument without its
partners or with one it excludes, call as a read-only profile."""
Check = Literal["call", "record", "gone"]
"""What decides the step: the call's own verdict; the record read back holds the values sent;
the record is gone after a delete."""

NOMINAL_CALL_MS = 10
"""What the critical-path estimate charges for one call: the spec declares delays, not latency."""


@dataclass(unsafe_hash=True, slots=True)
class Violation:
    """What a negative case breaks: an argument, a body property at `path`, the credential, or
    the operation's sync guarantee; `value` says which bad value (see plan/cases.py)."""

    kind: NegativeKind
    target: str
    location: ViolationLocation
    mode: ViolationMode
    value: str = ""
    path: tuple[str | int, ...] = ()
    prop: Property | None = None
    arg: Argument | None = None
    detail: str = ""

    @property
    def must_be_taken(self) -> bool:
        """A case the API must accept (case_kinds.TAKEN), not refuse."""
        return self.kind in TAKEN

    @property
    def name(self) -> str:
        text = f"{self.kind} {self.target}".strip()
        return f"{text} ({self.detail})" if self.detail else text


@dataclass(unsafe_hash=True, slots=True)
class Step:
    """One call the run makes, and why."""

    id: str
    resource: str
    operation: Operation
    kind: StepKind
    case: str
    """The case name after the operation: "positive", "verify POST trips", "delete record"."""
    check: Check = "call"
    validates: str | None = None
    """For an operation validation: the id of the write step whose record it reads back."""
    waits_for_record: bool = False
    """A write of its chain came before, so it waits out that write's validation-delay."""
    skip_reason: str | None = None
    violation: Violation | None = None
    """Set for a negative case: the step expects an error (or, where the violation
    `must_be_taken`, the declared success)."""

    @property
    def name(self) -> str:
        return f"{self.operation.name} / {self.case}"

    @property
    def expects_error(self) -> bool:
        """A negative case the API must refuse: not one it must take (`must_be_taken`)."""
        return self.violation is not None and not self.violation.must_be_taken

    @property
    def is_write(self) -> bool:
        """A step meant to change data (a negative case is meant to be refused)."""
        return self.violation is None and self.operation.category != "read"

    def estimate_ms(self, record_wait_ms: int) -> int:
        """Delay before the call, any record wait it must honour, and a nominal call time."""
        if self.skip_reason:
            return 0
        return max(self.operation.delay, record_wait_ms) + NOMINAL_CALL_MS


@dataclass(frozen=True)
class Chain:
    """Steps that must run in order, each after the one before; chains run concurrently."""

    id: str
    resource: str
    steps: tuple[Step, ...]
    purpose: str
    """Why the chain exists, for the plan tree: "record lifecycle", "create POST bulk", ..."""

    def written_by(self, step: Step) -> Step | None:
        """The write step that `step`, an operation validation, reads back."""
        return next((s for s in self.steps if s.id == step.validates), None)

    def estimate_ms(self) -> int:
        """The chain's wall time if nothing else competes: delays, validation waits, calls
        (a group of independent negative cases costs its slowest member)."""
        total = 0
        pending_wait = 0
        for group in parallel_groups(self.steps):
            total += max(
                step.estimate_ms(pending_wait if step.waits_for_record else 0) for step in group
            )
            if any(step.waits_for_record for step in group):
                pending_wait = 0
            for step in group:
                if step.is_write and not step.skip_reason:
                    pending_wait = step.operation.validation_delay
        return total


def parallel_groups(steps: tuple[Step, ...]) -> list[tuple[Step, ...]]:
    """Steps in runnable groups: consecutive negative cases of one operation form a group (they
    are independent: each breaks the same valid call its own way, and is meant to change
    nothing); every other step is a group of its own. Parallel Calls / Sequential Calls time
    their own calls, and a delete's cases stay in turn: one the API wrongly accepts removes
    the record the next would use, and which one that is must not depend on timing."""
    groups: list[list[Step]] = []
    for step in steps:
        last = groups[-1][-1] if groups else None
        if (
            last is not None
            and _groupable(step)
            and _groupable(last)
            and last.operation is step.operation
        ):
            groups[-1].append(step)
        else:
            groups.append([step])
    return [tuple(group) for group in groups]


def _groupable(step: Step) -> bool:
    violation = step.violation
    return (
        violation is not None
        and violation.location != "call"
        and step.operation.category != "delete"
        and not _sends_record_state(step)
        and not _may_rename_its_record(step)
    )


def _sends_record_state(step: Step) -> bool:
    """An update sending a header or parameter its own record gives (Eve's If-Match from
    `$._etag`, CouchDB's `rev`): a case the API wrongly accepts moves that value on, and the
    cases sent beside it with the old one were refused 412 before their own fault was looked
    at, which passed them. Such cases go one at a time, each with the value of the moment."""
    if step.operation.category != "update":
        return False
    for arg in step.operation.arguments:
        prop = arg.value_property
        own = prop is not None and prop.records_of == step.resource
        if own and arg.location in ("header", "param"):
            return True
    return False


def _may_rename_its_record(step: Step) -> bool:
    """An update whose body sends the member its URL names the record by (JupyterHub's
    `PATCH /users/{name}` with `{"name"}`): a case the API wrongly accepts renames the record,
    and the cases sent beside it met 404 at the old name, which passed them. Such cases go one
    at a time, each addressing the record where it then is."""
    op = step.operation
    if op.category != "update" or op.request_body is None:
        return False
    naming = {
        prop.path.fields[0]
        for arg in op.arguments
        if arg.location == "variable"
        and (prop := arg.value_property) is not None
        and prop.path is not None
        and prop.records_of == step.resource
        and prop.path.fields is not None
        and len(prop.path.fields) == 1
    }
    sent = {
        prop.name
        for content in op.request_body.contents
        if content.structure is not None
        for prop in content.structure.properties
    }
    return not naming.isdisjoint(sent)


@dataclass(frozen=True)
class ResourcePlan:
    name: str
    file: str
    chains: tuple[Chain, ...]
    notes: tuple[str, ...] = ()


@dataclass(frozen=True)
class Plan:
    """Resources in dependency order, each with its chains; `seed` reproduces the data."""

    resources: tuple[ResourcePlan, ...]
    seed: int

    @property
    def chains(self) -> tuple[Chain, ...]:
        return tuple(chain for res in self.resources for chain in res.chains)

    @property
    def steps(self) -> tuple[Step, ...]:
        return tuple(step for chain in self.chains for step in chain.steps)
