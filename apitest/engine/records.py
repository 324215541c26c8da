"""The Data Manager: the records a run created or read, and which one a step is handed.

ZSPEC.md section 4: a `path="resource:$..."` value comes from records of that resource the run
created or read; the default pick is the record of the asking chain, else the newest; a record
the run deleted is never handed out again. Chains run concurrently, so a chain never takes a
record another chain created while one of its own or an unowned one exists: that record may be
deleted under it by its owner's delete test.

Records are found as ZEST's Data Manager finds them (its `data-manager` help page): the value at
the `data-extraction-path` is the resource's data; an array there is one record per element, an
object one record. Each record is known by its `<primary>` keys: with `primary-type="simple"`
(the default) any one key names the record, with `"composite"` only all of them together.
"""

from __future__ import annotations

import itertools
import json
from collections.abc import Callable, Hashable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from apitest.zspec.conditions import DataPath, EvalContext
from apitest.zspec.model import (
    Catalog,
    Resource,
)

if TYPE_CHECKING:
    from apitest.engine.provenance import Origin, Seen

JsonObject = dict[str, Any]


@dataclass
class Record:
    """One record of a resource: what the run knows of it and the keys that address it."""

    resource: str
    data: JsonObject
    keys: dict[str, Any]
    chain: str | None
    """The chain that created it or read it."""
    created: bool
    """Created by this run (so the run must delete it)."""
    seq: int
    live: bool = True
    origin: Origin | None = None
    """The answer it was first found in, so a replay can find its values again."""
    seen_by: dict[str, Origin] | None = None
    """The answers other chains read it again in: a replay of such a chain takes its values
    from its own read (made only when that happens)."""
    unseen_by_list: bool = False
    """A list read-back missed it while it existed (a page that names no next one): absent
    from that list later says nothing of a delete (`engine/validation.validate`)."""
    written: JsonObject = field(default_factory=dict)
    """What the run last sent of it (its create's body, then each update's): a PATCH must keep
    what it does not send (`Written.kept`)."""
    shown: frozenset[str] = frozenset()
    """The members its last read-back showed: only those can a PATCH be held to keep (a
    password a write sends and no read shows is not)."""
    stale: frozenset[str] = frozenset()
    """Members a write moved on without showing their new value (Roundup's update answers no
    new `@etag`): a call that takes one from the record reads the record again first
    (engine/record_state)."""
    address: dict[str, str] = field(default_factory=dict)
    """The URL variables of the create that made it (`{"Bucket": "b1", "Key": "k"}` for S3's
    `PUT /{Bucket}/{Key}`): where it lives. A call addressing it sends a URL variable of the
    same name with this value, so an object is deleted from the bucket it was put in, also by
    the cleanup, which has no other record to take the bucket from."""

    def took(self, read: JsonObject) -> None:
        """What a read of the record showed, kept as its latest state: a member it showed is
        no longer stale (engine/record_state)."""
        self.data = {**self.data, **read}
        self.stale = self.stale - set(read)

    def origin_for(self, chain: str) -> Origin | None:
        """Where `chain` found this record: its own read if it made one, else the first."""
        if self.seen_by is not None and chain in self.seen_by:
            return self.seen_by[chain]
        return self.origin

    def describe(self) -> str:
        keys = ", ".join(f"{name}={value}" for name, value in self.keys.items())
        return f"{self.resource} record ({keys or 'no key'})"


MAX_RECORDS = 2_000
"""Per resource; beyond it the oldest records merely read are forgotten."""


def _identities(keys: Mapping[str, Any], data: JsonObject, composite: bool) -> list[Hashable]:
    """What makes two sightings the same record, keys as text (an id may come back as a
    number): each key alone for a simple primary (any one names the record), all keys as one
    for a composite primary, or all of the record when the spec declares no primary key."""
    if not keys:
        return [_flat_identity(data) or _CANONICAL.encode(data)]
    if composite:
        return [tuple(sorted((name, str(value)) for name, value in keys.items()))]
    return [(name, str(value)) for name, value in keys.items()]


