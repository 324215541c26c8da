"""`<info limit>`: the run never holds more live records of a resource than its limit.

ZEST's `limit` is "the maximum number of records that can be created in the resource"; an API
that enforces it refuses the create past it, which would fail a case for no fault of the API.
So each create of a limited resource first takes a slot: slots taken = records the run created
and has not deleted, plus creates in flight. A create that finds no slot waits until a delete
frees one. When no running chain can free one any more (every live record belongs to a chain
that has finished, e.g. its delete failed), waiting would never end: the step is skipped with
the reason instead.

Counting assumes a create call makes one record while in flight; once it answers, the records
it actually made are counted (a bulk create may so exceed the limit by its own size).
"""

from __future__ import annotations

import asyncio
from collections.abc import Iterable
from dataclasses import dataclass, field

from apitest.plan.model import Step
from apitest.zspec.model import Resource


def creates_record(step: Step) -> bool:
    """A call meant to create (positive create or data preparation); a negative case is
    meant to be refused, so it takes no slot."""
    return step.check == "call" and step.violation is None and step.operation.category == "create"


@dataclass
class RecordCap:
    """The slots of one resource: live created records and creates in flight, per chain.

    One event loop runs the engine, so the counts need no lock; a waiter sleeps on `_wake`,
    which every change sets (waking all) and replaces."""

    resource: str
    limit: int
    held: dict[str, int] = field(default_factory=dict)
    """Chain id -> its live created records plus its creates in flight."""
    finished: set[str] = field(default_factory=set)
    waiting: set[str] = field(default_factory=set)
    """Chains waiting for a slot: they free none while they wait (two such would deadlock)."""
    _wake: asyncio.Event = field(default_factory=asyncio.Event)

    @property
    def taken(self) -> int:
        return sum(self.held.values())

    def _changed(self) -> None:
        self._wake.set()
        self._wake = asyncio.Event()

    def _can_free(self, chain: str) -> bool:
        """Another chain that is running, and not itself waiting, holds a slot: a delete of
        its may yet free one."""
        stuck = self.finished | self.waiting
        return any(n > 0 and c != chain and c not in stuck for c, n in self.held.items())

    async def reserve(self, chain: str) -> bool:
        """Take a slot for one create of `chain`; False when none can ever come free."""
        try:
            while self.taken >= self.limit:
                if not self._can_free(chain):
                    return False
                if chain not in self.waiting:
                    self.waiting.add(chain)
                    self._changed()  # others waiting on this chain must re-check
                await self._wake.wait()
        finally:
            if chain in self.waiting:
                self.waiting.discard(chain)
                self._changed()
        self.held[chain] = self.held.get(chain, 0) + 1
        return True

    def settle(self, chain: str, made: int) -> None:
        """The create answered: its slot becomes the records it made (none when it failed)."""
        self.held[chain] = max(0, self.held.get(chain, 0) - 1 + made)
        self._changed()

    def deleted(self, chain: str | None) -> None:
        """A created record of `chain` was deleted: its slot is free."""
        key = chain or ""
        if self.held.get(key, 0) > 0:
            self.held[key] -= 1
        self._changed()

    def chain_done(self, chain: str) -> None:
        """A finished chain frees nothing more; waiters re-check whether anyone still can."""
        self.finished.add(chain)
        self._changed()

    def full_message(self) -> str:
        return (
            f'<info limit="{self.limit}">: {self.taken} {self.resource} record(s) created by '
            "this run are still live and no running chain will delete them, so this create "
            "would go past the limit"
        )


@dataclass
class RecordLimits:
    """The caps of every resource that declares `<info limit>`."""

    caps: dict[str, RecordCap] = field(default_factory=dict)

    @classmethod
    def of(cls, resources: Iterable[Resource]) -> RecordLimits:
        return cls(
            {
                res.name: RecordCap(res.name, res.info.limit)
                for res in resources
                if res.info is not None and res.info.limit is not None
            }
        )

    def cap(self, resource: str) -> RecordCap | None:
        return self.caps.get(resource)

    def chain_done(self, chain: str) -> None:
        for cap in self.caps.values():
            cap.chain_done(chain)
