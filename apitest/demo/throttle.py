"""The <throttling threshold duration lock-period> of an operation, enforced per client.

A sliding window (the timestamps of the last `threshold` accepted calls) rather than fixed
buckets, so a burst straddling a bucket edge cannot slip through twice the limit: the call
that would be number threshold+1 within any window is refused and starts the lock, and every
call during the lock is refused too. Refusals are not counted. Once the lock is over the
client starts afresh with an empty window.
"""

from __future__ import annotations

import math
import threading
import time
from collections import deque

from apitest.demo.store import Clock


class Throttle:
    """Decides, per client key, whether one more call may pass."""

    def __init__(
        self, threshold: int, window_s: float, lock_s: float, clock: Clock = time.monotonic
    ) -> None:
        self.threshold = threshold
        self.window_s = window_s
        self.lock_s = lock_s
        self._clock = clock
        self._calls: dict[str, deque[float]] = {}
        self._locked_until: dict[str, float] = {}
        self._lock = threading.Lock()

    def hit(self, key: str) -> int | None:
        """Count a call by `key`; None if it may pass, else the Retry-After in whole seconds."""
        now = self._clock()
        with self._lock:
            until = self._locked_until.get(key)
            if until is not None:
                if now < until:
                    return _seconds(until - now)
                del self._locked_until[key]
                self._calls.pop(key, None)
            calls = self._calls.setdefault(key, deque())
            while calls and calls[0] <= now - self.window_s:
                calls.popleft()
            if len(calls) < self.threshold:
                calls.append(now)
                return None
            if self.lock_s > 0:
                self._locked_until[key] = now + self.lock_s
                return _seconds(self.lock_s)
            # No lock period: the caller may retry once the oldest call leaves the window.
            return _seconds(calls[0] + self.window_s - now)


def _seconds(span: float) -> int:
    """Retry-After is whole seconds (RFC 9110 section 10.2.3); round up, never 0."""
    return max(1, math.ceil(span))