def _flat_identity(data: JsonObject) -> tuple[tuple[Any, ...], ...] | None:
    """A record of scalars alone (the usual listing row) as its sorted items, a quarter of
    the cost of canonical JSON; None when a value is nested. Equal exactly when the canonical
    JSON is: a bool carries its type and a float its repr, since `True == 1 == 1.0` and
    `0.0 == -0.0` in Python, and NaN equals nothing, but not so in JSON's text."""
    parts: list[tuple[Any, ...]] = []
    for name, value in data.items():
        kind = type(value)
        if kind is str or kind is int or value is None:
            parts.append((name, value))
        elif kind is bool:
            parts.append((name, kind, value))
        elif kind is float:
            parts.append((name, kind, repr(value)))
        else:
            return None
    parts.sort()  # names are unique, so only names are ever compared
    return tuple(parts)


_CANONICAL = json.JSONEncoder(sort_keys=True, default=str)
"""One encoder for every identity: json.dumps with options builds a new one each call."""


@dataclass
class DataManager:
    """Every record of the run, by resource. Not thread-safe: the engine is one event loop."""

    composite: frozenset[str] = frozenset()
    """The resources whose `primary-type` is composite: their keys name a record only together."""
    _records: dict[str, list[Record]] = field(default_factory=dict)
    _seq: itertools.count[int] = field(default_factory=itertools.count)
    _deleted: dict[str, set[Hashable]] = field(default_factory=dict)
    _read_again: dict[str, list[Record]] = field(default_factory=dict)
    """Chain -> the records it read again (their `seen_by` entries, dropped when it ends)."""
    _seen: dict[str, dict[Hashable, Record]] = field(default_factory=dict)
    """Records by identity (their keys, or their data when they have none), so reading the
    same record again refreshes it instead of piling up copies."""

    @classmethod
    def for_catalog(cls, catalog: Catalog) -> DataManager:
        """A Data Manager that knows which of the catalog's resources have composite keys."""
        return cls(composite=frozenset(res.name for res in catalog.resources if is_composite(res)))

    def _ids(self, resource: str, keys: Mapping[str, Any], data: JsonObject) -> list[Hashable]:
        return _identities(keys, data, resource in self.composite)

    def add(
        self,
        resource: str,
        data: JsonObject,
        keys: dict[str, Any],
        *,
        chain: str,
        created: bool,
        origin: Origin | None = None,
        address: dict[str, str] | None = None,
    ) -> Record:
        record = Record(resource, data, keys, chain, created, next(self._seq), origin=origin)
        record.address = dict(address or {})
        bucket = self._records.setdefault(resource, [])
        if not created:
            identities = self._ids(resource, keys, data)
            deleted = self._deleted.get(resource, ())
            if any(identity in deleted for identity in identities):
                record.live = False  # a lagging listing still shows what the run deleted
                return record
            seen = self._seen.setdefault(resource, {})
            known = next((seen[i] for i in identities if i in seen), None)
            if known is not None and known.live:  # read again: refresh it, keep who owns it
                known.data = {**known.data, **data}
                if known.origin is None:
                    known.origin = origin
                elif origin is not None and chain != known.chain:
                    known.seen_by = known.seen_by or {}
                    if chain not in known.seen_by:
                        known.seen_by[chain] = origin
                        self._read_again.setdefault(chain, []).append(known)
                return known
            seen.update(dict.fromkeys(identities, record))
        elif keys:
            seen = self._seen.setdefault(resource, {})
            seen.update(dict.fromkeys(self._ids(resource, keys, data), record))
        bucket.append(record)
        if len(bucket) > MAX_RECORDS:
            self._forget_oldest_read(resource)
        return record

    def _forget_oldest_read(self, resource: str) -> None:
        """Keep a long run's memory flat: the oldest record merely read goes (created ones stay,
        the run must delete them)."""
        bucket = self._records[resource]
        index = next((i for i, rec in enumerate(bucket) if not rec.created), None)
        if index is not None:
            gone = bucket.pop(index)
            seen = self._seen.get(resource, {})
            for identity in self._ids(resource, gone.keys, gone.data):
                if seen.get(identity) is gone:
                    del seen[identity]

    def chain_done(self, chain: str) -> None:
        """`chain` is over: forget where it read records again. A long-lived record read by
        every chain of a long run would otherwise hold one answer per chain, for ever."""
        for record in self._read_again.pop(chain, ()):
            if record.seen_by is not None:
                record.seen_by.pop(chain, None)
                if not record.seen_by:
                    record.seen_by = None

    def remove(self, record: Record) -> None:
        """The record was deleted: it leaves the Data Manager at once."""
        record.live = False
        if record.keys:
            deleted = self._deleted.setdefault(record.resource, set())
            deleted.update(self._ids(record.resource, record.keys, {}))
        self._records[record.resource] = [
            rec for rec in self._records.get(record.resource, []) if rec is not record
        ]

    def rekey(self, record: Record, keys: dict[str, Any]) -> None:
        """An update gave the record other keys (a rename): it is found by those from now on,
        and no longer by the old ones."""
        seen = self._seen.setdefault(record.resource, {})
        for identity in self._ids(record.resource, record.keys, record.data):
            if seen.get(identity) is record:
                del seen[identity]
        record.keys = dict(keys)
        seen.update(dict.fromkeys(self._ids(record.resource, record.keys, record.data), record))

    def made_before(
        self, resource: str, keys: Mapping[str, Any], data: JsonObject
    ) -> Record | None:
        """The live record this run made that has these keys, if any: an answer naming it
        again did not make another."""
        if not keys:
            return None  # told apart by content alone: two alike are two
        seen = self._seen.get(resource, {})
        found = (seen[i] for i in self._ids(resource, keys, data) if i in seen)
        return next((rec for rec in found if rec.live and rec.created), None)

    def live(self, resource: str) -> list[Record]:
        return [rec for rec in self._records.get(resource, []) if rec.live]

    def pick(self, resource: str, chain: str) -> Record | None:
        """The record a step of `chain` is handed: its chain's newest created record, then the
        first its chain read (a listing's order: long-lived records lead, fresh ones of other
        chains come last), then the newest unowned one, then the newest of any."""
        records = self.live(resource)
        tiers: list[Callable[[Record], bool]] = [
            lambda rec: rec.chain == chain and rec.created,
            lambda rec: rec.chain == chain,
            lambda rec: not rec.created,
            lambda rec: True,
        ]
        for tier in tiers:
            chosen = [rec for rec in records if tier(rec)]
            if chosen:
                return max(chosen, key=lambda rec: rec.seq) if tier is not tiers[1] else chosen[0]
        return None

    def lookup(self, chain: str, seen: Seen | None = None) -> Callable[[DataPath], list[Any]]:
        """Values a `resource:$path` names, from the record `chain` is handed; each value
        handed out is noted in `seen` with its record (engine/provenance.py)."""

        def find(path: DataPath) -> list[Any]:
            resource = path.records_of
            if resource is None:
                return []
            handed = self.pick(resource, chain)
            if handed is None:
                return []
            record: Record = handed
            found = path.find(EvalContext(records=_only(record.data)))
            if not found and path.filtered:
                # a `{condition}` the handed record fails: the newest live record that passes it
                for other in sorted(self.live(resource), key=lambda rec: -rec.seq):
                    found = path.find(EvalContext(records=_only(other.data)))
                    if found:
                        record = other
                        break
            if seen is not None:
                seen.extend((value, record) for value in found)
            return found

        return find

    def records_view(self) -> Callable[[str], Sequence[Any]]:
        """All live records' data by resource, for conditions that read `<resource>:$path`."""
        return lambda name: [rec.data for rec in self.live(name)]


def is_composite(resource: Resource) -> bool:
    """`<resource-config primary-type="composite">`: all primaries together form one key."""
    config = resource.resource_config
    return config is not None and config.primary_type == "composite"


def _only(data: JsonObject) -> Callable[[str], Sequence[Any]]:
    """A Data Manager view holding this one record, whatever resource is asked for."""
    return lambda _name: [data]
