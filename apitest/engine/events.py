"""What a run tells the outside as it goes: typed events, and the one Listener that hears them.

The engine emits every event and knows nothing of who listens; the console, the JSONL stream,
the report files and the pytest plugin each subscribe through `Listener.handle`, and a
`FanOut` hands each event to several. So a new reporter is a listener, never a change to the
engine, and no two outputs can learn of the run by different routes. Every event carries the
run model (`apitest.results`), which is all a reporter may read besides the events.

A run's events: `RunStarted`; per chain, a `CaseFinished` for each step as it finishes, then
`ChainFinished`; `Interrupted` once, the moment the run is told to stop; a `CaseRevised` for
each case an end-of-run read-back failed after it finished; a `CleanupFinished` for each delete
of the end-of-run sweep; `RunFinished`. Steps that never ran
(an interrupted run, an unreachable target) are in the final result but get no `CaseFinished`.

Listeners read events and never change them. The classes are not frozen only because a frozen
dataclass costs twice as much to make, and a `CaseFinished` is made for every step.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Protocol

from apitest.plan.model import Chain, Plan
from apitest.results import CaseResult, RunResult, ShardInfo


@dataclass(slots=True)
class RunStarted:
    """`plan` is about to run against `target` (before credentials are checked)."""

    target: str
    plan: Plan
    shard: ShardInfo | None = None
    """Set when `plan` is one shard of a larger plan (`--shard K/N`)."""


@dataclass(slots=True)
class CaseFinished:
    """One planned step has its verdict. Emitted once per step on the engine's hot path: a
    listener must be quick, and must not keep the case's calls (the engine slims them)."""

    case: CaseResult


@dataclass(slots=True)
class ChainFinished:
    """Every step of `chain` finished; `cases` are its steps' results in finishing order."""

    chain: Chain
    cases: list[CaseResult]


@dataclass(slots=True)
class Interrupted:
    """The run was told to stop (Ctrl-C, SIGTERM): no new step starts, calls in flight are
    cancelled; the cleanup sweep and `RunFinished` still follow."""


@dataclass(slots=True)
class CaseRevised:
    """A case already finished has a new verdict: the end-of-run read found a delete answered
    2xx, which no read-back step checked, had kept its record, or an update that moved a
    record (a rename) had left it under its old keys too (`case` is the same object, now
    failed). The final result holds the new verdict; a stream says it again."""

    case: CaseResult


@dataclass(slots=True)
class CleanupFinished:
    """A delete of the end-of-run sweep: not a planned case, so not a `CaseFinished`."""

    case: CaseResult


@dataclass(slots=True)
class RunFinished:
    """The run is over and `result` is final. `reached` is False when the target could not be
    reached at all: every case is an error saying so, and the run's caller gets the error."""

    result: RunResult
    reached: bool = True


Event = (
    RunStarted
    | CaseFinished
    | ChainFinished
    | Interrupted
    | CaseRevised
    | CleanupFinished
    | RunFinished
)


class Listener(Protocol):
    def handle(self, event: Event) -> None:
        """Take one event; ignore the kinds of no interest. Runs in the engine's task, so it
        must not block; an exception raised here ends the run."""


class NullListener:
    """Hears everything, does nothing: for callers that want only the returned RunResult."""

    def handle(self, event: Event) -> None:
        pass


class FanOut:
    """Several listeners as one, each handed every event in the order given."""

    def __init__(self, listeners: Sequence[Listener]) -> None:
        self.listeners = tuple(listeners)

    def handle(self, event: Event) -> None:
        for listener in self.listeners:
            listener.handle(event)
