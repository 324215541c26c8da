"""What a call's answer means for the run's records.

Kept apart from scheduling: engine/chains.py and engine/steps.py decide *when* a step runs,
this module decides what its answer *does* (records created, read, updated or deleted; ledger
lines). How an operation validation judges the record it reads back (ZSPEC.md section 6) is
engine/record_checks.py's.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from apitest.engine.body_records import extract, extraction_config, same_key, sent_records
from apitest.engine.created_keys import each_named_by_the_body, keys_named_by_the_call, keys_sent
from apitest.engine.http.client import Exchange
from apitest.engine.provenance import Seen
from apitest.engine.records import DataManager, Record, is_composite
from apitest.plan.record_keys import needs_own_record
from apitest.verify.compare import WHOLE_BODY
from apitest.verify.shape import RawBody
from apitest.verify.verdict import Observed, Verdict, judge, pick_content
from apitest.zspec.conditions import DataPath, EvalContext
from apitest.zspec.model import Catalog, Content, Operation, PathConfig, Resource, Structure
from apitest.zspec.text_bodies import text_value_property


@dataclass
class Outcome:
    """A step's verdict in report terms."""

    status: str  # passed | failed | error | skipped
    message: str = ""
    details: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    held: dict[str, Any] | None = None
    """For a read-back check: what the record should hold (compare.held_values)."""
    gone: bool = False
    """For the read after a delete: it answered 404 or 410, so the record is gone, whatever
    the check says of the answer's body (a malformed error fails the case, not the delete)."""
    read: dict[str, Any] | None = None
    """For a read-back that found the record: the record as the server now holds it."""
    absent: bool = False
    """For a read-back by a list read (one that does not ask for the record by its key): the
    answer was a list without the record, so another page of it may hold it (engine/paging)."""
    unsure: bool = False
    """For the read after a delete: a success answer that broke its declared shape and shows
    no record by its key (a 404 answered 200 `{"message": null}`), so it says neither that
    the record is there nor that it is gone. The case fails on the shape; the sweep cannot
    tell, and said the record NOT deleted when its own delete had found it gone (404)."""
    still_there: bool = False
    """For the read after a delete: the answer holds a record by the deleted one's key."""


def observed_of(exchange: Exchange) -> Observed:
    assert exchange.status is not None
    return Observed(
        exchange.status,
        exchange.headers,
        exchange.body,
        exchange.content_type,
        request_body=exchange.request.body,
        params=exchange.request.params,
        request_headers=exchange.request.headers,
        url=exchange.request.url,
    )


def server_fault(op: Operation, exchange: Exchange) -> str | None:
    """A fault of the server rather than a verdict on the API's behaviour (the case becomes
    an error, not a failure): a 5xx the spec does not declare, or a body that claims to be
    JSON and is not."""
    status = exchange.status
    if status is not None and status >= 500 and op.response_for(status) is None:
        return f"the server failed: {status} (not a status {op.name} declares)"
    media = exchange.content_type or ""
    if isinstance(exchange.body, RawBody) and "json" in media:
        head = exchange.body.text[:60].replace("\n", " ")
        return f"the answer is not valid JSON though its content type is {media}: {head!r}"
    return None


def answer_content(op: Operation, verdict: Verdict, exchange: Exchange) -> Content | None:
    if verdict.response is None:
        return None
    return pick_content(verdict.response, exchange.content_type)


def record_structure(resource: Resource) -> Structure | None:
    config = resource.resource_config
    if config is None or not config.primary_structure:
        return None
    return resource.components.structures.get(config.primary_structure)


def shaped_as_another_resource(
    catalog: Catalog, resource: Resource, content: Content | None
) -> bool:
    """Whether an answer is shaped as another resource's records and not as this one's (a
    LoopBack relation read, GET /Pets/{id}/owner, answers the owner as `owners.owner`): its
    records are not this resource's, and filed as a pet the owner overwrote the pet of the
    same id. Structures are told apart by where they are declared."""
    shapes = _structures_in(content.structure, 0) if content is not None else []
    own = record_structure(resource)
    if not shapes or (own is not None and own.loc in {shape.loc for shape in shapes}):
        return False
    others = {
        shape.loc
        for other in catalog.resources
        if other is not resource and (shape := record_structure(other)) is not None
    }
    return any(shape.loc in others for shape in shapes)


def _structures_in(structure: Structure | None, depth: int) -> list[Structure]:
    """`structure` and those its properties nest (a list of records: a collections property)."""
    if structure is None or depth > 3:
        return []
    found = [structure]
    for prop in structure.properties:
        found += _structures_in(prop.structure, depth + 1)
    return found


def lookup_with(record: Record, data: DataManager, chain: str, seen: Seen | None = None) -> Any:
    """A Data Manager lookup where `record`'s resource answers from `record` itself (a
    validation reads back the very record its write touched, even one just deleted)."""
    base = data.lookup(chain, seen)

    def find(path: DataPath) -> list[Any]:
        if path.records_of == record.resource:
            found = path.find(EvalContext(records=lambda _name: [record.data]))
            if seen is not None:
                seen.extend((value, record) for value in found)
            return found
        return base(path)

    return find


Found = list[tuple[dict[str, Any], dict[str, Any], dict[str, Any]]]
"""(record data, keys, the record's object in the answer) per record."""


def created_records(
    resource: Resource, op: Operation, exchange: Exchange, verdict: Verdict
) -> tuple[list[tuple[dict[str, Any], dict[str, Any]]], list[dict[str, Any]]]:
    """(record data, keys) for each record a create made, and the records it sent."""
    found, sent = created_items(resource, op, exchange, verdict)
    return [(data, keys) for data, keys, _item in found], sent


