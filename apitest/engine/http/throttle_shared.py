"""`<throttling>` shared across processes: pytest-xdist workers and parallel CLI runs.

The API counts every call of a client, whichever process sent it, so one process keeping its own
count is not enough. The window lives in a small JSON file under a file lock: each slot is a
call, in flight (with a deadline, in case its process dies) or answered (counted from the
answer, as the in-process window does). Wall-clock time, since monotonic clocks are not shared
between processes.
"""

from __future__ import annotations

import asyncio
import fcntl
import hashlib
import json
import os
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

IN_FLIGHT_DEADLINE_S = 120.0
"""A slot whose process never answered stops counting after this (a crashed worker)."""
_POLL_S = 0.05


class SharedWindow:
    """At most `threshold` calls in any `duration_s`, across every process using `folder`."""

    def __init__(
        self,
        folder: Path,
        key: str,
        threshold: int,
        duration_s: float,
        clock: Callable[[], float] = time.time,
    ) -> None:
        digest = hashlib.sha256(key.encode()).hexdigest()[:24]
        folder.mkdir(parents=True, exist_ok=True)
        self._state = folder / f"{digest}.json"
        self._lock = folder / f"{digest}.lock"
        self.threshold = max(1, threshold)
        self.duration_s = duration_s
        self._clock = clock

    async def acquire(self) -> tuple[str, float]:
        """Wait for a free slot; returns its id (hand it to `release`) and the seconds waited."""
        started = self._clock()
        while True:
            slot, wait = await asyncio.to_thread(self._try_take)
            if slot is not None:
                return slot, self._clock() - started
            await asyncio.sleep(max(wait, 0.001))

    async def release(self, slot: str) -> None:
        await asyncio.to_thread(self._answer, slot)

    def _try_take(self) -> tuple[str | None, float]:
        with self._locked():
            now = self._clock()
            slots = self._live(self._read(), now)
            if len(slots) < self.threshold:
                slot = uuid.uuid4().hex
                slots.append({"id": slot, "ended": None, "deadline": now + IN_FLIGHT_DEADLINE_S})
                self._write(slots)
                return slot, 0.0
            ended = [s["ended"] + self.duration_s - now for s in slots if s["ended"] is not None]
            return None, min(ended) if ended else _POLL_S

    def _answer(self, slot: str) -> None:
        with self._locked():
            slots = self._read()
            for entry in slots:
                if entry.get("id") == slot:
                    entry["ended"] = self._clock()
            self._write(slots)

    def _live(self, slots: list[dict[str, Any]], now: float) -> list[dict[str, Any]]:
        kept = []
        for entry in slots:
            ended = entry.get("ended")
            if ended is not None and ended + self.duration_s <= now:
                continue
            if ended is None and entry.get("deadline", 0) <= now:
                continue
            kept.append(entry)
        return kept

    def _read(self) -> list[dict[str, Any]]:
        try:
            data = json.loads(self._state.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return []  # absent or torn by a crash: start afresh (the lock makes writes whole)
        slots = data.get("slots") if isinstance(data, dict) else None
        return [s for s in slots if isinstance(s, dict)] if isinstance(slots, list) else []

    def _write(self, slots: list[dict[str, Any]]) -> None:
        temp = self._state.with_suffix(f".{os.getpid()}.tmp")
        temp.write_text(json.dumps({"slots": slots}), encoding="utf-8")
        os.replace(temp, self._state)

    @contextmanager
    def _locked(self) -> Iterator[None]:
        fd = os.open(self._lock, os.O_RDWR | os.O_CREAT, 0o600)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX)
            yield
        finally:
            os.close(fd)  # closing drops the lock
