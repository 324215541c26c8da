"""Undoing a write the API should have refused: the record a negative case made, or broke.

An API that validates nothing accepts a negative case's invalid record. Left in place until the
end of the run, it fails cases that are not about it: a positive list read meets `views: null`,
and json-server answers 500 to every DELETE of a post once a comment holds `postId: null`. The
failure belongs to the negative case that caused it, so what it did is undone at once, while the
step runner (engine/steps.py) still holds its resources apart from every other case
(engine/sync.py "trial"):

- a record it created is deleted and read back (the cleanup sweep's own steps), and never
  enters the Data Manager, so no other case is handed it; so is one an update stored at the
  made-up key of an InvalidValueInURLPath case (an upserting PUT), whose chain's record the
  call never addressed;
- a record it updated is restored with a valid update (the positive body for the same keys);
  it stays its chain's, for the negative cases that follow;
- a record it deleted is replaced by a new one (the resource's create, positive body), so the
  negative cases that follow still address a record that exists: without it, each would get
  a 404 for a record long gone, and pass for the wrong reason. Whether it deleted is asked of
  the callback read first: a record still there stays its chain's, and owed a delete.

What cannot be undone is said on the negative case and left to the end-of-run sweep.
(issue 18, item 4)
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field
from typing import Any

from apitest.engine.body_records import sent_records
from apitest.engine.cleanup import read_back, refresh, sweep
from apitest.engine.effects import (
    created_items,
    created_records,
    keep_what_the_answer_shows,
    not_made_by_the_run,
    observed_of,
    read_records,
)
from apitest.engine.http.client import Caller, Exchange
from apitest.engine.ledger import Ledger
from apitest.engine.provenance import Origin
from apitest.engine.record_state import lacking, moved_on, taken_from_record
from apitest.engine.records import DataManager, Record
from apitest.engine.request import NotApplicable, build_request
from apitest.plan.data import DataGenerator, NoRecordError
from apitest.plan.graph import dependency_op
from apitest.results import HttpRecord
from apitest.verify.verdict import Verdict, judge
from apitest.zspec.model import Catalog, Operation, Resource


@dataclass
class Undone:
    """What undoing did: notes for the case, the calls it made, what is left for the sweep."""

    notes: list[str] = field(default_factory=list)
    calls: list[HttpRecord] = field(default_factory=list)
    leftovers: list[tuple[int, Record]] = field(default_factory=list)
    """(ledger entry, record) the immediate delete did not remove: the end sweep tries again."""
    made: list[tuple[dict[str, Any], dict[str, Any]]] = field(default_factory=list)
    """(data, keys) of records made to replace one a negative case deleted."""
    made_at: dict[str, str] = field(default_factory=dict)
    """The URL variables of the create that made them (`Record.address`)."""


@dataclass(frozen=True)
class Undoer:
    """The run's means of undoing: its catalog, caller (which knows the target), ledger and
    Data Manager."""

    catalog: Catalog
    caller: Caller
    ledger: Ledger
    data: DataManager

    async def created(
        self,
        resource: Resource,
        op: Operation,
        exchange: Exchange,
        verdict: Verdict,
        chain: str,
        case_id: str,
        *,
        elsewhere: bool = False,
    ) -> Undone:
        """Delete, and read back, each record a wrongly accepted create made. Each record
        knows the answer it came from (call `exchange.call_index` of `case_id`), so the delete
        notes where its key came from: a replay of the case deletes what it made the same way
        (report/_replay_chain.py).

        `elsewhere`: a write accepted at a made-up URL key, which left the chain's record
        alone. An update whose answer shows a record made one there (an upserting PUT:
        Kinto's 201), deleted at once like a wrongly created one; restoring the chain's record
        would leave it behind."""
        items, _sent = created_items(resource, op, exchange, verdict)
        if elsewhere and (op.category != "update" or not items):
            note = "its URL named no record of this run, so none of the run's was changed"
            return Undone(notes=[note])
        undone = Undone()
        found = [(data, keys) for data, keys, _item in items]
        why = not_made_by_the_run(self.data, resource, op, exchange, found)
        if why is not None:
            undone.notes.append(
                f"{why}, so it is not deleted (the run never deletes data it did not make)"
            )
            return undone
        pairs = []
        address = exchange.request.variables
        for data, keys, item in items:
            entry = self.ledger.created(resource.name, resource.file, keys, data, address)
            origin = Origin(case_id, exchange.call_index, exchange.body, item)
            record = Record(
                resource.name, data, keys, chain, True, 0, origin=origin, address=dict(address)
            )
            pairs.append((entry, record))
        if not pairs and read_records(resource, op, exchange, verdict):
            undone.notes.append(
                "its answer listed more records than it sent: none is taken as made by it, "
                "so none is deleted (the run never deletes data it did not make)"
            )
            return undone
        if not pairs:
            undone.notes.append(
                f"no record could be found in its answer to delete at once (check {op.name}'s "
                "path-config): the end-of-run sweep cannot delete it either"
            )
            return undone
        for entry, record in pairs:  # one at a time: a create nearly always makes one record
            cases, lines = await sweep(
                [(entry, record)], self.catalog, self.caller, self.ledger.deleted
            )
            for case in cases:
                undone.calls.extend(case.calls)
            if cases and cases[0].status == "passed":
                undone.notes.append(f"the record it made was removed at once: {lines[0]}")
            else:
                undone.notes.append(f"the record it made could not be removed at once: {lines[0]}")
                if cases:
                    undone.leftovers.append((entry, record))
        return undone

    async def updated(
        self,
        resource: Resource,
        op: Operation,
        record: Record,
        generator: DataGenerator,
        chain: str,
    ) -> Undone:
        """Restore a record a wrongly accepted update broke, with a valid update of its keys."""
        undone = Undone()
        why = "the record it changed could not be restored"
        missing = lacking(record, taken_from_record(resource, op))
        if missing:  # the accepted write moved its ETag on: the restore sends the new one
            fresh = generator.child("fresh")
            await refresh(resource, record, missing, self.caller, fresh, undone.calls)
        before = dict(record.data)
        exchange = await self._valid_call(resource, op, generator, chain, record, undone, why)
        if exchange is None:
            return undone
        if exchange.status is not None and 200 <= exchange.status < 300:
            sent = sent_records(exchange.request.body, resource, op)
            if sent:
                record.data = {**record.data, **sent[0]}
            keep_what_the_answer_shows(resource, op, exchange, record)
            moved_on(resource, record, before)
            undone.notes.append(
                f"the {record.describe()} it changed was restored at once with a valid "
                f"{op.name} (answered {exchange.status})"
            )
        else:
            answer = exchange.error or f"answered {exchange.status}"
            undone.notes.append(
                f"the {record.describe()} it changed could not be restored ({op.name} {answer}): "
                "later cases of its chain may meet the invalid data"
            )
        return undone

    async def kept(
        self, resource: Resource, op: Operation, record: Record, generator: DataGenerator
    ) -> tuple[bool, Undone]:
        """Whether a wrongly accepted delete left its record in place, as the callback read
        finds it (after the delete's validation-delay). An API may answer 2xx to a delete it
        did not carry out (moto's DeleteItem of a key of the wrong type): taking the record
        for gone struck it from the ledger, and the run left it behind."""
        undone = Undone()
        await asyncio.sleep(op.validation_delay / 1000)
        state, _why = await read_back(resource, record, self.caller, generator, undone.calls)
        if state != "there":
            return False, undone
        undone.notes.append(
            f"the {record.describe()} it was to delete is still there, as reading it back "
            "shows: it stays its chain's, and the run deletes it at the end"
        )
        return True, undone

    async def replaced(self, resource: Resource, generator: DataGenerator, chain: str) -> Undone:
        """A new record in place of one a wrongly accepted delete removed."""
        undone = Undone()
        create = dependency_op(resource, "create")
        if create is None:
            undone.notes.append(
                f"no create operation is declared to replace the {resource.name} record it "
                "deleted: the cases that follow have none to address"
            )
            return undone
        why = "the record it deleted could not be replaced"
        exchange = await self._valid_call(resource, create, generator, chain, None, undone, why)
        if exchange is None:
            return undone
        if exchange.status is None or not 200 <= exchange.status < 300:
            answer = exchange.error or f"answered {exchange.status}"
            undone.notes.append(
                f"the record it deleted could not be replaced ({create.name} {answer})"
            )
            return undone
        verdict = judge(create, observed_of(exchange), "success")
        undone.made, _sent = created_records(resource, create, exchange, verdict)
        undone.made_at = exchange.request.variables
        made = ", ".join(Record(resource.name, {}, keys, chain, True, 0).describe()
                         for _data, keys in undone.made)  # fmt: skip
        undone.notes.append(
            f"the record it deleted was replaced at once, for the cases that follow: {made}"
            if made
            else f"{create.name} answered {exchange.status}, but no new record was found in it"
        )
        return undone

    async def _valid_call(
        self,
        resource: Resource,
        op: Operation,
        generator: DataGenerator,
        chain: str,
        record: Record | None,
        undone: Undone,
        failing: str,
    ) -> Exchange | None:
        """`op` with a valid (positive) request, its call kept in `undone`; None, with
        `failing` and the reason in its notes, when no such request can be built."""
        try:
            lookup = self.data.lookup(chain)
            built = build_request(
                resource, op, generator, lookup,
                keys=record.keys if record is not None else None,
                address=record.address if record is not None else None,
            )  # fmt: skip
        except (NoRecordError, NotApplicable) as exc:
            undone.notes.append(f"{failing}: {exc}")
            return None
        exchange = await self.caller.call(resource, op, built.request)
        if exchange.record is not None:
            undone.calls.append(exchange.record)
        return exchange
