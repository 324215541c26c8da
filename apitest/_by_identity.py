"""Values derived once from an object known by its identity (a spec's frozen structures).

Hashing a frozen dataclass hashes all of it, deeply, every time; its identity is one lookup.
Each entry keeps its object alive beside the value, so the id cannot pass to another object
while the entry lives; past `limit` entries the cache starts afresh, so it stays bounded in
a process that loads many catalogs (the pytest plugin's).
"""

from __future__ import annotations

from collections.abc import Callable, Hashable
from typing import Any, Generic, TypeVar

Obj = TypeVar("Obj")
Value = TypeVar("Value")


class IdentityCache(Generic[Obj, Value]):
    def __init__(self, limit: int) -> None:
        self._limit = limit
        self._entries: dict[tuple[Any, ...], tuple[Obj, Value]] = {}

    def get(self, obj: Obj, extra: Hashable, make: Callable[[], Value]) -> Value:
        """The value for `obj` and `extra` (what else the value depends on), made by `make`
        the first time."""
        key = (id(obj), extra)
        found = self._entries.get(key)
        if found is not None and found[0] is obj:
            return found[1]
        if len(self._entries) >= self._limit:
            self._entries.clear()
        value = make()
        self._entries[key] = (obj, value)
        return value
