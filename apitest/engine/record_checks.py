"""The checks of a record read back: whether a write stuck, or a delete took.

An operation validation (engine/validation.py) and the end sweep (engine/cleanup.py) read a
record back and judge it (ZSPEC.md section 6); engine/effects.py says what an answer makes,
reads and keeps. Kept apart because these checks judge the record, not the answer's effect on
the run's records, and say in their messages how to mend the spec.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from apitest.engine.body_records import extraction_config
from apitest.engine.effects import (
    Outcome,
    answer_content,
    observed_of,
    read_records,
    record_structure,
    records_like,
    records_read,
)
from apitest.engine.http.client import Exchange
from apitest.engine.records import Record, is_composite
from apitest.engine.shown import unshown_by
from apitest.plan.record_keys import needs_own_record
from apitest.verify.compare import (
    compare_record,
    held_values,
    marked_changes,
    nested_holder,
    uploads_shown,
)
from apitest.verify.verdict import Verdict, judge
from apitest.zspec.model import Operation, Resource, Structure


def check_record(
    resource: Resource,
    op: Operation,
    exchange: Exchange,
    record: Record,
    sent: dict[str, Any],
    *,
    strict: bool,
    records_view: Any,
    references: Mapping[str, str] | None = None,
) -> Outcome:
    """The callback read after a create or update: the record is there and holds what was
    sent; `references` (`compare.reference_keys` of the write's request) as compare_record
    takes them."""
    verdict = judge(op, observed_of(exchange), "success", strict=strict, records=records_view)
    structure = record_structure(resource)
    sent = _set_by_the_write(sent, structure, resource.name)
    unshown = unshown_by(sent, resource, op, answer_content(op, verdict, exchange), structure)
    if unshown:
        sent = {name: value for name, value in sent.items() if name not in unshown}
    if not verdict.passed:
        held = held_values(sent, None, structure, references)
        message = verdict.message
        if exchange.status in GONE_STATUSES and needs_own_record(resource, op):
            message = (
                f"the {record.describe()} the write made or changed is not there ({op.name} "
                f"answered {exchange.status}: {message})"
            )  # "expected a 2xx success, got 404" named the status, not the lost record
        return Outcome("failed", message, list(verdict.details), list(verdict.notes), held)
    found = records_read(resource, op, exchange, verdict, record)
    held = held_values(sent, found[0] if found else None, structure, references)
    if not found:
        return Outcome(
            "failed",
            f"the read answer holds no {record.describe()}",
            notes=list(verdict.notes),
            held=held,
            absent=not needs_own_record(resource, op),
        )
    differences = compare_record(sent, found[0], structure, "$", references)
    if differences:
        more = f" (and {len(differences) - 1} more)" if len(differences) > 1 else ""
        return Outcome(
            "failed",
            f"the write did not stick: {differences[0]}{more}",
            [*differences, *_envelope_hint(resource, op, exchange, verdict, sent, found[0])],
            list(verdict.notes),
            held,
            read=found[0],
        )
    notes = list(verdict.notes)
    if unshown:
        notes.append(
            f"not compared: {', '.join(unshown)}, which {op.name}'s answer does not show (the "
            "structure of its records leaves them out)"
        )
    uploads = uploads_shown(sent, structure)
    if uploads:
        notes.append(
            f"the upload ({', '.join(uploads)}) is shown, but its content was not compared: an "
            "API shows an upload as its own (a URL, a name)"
        )
    return Outcome("passed", notes=notes, held=held, read=found[0])


def _envelope_hint(
    resource: Resource,
    op: Operation,
    exchange: Exchange,
    verdict: Verdict,
    sent: dict[str, Any],
    read: dict[str, Any],
) -> list[str]:
    """Where the properties the read record lacks all stand one level down in it, that place
    as the data-extraction-path that would reach them; nothing otherwise."""
    missing = {name: value for name, value in sent.items() if name not in read}
    holder = nested_holder(missing, read, record_structure(resource))
    if holder is None:
        return []
    path = _path_in_answer(resource, op, exchange, verdict, holder)
    return [
        f"the read record holds {', '.join(missing)} under {holder}: if the record is there, "
        f'say so with data-extraction-path="{path}" (resource-config\'s path-config; a create '
        "whose answer holds the key beside it says where with its own <path-config>, "
        "docs/zspec.md#path-config)"
    ]


def _path_in_answer(
    resource: Resource, op: Operation, exchange: Exchange, verdict: Verdict, name: str
) -> str:
    """The JSONPath of the record's member `name` in the answer of `op` (its
    data-extraction-path, then `name`); `$..name` where that path is no plain list of fields."""
    config = extraction_config(resource, op, answer_content(op, verdict, exchange))
    where = config.data_extraction_path if config is not None else None
    steps = where.fields if where is not None else ()
    return "$." + ".".join((*steps, name)) if steps is not None else f"$..{name}"


def _set_by_the_write(
    sent: dict[str, Any], structure: Structure | None, resource: str
) -> dict[str, Any]:
    """What the write sets, which the read must show. A value the request takes from the
    record itself (`path="books:$._rev"`) is not: it names the record, or the version the
    write is based on (CouchDB's `_rev`, an optimistic lock's `version`), which the server
    moves on with the write; demanding it back failed every such update of a correct API."""
    if structure is None:
        return sent
    own = {prop.name for prop in structure.properties if prop.name and prop.records_of == resource}
    return {key: value for key, value in sent.items() if key not in own} if own else sent


GONE_STATUSES = (404, 410)
"""The answers that say a record is not there (ZSPEC.md section 6: gone is a 404, or absent
from the list)."""


def check_gone(
    resource: Resource,
    op: Operation,
    exchange: Exchange,
    record: Record,
    *,
    strict: bool,
    records_view: Any,
) -> Outcome:
    """The callback read after a delete: an error answer (404), or a list without the record.
    The record is still there when the answer holds it as a read-back would find it, so a read
    by key answered with one record that shows no key (SQS's GetQueueAttributes) is the record
    too: taking that answer for "gone" passed a delete that deleted nothing."""
    observed = observed_of(exchange)
    as_error = judge(op, observed, "error", strict=strict, records=records_view)
    if as_error.passed:
        return Outcome("passed", notes=list(as_error.notes))
    if as_error.is_error:  # an error, but not one the spec declares in that shape
        return Outcome(
            "failed", as_error.message, list(as_error.details), list(as_error.notes),
            gone=exchange.status in GONE_STATUSES,
        )  # fmt: skip
    verdict = judge(op, observed, "success", strict=strict, records=records_view)
    if not verdict.passed:  # still there is the news, if its key shows: the shape comes next
        keyed = records_like(
            record, read_records(resource, op, exchange, verdict), is_composite(resource)
        )
        if not keyed:
            return Outcome(
                "failed", verdict.message, list(verdict.details), list(verdict.notes),
                unsure=True,
            )  # fmt: skip
        return Outcome(
            "failed",
            f"the {record.describe()} is still there after the delete ({op.name} answered "
            f"{exchange.status} with it, and {verdict.message})",
            list(verdict.details),
            list(verdict.notes),
            still_there=True,
        )
    found = records_read(resource, op, exchange, verdict, record)
    if found:
        hint = _soft_delete_hint(resource, op, exchange, verdict, record, found[0])
        return Outcome(
            "failed",
            f"the {record.describe()} is still there after the delete "
            f"({op.name} answered {exchange.status} with it)",
            notes=[*verdict.notes, *hint],
            still_there=True,
        )
    return Outcome("passed", notes=list(verdict.notes), absent=not needs_own_record(resource, op))


def _soft_delete_hint(
    resource: Resource,
    op: Operation,
    exchange: Exchange,
    verdict: Verdict,
    record: Record,
    found: dict[str, Any],
) -> list[str]:
    """How to say so where the record still read may be deleted softly (MLflow's
    `"lifecycle_stage": "deleted"`): the official `<error condition>` on the read's answer,
    written for the field the delete changed. Nothing where no such field changed."""
    changes = marked_changes(record.data, found)
    if not changes:
        return []
    name, now = changes[0]
    path = _path_in_answer(resource, op, exchange, verdict, name)
    literal = ("true" if now else "false") if isinstance(now, bool) else f"'{now}'"
    return [
        f"{name} now reads {literal}: if the API deletes softly, keeping the record so marked, "
        f"say so on {op.name}'s answer with "
        f'<error condition="RESPONSE:{path} == {literal}"/> (docs/zspec.md#error)'
    ]
