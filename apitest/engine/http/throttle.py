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
from typing import Any, Protocol

from apitest.plan.estimate import throttle_key
from apitest.spec.model import Operation

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
    """A rate window: in-process (SlidingWindow) or shared by processes (SharedWindow)."""

    async def acquire(self) -> tuple[Any, float]: ...

    async def release(self, slot: Any) -> None: ...


class Throttles:
    """One window per throttled operation, shared by every chain of the run, and, with a
    `shared_folder`, by every process that uses the same folder and target."""

    def __init__(
        self, *, shared_folder: Path | None = None, target: str = "", clock: Clock = time.monotonic
    ) -> None:
        self._windows: dict[tuple[str, str], Window] = {}
        self._shared_folder = shared_folder
        self._target = target
        self._clock = clock

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
        if self._shared_folder is None:
            return SlidingWindow(threshold, duration_s, self._clock)
        from apitest.engine.http.throttle_shared import SharedWindow

        key = f"{self._target}|{name}|{threshold}/{duration_s}"
        return SharedWindow(self._shared_folder, key, threshold, duration_s)


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
