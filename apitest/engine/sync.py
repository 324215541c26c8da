"""auto-sync: a sync operation's calls run alone within their resource (ZSPEC.md section 6).

A readers-writer lock per resource: ordinary calls share it, a sync call holds it alone, so it
waits for the resource's calls in flight and nothing of that resource starts meanwhile. Waiting
sync calls go first (writer preference), or a busy resource could starve them forever.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager


class ResourceLock:
    def __init__(self) -> None:
        self._shared = 0
        self._exclusive = False
        self._waiting_exclusive = 0
        self._changed = asyncio.Condition()

    @asynccontextmanager
    async def hold(self, *, exclusive: bool) -> AsyncIterator[None]:
        async with self._changed:
            if exclusive:
                self._waiting_exclusive += 1
                try:
                    await self._changed.wait_for(lambda: not self._exclusive and not self._shared)
                finally:
                    self._waiting_exclusive -= 1
                self._exclusive = True
            else:
                await self._changed.wait_for(
                    lambda: not self._exclusive and not self._waiting_exclusive
                )
                self._shared += 1
        try:
            yield
        finally:
            async with self._changed:
                if exclusive:
                    self._exclusive = False
                else:
                    self._shared -= 1
                self._changed.notify_all()


class ResourceLocks:
    """One lock per resource name, made on first use."""

    def __init__(self) -> None:
        self._locks: dict[str, ResourceLock] = {}

    def of(self, resource: str) -> ResourceLock:
        return self._locks.setdefault(resource, ResourceLock())
