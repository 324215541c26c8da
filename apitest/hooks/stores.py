"""The run's shared cache and queue, as the serverless platform's context offers them.

Hooks run in worker threads, several at once (chains run concurrently), so every operation
takes the store's lock. Both live only as long as the run: hooks use them to hand values from
one call to a later one (a token a before_run hook fetched, ids an after_call hook saw).
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from typing import Any


class Cache:
    """Key-value entries with an optional expiry in seconds; an expired entry reads as None."""

    def __init__(self, clock: Callable[[], float] = time.monotonic) -> None:
        self._clock = clock
        self._lock = threading.Lock()
        self._entries: dict[str, tuple[Any, float | None]] = {}

    def get(self, key: str) -> Any:
        """The value, or None when it was never set, was deleted or has expired."""
        with self._lock:
            return self._live(key)[1]

    def set(self, key: str, value: Any, expiry: float | None = None) -> bool:
        """Store `value` (for `expiry` seconds when given); True, as the platform answers."""
        if expiry is not None and (isinstance(expiry, bool) or expiry <= 0):
            raise ValueError(f"cache expiry must be a positive number of seconds, not {expiry!r}")
        deadline = None if expiry is None else self._clock() + float(expiry)
        with self._lock:
            self._entries[key] = (value, deadline)
        return True

    def delete(self, key: str) -> bool:
        """Remove the entry; whether a live one existed."""
        with self._lock:
            existed = self._live(key)[0]
            self._entries.pop(key, None)
            return existed

    def _live(self, key: str) -> tuple[bool, Any]:
        entry = self._entries.get(key)
        if entry is None:
            return False, None
        value, deadline = entry
        if deadline is not None and self._clock() >= deadline:
            del self._entries[key]
            return False, None
        return True, value

    locals()["del"] = delete  # the platform's name; `del` is a keyword: getattr(cache, "del")


class Queue:
    """Topics of messages kept for the whole run, like a log: `pull` reads from an offset and
    never removes, so two consumers each see every message."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._topics: dict[str, list[Any]] = {}

    def push(self, topic: str, value: Any) -> int:
        """Append `value` to `topic`; its offset (0 for a topic's first message)."""
        with self._lock:
            messages = self._topics.setdefault(topic, [])
            messages.append(value)
            return len(messages) - 1

    def pull(self, topic: str, offset: int = 0, range: int | None = None) -> list[Any]:
        """The messages of `topic` from `offset` on, at most `range` of them ([] for an
        unknown topic or an offset past the end)."""
        if isinstance(offset, bool) or not isinstance(offset, int) or offset < 0:
            raise ValueError(f"queue offset must be an integer >= 0, not {offset!r}")
        if range is not None and (isinstance(range, bool) or not isinstance(range, int)):
            raise ValueError(f"queue range must be an integer >= 0, not {range!r}")
        if range is not None and range < 0:
            raise ValueError(f"queue range must be an integer >= 0, not {range!r}")
        with self._lock:
            messages = self._topics.get(topic, [])
            end = len(messages) if range is None else offset + range
            return messages[offset:end]

    def size(self, topic: str) -> int:
        """How many messages `topic` holds (the offset the next push gets)."""
        with self._lock:
            return len(self._topics.get(topic, []))

    produce = push
    consume = pull
