"""Where the values a call took from the Data Manager came from, so a replay can take them again.

A chain's later calls carry values of its earlier answers: the id a create answered goes into
the read's URL, the update's body, the delete's parameter. A replay that resends the recorded
values addresses records long deleted; one that knows which answer gave each value, and where in
it, reads the value from its own answer instead (report/repro.py). The engine notes, per record,
the answer it was found in (`Origin`); a lookup notes which record each value came from; after
the call those become `ValueUse`s on its HttpRecord.

Cheap on the hot path: a lookup appends a pair to a list; paths are searched only for the few
records a call used, and the record's place in its answer is searched once and kept.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from apitest.results import ValueUse

if TYPE_CHECKING:
    from apitest.engine.records import Record

Path = list[str | int]
Seen = list[tuple[Any, "Record"]]
"""(value, the record it came from), as lookups hand values out."""
_MAX_DEPTH = 12


@dataclass(eq=False)
class Origin:
    """The answer a record was found in: call `call` of case `case`, the parsed `body`, and the
    record's own object within it (`item`, as the data-extraction-path found it)."""

    case: str
    call: int
    body: Any
    item: dict[str, Any]
    _item_path: Path | None = field(default=None, repr=False)
    _searched: bool = field(default=False, repr=False)

    def path_of(self, value: Any) -> Path | None:
        """Where `value` sits in the answer: inside the record's object first, else anywhere
        in the body; None when the answer does not hold it (the value was sent, not answered)."""
        if not self._searched:
            self._item_path = _identity_path(self.body, self.item)
            self._searched = True
        if self._item_path is not None:
            inner = _leaf_path(self.item, value)
            if inner is not None:
                return [*self._item_path, *inner]
        return _leaf_path(self.body, value)


def uses_of(seen: Seen, chain: str) -> list[ValueUse]:
    """The values a call of `chain` took from records found in answers, each once, with where
    they were (in the chain's own answers where it has some)."""
    uses: list[ValueUse] = []
    done: set[tuple[str, Any]] = set()
    for value, record in seen:
        origin = record.origin_for(chain)
        if origin is None or not _scalar(value):
            continue
        key = (type(value).__name__, value)
        if key in done:
            continue
        done.add(key)
        path = origin.path_of(value)
        if path is not None:
            uses.append(ValueUse(value, origin.case, origin.call, path))
    return uses


def _scalar(value: Any) -> bool:
    """Ids and names are worth following; booleans and null would match anything alike."""
    return isinstance(value, str | int | float) and not isinstance(value, bool) and value != ""


def _identity_path(body: Any, item: Any) -> Path | None:
    for path, node in _walk(body):
        if node is item:
            return path
    return None


def _leaf_path(body: Any, value: Any) -> Path | None:
    """The first place (breadth first: shallow keys before nested ones) holding `value` as a
    scalar of the same JSON type."""
    for path, node in _walk(body):
        if type(node) is type(value) and node == value:
            return path
    return None


def _walk(body: Any) -> Iterator[tuple[Path, Any]]:
    """Every node of a JSON document with its path, breadth first, depth-bounded."""
    queue: list[tuple[Path, Any]] = [([], body)]
    for path, node in queue:
        yield path, node
        if len(path) >= _MAX_DEPTH:
            continue
        if isinstance(node, dict):
            queue.extend(([*path, key], child) for key, child in node.items())
        elif isinstance(node, list):
            queue.extend(([*path, index], child) for index, child in enumerate(node))
