"""Client-side throttling: never send more than `threshold` calls per `duration` (ZSPEC.md 6).

A server counts a call when it arrives, which is some time between our send and the answer.
So a slot is counted from the *end* of the call that used it (in flight it counts as now):
waiting `duration` after the oldest answer can never put threshold+1 arrivals in one window,
whatever the latency. That costs a little throughput against a perfect clock and buys a run
that never trips `lock-period`.
"""

from __future__ import annotations

import asyncio
import contextlib
import email.utils
import math
import time
from collections import deque
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol

from apitest.plan.estimate import throttle_key
from apitest.zspec.model import Operation

if TYPE_CHECKING:
    from apitest.database import DatabaseURL
    from apitest.engine.http.throttle_db import ConnectionPool

Clock = Callable[[], float]
MAX_RETRY_AFTER_S = 300.0
"""A Retry-After beyond this is not waited out: the call becomes an error naming the wait."""


@dataclass
class _Slot:
    ended: float | None = None  # None while the call is in flight


class SlidingWindow:
    """At most `threshold` calls in any `duration_s`, counting each from its answer."""

    def __init__(self, threshold: int, duration_s: float, clock: Clock = time.monotonic) -> None:
        self.threshold = max(1, threshold)
        self.duration_s = duration_s
        self._clock = clock
        self._slots: deque[_Slot] = deque()
        self._changed = asyncio.Condition()

    async def acquire(self) -> tuple[_Slot, float]:
        """Wait for a free slot; returns it (hand it to `release`) and the seconds waited."""
        started = self._clock()
        async with self._changed:
            while True:
                now = self._clock()
                while (
                    self._slots
                    and self._slots[0].ended is not None
                    and (self._slots[0].ended + self.duration_s <= now)
                ):
                    self._slots.popleft()
                if len(self._slots) < self.threshold:
                    slot = _Slot()
                    self._slots.append(slot)
                    return slot, self._clock() - started
                oldest = self._slots[0].ended
                timeout = None if oldest is None else oldest + self.duration_s - now
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(self._changed.wait(), timeout)

    async def release(self, slot: _Slot) -> None:
        slot.ended = self._clock()
        async with self._changed:
            self._changed.notify_all()


class Window(Protocol):
    """A rate window: in-process (SlidingWindow), shared by the processes of a machine
    (SharedWindow) or by machines (DatabaseWindow)."""

    async def acquire(self) -> tuple[Any, float]: ...

    async def release(self, slot: Any) -> None: ...


@dataclass(frozen=True)
class WindowStore:
    """Where a run's throttle windows live beyond its own process: a folder of files (every
    process of this machine using it), a database (every machine using it), or neither (this
    run alone). The shells choose it (session/target.py `throttle_store`); Throttles alone
    turns it into windows."""

    folder: Path | None = None
    database: DatabaseURL | None = None


class Throttles:
    """One window per throttled operation, shared by every chain of the run, and, with a
    shared `store`, by every process that uses the same store and target."""

    def __init__(
        self, *, store: WindowStore | None = None, target: str = "", clock: Clock = time.monotonic
    ) -> None:
        self._windows: dict[tuple[str, str], Window] = {}
        self._store = store or WindowStore()
        self._target = target
        self._clock = clock
        self._pool: ConnectionPool | None = None

    def window(self, op: Operation) -> Window | None:
        key = throttle_key(op)  # the plan's estimate counts calls per window by the same key
        throttling = op.throttling
        if key is None or throttling is None:
            return None
        found = self._windows.get(key)
        if found is None:
            found = self._make(op.name, throttling.threshold, throttling.duration / 1000)
            self._windows[key] = found
        return found

    def _make(self, name: str, threshold: int, duration_s: float) -> Window:
        key = f"{self._target}|{name}|{threshold}/{duration_s}"
        if self._store.database is not None:  # imported only by runs that share through one
            from apitest.engine.http.throttle_db import DatabaseWindow, open_pool

            if self._pool is None:
                self._pool = open_pool(self._store.database)
            return DatabaseWindow(self._pool, key, threshold, duration_s)
        if self._store.folder is not None:
            from apitest.engine.http.throttle_shared import SharedWindow

            return SharedWindow(self._store.folder, key, threshold, duration_s)
        return SlidingWindow(threshold, duration_s, self._clock)

    def close(self) -> None:
        """Close the database connections the windows kept (nothing else holds any)."""
        if self._pool is not None:
            self._pool.close()
            self._pool = None


def retry_after_s(headers: Mapping[str, str], now: float | None = None) -> float | None:
    """Seconds a `Retry-After` header asks for (delta-seconds or an HTTP date); None if absent
    or unreadable (RFC 9110 section 10.2.3)."""
    raw = next((value for key, value in headers.items() if key.lower() == "retry-after"), None)
    if raw is None:
        return None
    raw = raw.strip()
    if raw.isdigit():
        return float(raw)
    try:
        when = email.utils.parsedate_to_datetime(raw)
    except (TypeError, ValueError):
        return None
    current = time.time() if now is None else now
    seconds = when.timestamp() - current
    return max(0.0, seconds) if math.isfinite(seconds) else None
