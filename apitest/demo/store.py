"""In-memory records with the read lag of an eventually consistent store.

Writes land on a primary copy at once (so a PUT or DELETE right after a create finds the
record), while reads see a replica that catches up `lag` seconds later: each write appends a
version stamped with the monotonic time it becomes visible, and a read picks the newest
version whose time has come. Deletes drop every version at once, as the issue asks.
This is what a runner's validation-delay and eventual polling exist for, so the service must
really behave this way rather than answer from the primary.

The store is shared between uvicorn's event-loop thread and the test thread that inspects it,
hence one lock around every access.
"""

from __future__ import annotations

import copy
import threading
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

JsonObject = dict[str, Any]
Clock = Callable[[], float]

# Zoho-style record ids: 19 digits, below 2**63, increasing.
_FIRST_ID = 5545974000000087500
_ID_STEP = 15

SEED_DESTINATIONS: tuple[tuple[str, str, str], ...] = (
    ("Bali", "Indonesia", "tropical"),
    ("London", "United Kingdom", "temperate"),
    ("Kyoto", "Japan", "temperate"),
    ("Reykjavik", "Iceland", "polar"),
)


class IdSource:
    """Hands out record ids shared by every collection, as strings of digits."""

    def __init__(self, first: int = _FIRST_ID, step: int = _ID_STEP) -> None:
        self._next = first
        self._step = step
        self._lock = threading.Lock()

    def next(self) -> str:
        with self._lock:
            value = self._next
            self._next += self._step
        return str(value)


@dataclass
class _Entry:
    current: JsonObject
    versions: list[tuple[float, JsonObject]] = field(default_factory=list)


class Collection:
    """One resource's records, keyed by id, in creation order."""

    def __init__(self, name: str, id_field: str, ids: IdSource, lag_s: float, clock: Clock) -> None:
        self.name = name
        self.id_field = id_field
        self._ids = ids
        self._lag_s = lag_s
        self._clock = clock
        self._entries: dict[str, _Entry] = {}
        self._lock = threading.RLock()

    def add(self, record: JsonObject, *, visible_now: bool = False) -> str:
        """Store a new record under a fresh id; reads see it after the lag."""
        record_id = self._ids.next()
        stored = {self.id_field: record_id, **record}
        with self._lock:
            entry = _Entry(current=stored)
            when = float("-inf") if visible_now else self._clock() + self._lag_s
            entry.versions.append((when, copy.deepcopy(stored)))
            self._entries[record_id] = entry
        return record_id

    def update(self, record_id: str, changes: JsonObject) -> None:
        """Apply `changes` to the primary now and to reads after the lag."""
        with self._lock:
            entry = self._entries[record_id]
            entry.current = {**entry.current, **changes, self.id_field: record_id}
            visible_at = self._clock() + self._lag_s
            entry.versions.append((visible_at, copy.deepcopy(entry.current)))

    def delete(self, record_ids: Iterable[str]) -> None:
        """Remove records everywhere at once: deletes are not lagged."""
        with self._lock:
            for record_id in record_ids:
                self._entries.pop(record_id, None)

    def missing(self, record_ids: Iterable[str]) -> list[str]:
        """The ids the primary does not hold (writes check against the primary)."""
        with self._lock:
            return [rid for rid in record_ids if rid not in self._entries]

    def read(self, record_id: str) -> JsonObject | None:
        """The version a reader sees now, or None if none is visible yet."""
        with self._lock:
            entry = self._entries.get(record_id)
            return None if entry is None else self._visible(entry)

    def current(self, record_id: str) -> JsonObject:
        """The primary copy of one record (writes check against it), or {} when there is none."""
        with self._lock:
            entry = self._entries.get(record_id)
            return {} if entry is None else copy.deepcopy(entry.current)

    def read_all(self) -> list[JsonObject]:
        """Every record a reader sees now, in creation order."""
        with self._lock:
            found = (self._visible(entry) for entry in self._entries.values())
            return [record for record in found if record is not None]

    def snapshot(self) -> dict[str, JsonObject]:
        """The primary copy of every record (for tests asserting what really exists)."""
        with self._lock:
            return {rid: copy.deepcopy(e.current) for rid, e in self._entries.items()}

    def current_values(self, key: str) -> set[Any]:
        """Values of `key` across the primary copies (e.g. every destination_name)."""
        with self._lock:
            return {e.current[key] for e in self._entries.values() if key in e.current}

    def _visible(self, entry: _Entry) -> JsonObject | None:
        now = self._clock()
        newest = None
        for index, (when, _) in enumerate(entry.versions):
            if when <= now:
                newest = index
        if newest is None:
            return None
        del entry.versions[:newest]  # older versions can never be seen again
        return copy.deepcopy(entry.versions[0][1])


class Store:
    """The service's whole state: destinations (seeded) and trips (empty at start)."""

    def __init__(self, lag_s: float, clock: Clock = time.monotonic) -> None:
        ids = IdSource()
        self.destinations = Collection("destinations", "destination_id", ids, lag_s, clock)
        self.trips = Collection("trips", "trip_id", ids, lag_s, clock)
        for name, country, climate in SEED_DESTINATIONS:
            record = {"destination_name": name, "country": country, "climate": climate}
            self.destinations.add(record, visible_now=True)