def created_items(
    resource: Resource, op: Operation, exchange: Exchange, verdict: Verdict
) -> tuple[Found, list[dict[str, Any]]]:
    """As `created_records`, with each record's own object in the answer (for provenance).

    A create makes the records it sends (one, where its body shows none, or each its body
    names by its keys): an answer that holds more lists records the run did not make (a
    collection answered for a lost create), so none of them is taken as made, or the cleanup
    would delete the API's own data."""
    config = extraction_config(resource, op, answer_content(op, verdict, exchange))
    body = exchange.body if not isinstance(exchange.body, RawBody) else None
    sent = sent_records(exchange.request.body, resource, op)
    items = extract(body, config)
    if len(items) > max(1, len(sent)) and not each_named_by_the_body(items, exchange.request.body):
        return [], sent
    named = keys_named(resource, op, config, exchange, sent)
    if not items and named and len(sent) <= 1:
        items = [({}, {})]  # an empty answer: its URL, Location or body named the one record
    found: Found = []
    for index, (item, keys) in enumerate(items):
        base = sent[index] if index < len(sent) else {}
        data = {**base, **item}
        for field_name, key, value in named if len(items) == 1 else ():
            if key not in keys:
                keys = {**keys, key: value}
                if data.get(field_name) is None:  # over a null it sent, what names it now
                    data[field_name] = value
        found.append((data, keys, item))
    return found, sent


def keys_named(
    resource: Resource,
    op: Operation,
    config: PathConfig | None,
    exchange: Exchange,
    sent: list[dict[str, Any]],
) -> list[tuple[str, str, Any]]:
    """(record field, key name, value) of each key the create names itself: its URL, else
    its answer's Location, else the record its body sent (created_keys)."""
    by_call = keys_named_by_the_call(resource, op, config, exchange, record_structure(resource))
    return by_call or keys_sent(config, sent)


def not_made_by_the_run(
    data: DataManager,
    resource: Resource,
    op: Operation,
    exchange: Exchange,
    found: list[tuple[dict[str, Any], dict[str, Any]]],
) -> str | None:
    """Why a create's answer names no record this run made, where it does not: answered with
    another success the create declares beside its 201 (Prefect answers 200 with the flow it
    holds under the name sent, Jupyter 200 "saved" over a file that was there), or with a
    record this run made before. Taken as made, a flow that existed before the run was updated
    and then deleted, one made once was deleted twice, and an accepted negative upload's undo
    deleted a user's file. None where the answer holds no record: `_nothing_made` says so."""
    declared = {response.status for response in op.responses}
    answered = exchange.status != 201 and exchange.status in declared
    if found and answered and 201 in declared:
        return (
            f"{op.name} answered {exchange.status}, not the 201 it declares for a record it "
            "makes: the record in the answer is not taken as this run's"
        )
    for record_data, keys in found:
        earlier = data.made_before(resource.name, keys, record_data)
        if earlier is not None:
            return f"{op.name} answered with the {earlier.describe()}, which this run made before"
    return None


def read_records(
    resource: Resource, op: Operation, exchange: Exchange, verdict: Verdict
) -> list[tuple[dict[str, Any], dict[str, Any]]]:
    """(record, keys) for each record a read answered. A body that is one value of plain
    text (S3's GetObject) is one record holding that text, and no key."""
    content = answer_content(op, verdict, exchange)
    if isinstance(exchange.body, RawBody) and text_value_property(content) is not None:
        return [({WHOLE_BODY: exchange.body.text}, {})]
    body = exchange.body if not isinstance(exchange.body, RawBody) else None
    return extract(body, extraction_config(resource, op, content))


def held_by(
    resource: Resource,
    op: Operation,
    exchange: Exchange,
    record: Record,
    verdict: Verdict | None = None,
) -> dict[str, Any] | None:
    """What a successful answer holds of `record` (found by its keys), or None. `verdict`:
    the answer's, where the caller has judged it already (judging costs a shape check)."""
    if verdict is None:
        verdict = judge(op, observed_of(exchange), "success")
    found = records_read(resource, op, exchange, verdict, record)
    return found[0] if found else None


def keep_what_the_answer_shows(
    resource: Resource,
    op: Operation,
    exchange: Exchange,
    record: Record,
    verdict: Verdict | None = None,
) -> None:
    """`record` as an update's answer shows it, over what the run knew: the server's latest
    version, which later calls of the chain take their values from. Eve answers each update
    with the record's new `_etag`, the next write's If-Match; taken from read-backs alone, a
    wrongly accepted update left the stale one, its restore met 412, and every later case of
    the chain passed on that 412. `verdict`: the answer's, where the caller has it."""
    shown = held_by(resource, op, exchange, record, verdict)
    if shown is not None:
        record.data = {**record.data, **shown}


def records_read(
    resource: Resource, op: Operation, exchange: Exchange, verdict: Verdict, record: Record
) -> list[dict[str, Any]]:
    """The records of a read answer that are `record`: those carrying its keys; else, where
    the read asked for the record by its key (`GET /notes/{id}`, SQS's GetQueueAttributes
    with its QueueUrl) and the answer is one record that shows no key, that one (an empty
    object is no record: some APIs answer `{}` for an unknown key). An API need not echo the
    key it was asked by, and a correct one failed "the read answer holds no record" for
    every write."""
    items = read_records(resource, op, exchange, verdict)
    found = records_like(record, items, is_composite(resource))
    one = items[0] if len(items) == 1 else None
    if not found and one is not None and one[0] and not one[1] and needs_own_record(resource, op):
        return [items[0][0]]
    return found


def records_like(
    record: Record, found: list[tuple[dict[str, Any], dict[str, Any]]], composite: bool = False
) -> list[dict[str, Any]]:
    """The read records that carry `record`'s keys."""
    return [item for item, keys in found if same_key(record.keys, keys, composite=composite)]
