"""Values a call takes from its own record that the API moves on with each write: an ETag for
If-Match (Roundup's `@etag`, Eve's `_etag`), a revision (CouchDB's `_rev`).

The Data Manager holds what the run last saw of a record. Where a write's answer does not show
such a value's new form (Roundup answers an update with what changed, no `@etag`) or no answer
ever showed it (a record its create answered with its id alone), the next call that takes it
would send a stale or no value: Roundup refused the delete after an update 412, and the run
skipped the writes of a record no item read had fetched and left it on the server. Such a call
reads its record again first, through a read that shows the value (`plan/graph.reads_by_key`).
"""

from __future__ import annotations

from apitest.engine.records import JsonObject, Record
from apitest.zspec.model import Operation, Resource


def taken_from_record(resource: Resource, op: Operation) -> frozenset[str]:
    """The members of its own record whose values `op` sends in a header or parameter (the
    first step of each `resource:$...` path there): what a write moves on."""
    members = set()
    for arg in op.arguments:
        prop = arg.value_property
        if arg.location not in ("header", "param") or prop is None or prop.path is None:
            continue
        fields = prop.path.fields
        if prop.records_of == resource.name and fields:
            members.add(fields[0])
    return frozenset(members)


def state_of(resource: Resource) -> frozenset[str]:
    """Every member some write of `resource` takes from its record."""
    return frozenset().union(
        *(taken_from_record(resource, op) for op in resource.operations if op.category != "read")
    )


def moved_on(resource: Resource, record: Record, before: JsonObject) -> None:
    """After a write to `record`: its state members that the write's answer did not give anew
    (same value as `before`) are stale."""
    unchanged = {name for name in state_of(resource) if record.data.get(name) == before.get(name)}
    record.stale = record.stale | unchanged


def lacking(record: Record, members: frozenset[str]) -> list[str]:
    """The members a call takes from `record` that the run does not hold, or holds stale."""
    return sorted(name for name in members if record.data.get(name) is None or name in record.stale)
