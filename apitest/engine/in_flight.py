"""The writes in flight, per resource, so that a delete's read-back can wait for them.

An API may give a freed key to the next record it makes (SQLite's rowids, MySQL after a
restart): while a chain reads back the record it deleted, another chain's create of the same
resource can be given that very key, and the read then finds a record where the deleted one
was. Only the create's answer tells the two apart, so a read-back that finds a record waits for
the writes already under way before it says the delete kept it (`engine/validation`).
"""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from contextlib import contextmanager


class WritesInFlight:
    """Per resource, the writes sent and not yet booked (their answer read, their records in
    the ledger). A write is held from its call until its bookkeeping is done."""

    def __init__(self) -> None:
        self._open: dict[str, set[asyncio.Future[None]]] = {}

    @contextmanager
    def writing(self, resource: str) -> Iterator[None]:
        """Hold one write of `resource` open for the duration of the block."""
        done: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        held = self._open.setdefault(resource, set())
        held.add(done)
        try:
            yield
        finally:
            held.discard(done)
            done.set_result(None)

    async def settled(self, resource: str, timeout_s: float) -> bool:
        """Wait for the writes of `resource` open now (not those started meanwhile, so a
        steady stream cannot starve the wait), at most `timeout_s`: whether they all ended."""
        pending = set(self._open.get(resource, ()))
        if not pending:
            return True
        _, left = await asyncio.wait(pending, timeout=timeout_s)
        return not left
