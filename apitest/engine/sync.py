"""auto-sync: a sync operation's calls run alone within their resource (ZSPEC.md section 6);
a negative case's write, alone within its resource and those its records refer to.

A readers-writer lock per resource: ordinary calls share it, a sync call holds it alone, so it
waits for the resource's calls in flight and nothing of that resource starts meanwhile. Waiting
sync calls go first (writer preference), or a busy resource could starve them forever.

Every call of a run passes through here, and nearly always nobody waits: the state is changed
without awaiting when the lock is free for the asker (one event loop, so nothing can come
between the test and the change), and the condition is touched only when someone waits.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Iterable
from contextlib import asynccontextmanager
from types import TracebackType


class ResourceLock:
    def __init__(self) -> None:
        self._shared = 0
        self._exclusive = False
        self._waiting_exclusive = 0
        self._waiting = 0
        self._changed = asyncio.Condition()
        self._holds = {False: _Hold(self, exclusive=False), True: _Hold(self, exclusive=True)}

    def hold(self, *, exclusive: bool) -> _Hold:
        """`async with lock.hold(exclusive=...)`: the resource, shared or alone."""
        return self._holds[exclusive]

    def _free_for(self, exclusive: bool) -> bool:
        if exclusive:
            return not self._exclusive and not self._shared
        return not self._exclusive and not self._waiting_exclusive

    def _take(self, exclusive: bool) -> None:
        if exclusive:
            self._exclusive = True
        else:
            self._shared += 1

    async def acquire(self, exclusive: bool) -> None:
        if self._free_for(exclusive):
            self._take(exclusive)
            return
        self._waiting += 1
        self._waiting_exclusive += exclusive
        taken = False
        try:
            async with self._changed:
                await self._changed.wait_for(lambda: self._free_for(exclusive))
                self._take(exclusive)
                taken = True
        finally:
            self._waiting -= 1
            self._waiting_exclusive -= exclusive
            if not taken and exclusive and not self._waiting_exclusive and self._waiting:
                await self._notify()  # a sync asker gave up: those it held back may go

    async def release(self, exclusive: bool) -> None:
        if exclusive:
            self._exclusive = False
        else:
            self._shared -= 1
        if self._waiting:
            await self._notify()

    async def _notify(self) -> None:
        async with self._changed:
            self._changed.notify_all()


class _Hold:
    """The context manager `hold` hands out (one per lock and mode: the state is the lock's)."""

    def __init__(self, lock: ResourceLock, *, exclusive: bool) -> None:
        self._lock = lock
        self._exclusive = exclusive

    async def __aenter__(self) -> None:
        await self._lock.acquire(self._exclusive)

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self._lock.release(self._exclusive)


class ResourceLocks:
    """One lock per resource name, made on first use."""

    def __init__(self) -> None:
        self._locks: dict[str, ResourceLock] = {}

    def of(self, resource: str) -> ResourceLock:
        found = self._locks.get(resource)
        if found is None:
            found = self._locks[resource] = ResourceLock()
        return found

    @asynccontextmanager
    async def alone(self, resources: Iterable[str]) -> AsyncIterator[None]:
        """Several resources held alone, taken in name order (ordinary and sync calls take one
        lock each, so no two askers can wait on each other). A negative case's write holds its
        resource and those its records refer to from its call until what the API wrongly
        accepted is undone: no other case, negative ones included, can meet the invalid record
        meanwhile, nor an API it broke (json-server fails every DELETE while a comment holds
        `postId: null`). (issue 18, item 4)"""
        taken: list[ResourceLock] = []
        try:
            for name in sorted(set(resources)):
                lock = self.of(name)
                await lock.acquire(True)
                taken.append(lock)
            yield
        finally:
            for lock in reversed(taken):
                await lock.release(True)
