"""What an accepted write did to the run's data, and the undoing of one that should have failed.

A step's call is judged in engine/steps.py; what its answer then *changes* is kept here: the
records a create made go to the Data Manager (its chain first) and to the ledger (owed a
delete), a read's records become usable, an update changes what the record holds, a delete
removes it and frees its `<info limit>` slot. A negative case the API wrongly accepted is
undone at once (engine/undo.py). What the run made and did not see deleted is owed to the
end-of-run sweep.
"""

from __future__ import annotations

import time

from apitest.engine.body_records import extraction_config, record_keys, same_key, sent_records
from apitest.engine.effects import (
    Outcome,
    answer_content,
    created_items,
    keep_what_the_answer_shows,
    not_made_by_the_run,
    observed_of,
    read_records,
    shaped_as_another_resource,
)
from apitest.engine.http.client import Caller, Exchange
from apitest.engine.in_flight import WritesInFlight
from apitest.engine.ledger import Ledger
from apitest.engine.limit import RecordLimits
from apitest.engine.provenance import Origin
from apitest.engine.record_state import moved_on
from apitest.engine.records import DataManager, JsonObject, Record, is_composite
from apitest.engine.request import argument_text
from apitest.engine.step_state import StepRun, Unread, Written
from apitest.engine.undo import Undoer
from apitest.plan.data import DataGenerator
from apitest.plan.graph import dependency_op
from apitest.verify.verdict import Verdict, judge
from apitest.zspec.model import Catalog, Resource

Found = list[tuple[JsonObject, JsonObject]]
"""(data, keys) of each record found in an answer."""


class Bookkeeper:
    """The run's records, ledger and record caps, kept in step with what each write did."""

    def __init__(
        self,
        catalog: Catalog,
        caller: Caller,
        ledger: Ledger,
        data: DataManager,
        limits: RecordLimits,
        generator: DataGenerator,
        validated: set[str],
    ) -> None:
        self.ledger = ledger
        self.data = data
        self.limits = limits
        self.generator = generator
        self.catalog = catalog
        self.undoer = Undoer(catalog, caller, ledger, data)
        self._validated = validated
        """Ids of the write steps a read-back checks: their deletes are confirmed by it."""
        self._owed: dict[int, tuple[int, Record]] = {}
        """id(record) -> (ledger id, record): what the run created and has not seen deleted."""
        self.writes = WritesInFlight()
        """The writes under way, which a delete's read-back that finds its key waits for."""
        self._foreign: dict[tuple[int, int], bool] = {}
        """(id(resource), id(content)) -> whether a read's answer in that content holds
        another resource's records."""
        self._unread: list[Unread] = []
        """What a delete answered 2xx for with no read-back after it (a chain's cleanup of
        what it prepared), and the old keys of a record an update moved: read at the end."""

    def owed(self) -> list[tuple[int, Record]]:
        return list(self._owed.values())

    def deleted_unread(self) -> list[Unread]:
        return list(self._unread)

    def forget_owed(self) -> None:
        self._owed.clear()
        self._unread.clear()

    def apply(self, run: StepRun, exchange: Exchange, verdict: Verdict, outcome: Outcome) -> None:
        """Record what a successful call of `run` did to the data."""
        category = run.step.operation.category
        if category == "create":
            self._created(run, exchange, verdict, outcome)
        elif category == "read":
            self._read(run, exchange, verdict)
        elif category == "update" and run.record is not None:
            self._updated(run, run.record, exchange, verdict, outcome)
        elif category == "delete" and run.record is not None:
            self._deleted(run, run.record)

    def _created(
        self, run: StepRun, exchange: Exchange, verdict: Verdict, outcome: Outcome
    ) -> None:
        resource, op = run.resource, run.step.operation
        found, sent = created_items(resource, op, exchange, verdict)
        records = [(data, keys) for data, keys, _ in found]
        why = not_made_by_the_run(self.data, resource, op, exchange, records)
        if why is not None:
            if outcome.status == "passed":
                outcome.status = "error"
                outcome.message = (
                    f"{why}, so it is neither changed nor deleted; to have each run make its "
                    'own, give the properties that name it unique-for="Request[create]"'
                )
            self._wrote(run, exchange, [], sent)
            return
        origins = [
            Origin(run.step.id, exchange.call_index, exchange.body, item) for *_, item in found
        ]
        made = self.made(resource, records, run.chain_id, exchange.request.variables, origins)
        if not made and outcome.status == "passed":
            outcome.status = "failed"
            outcome.message = _nothing_made(resource, run, exchange, verdict, len(sent))
        if len(made) == len(sent):
            for record, body in zip(made, sent, strict=True):
                record.written = dict(body)
        self._wrote(run, exchange, made, sent)

    def _read(self, run: StepRun, exchange: Exchange, verdict: Verdict) -> None:
        resource, op = run.resource, run.step.operation
        content = answer_content(op, verdict, exchange)
        shape = (id(resource), id(content))
        foreign = self._foreign.get(shape)
        if foreign is None:  # asked of each read's answer: the catalog is walked once per shape
            foreign = shaped_as_another_resource(self.catalog, resource, content)
            self._foreign[shape] = foreign
        if foreign:
            return  # another resource's records: not this one's to keep
        for data, keys in read_records(resource, op, exchange, verdict):
            origin = Origin(run.step.id, exchange.call_index, exchange.body, data)
            self.data.add(
                resource.name, data, keys, chain=run.chain_id, created=False, origin=origin
            )

    def _updated(
        self, run: StepRun, record: Record, exchange: Exchange, verdict: Verdict, outcome: Outcome
    ) -> None:
        before = dict(record.data)
        sent = sent_records(exchange.request.body, run.resource, run.step.operation)
        if sent and all(record.data.get(key) == value for key, value in sent[0].items()):
            outcome.notes.append(
                "the update sent only values the record already held (example-value pins "
                "them): its check cannot tell an update that did not stick"
            )
        kept: JsonObject = {}
        if sent and run.step.operation.method.lower() == "patch":
            kept = kept_by_a_patch(record, sent[0])
        if sent:
            record.data = {**record.data, **sent[0]}
            record.written = {**record.written, **sent[0]}
        keep_what_the_answer_shows(run.resource, run.step.operation, exchange, record, verdict)
        moved_on(run.resource, record, before)
        self._moved(run, record, before)
        self._wrote(run, exchange, [record], sent, kept)

    def _moved(self, run: StepRun, record: Record, before: JsonObject) -> None:
        """An update whose body or answer gives the record other keys (a rename: Jupyter's
        PATCH `{"path": new}`) moved it: it is read back, changed and deleted by its new keys
        from now on (the ledger says so too). Left under the old keys, a correct rename failed
        its read-back and a delete of the renamed record was checked at the old key, where
        nothing was: it passed though the record was kept. Where the run made the record, its
        old keys are read at the end of the run: a rename that copied left a record there,
        which is swept and fails the update's case."""
        config = extraction_config(run.resource, run.step.operation, None)
        if config is None or not record.keys:
            return
        keys = record_keys(record.data, config.primaries)
        if all(str(keys.get(name, value)) == str(value) for name, value in record.keys.items()):
            return
        old_keys, old_address = dict(record.keys), dict(record.address)
        self.data.rekey(record, {**record.keys, **keys})
        record.address.update(
            (name, argument_text(keys[name])) for name in record.address if name in keys
        )  # the create's URL named it by the key it no longer has (`POST /users/{name}`)
        owed = self._owed.get(id(record))
        if owed is None:
            return  # not the run's: nothing owed at either keys
        self.ledger.rekeyed(owed[0], record.keys, record.data)
        old = Record(record.resource, before, old_keys, record.chain, True, 0, address=old_address)
        entry = self.ledger.created(
            record.resource, run.resource.file, old.keys, old.data, old.address
        )
        ready = time.monotonic() + run.step.operation.validation_delay / 1000
        moved = f"{run.step.operation.name}'s move of it to {record.describe()}"
        self._unread.append(Unread(entry, old, ready, run.case, after=moved))

    def _accepted(self, run: StepRun, record: Record, exchange: Exchange) -> None:
        """What a negative update the API wrongly accepted did to `record`, before it is
        restored: what its answer shows (the restore's If-Match) and, where it renamed the
        record (JupyterHub took a name its spec's regex refuses), the move, so the restore,
        the chain's later cases and the cleanup address the record where it now is. Left at
        the old name, all of them met 404: the cases passed on it, the chain's delete failed,
        and the user was left on the Hub under the new name."""
        before = dict(record.data)
        sent = sent_records(exchange.request.body, run.resource, run.step.operation)
        if sent:
            record.data = {**record.data, **sent[0]}
        keep_what_the_answer_shows(run.resource, run.step.operation, exchange, record)
        moved_on(run.resource, record, before)
        self._moved(run, record, before)

    def _wrote(
        self,
        run: StepRun,
        exchange: Exchange,
        records: list[Record],
        sent: list[JsonObject],
        kept: JsonObject | None = None,
    ) -> None:
        """What a create or update did, for its read-back; its body, for the next update."""
        uses = list(exchange.record.uses) if exchange.record else []
        run.chain.writes[run.step.id] = Written(records, sent, uses, kept or {})
        run.chain.last_body[run.resource.name] = exchange.request.body

    def _deleted(self, run: StepRun, record: Record) -> None:
        self.data.remove(record)
        cap = self.limits.cap(run.resource.name) if record.created else None
        if cap is not None:
            cap.deleted(record.chain)
        run.chain.writes[run.step.id] = Written([record])
        if run.step.id not in self._validated:
            entry = self._owed.pop(id(record), None)  # a 2xx alone proves nothing: read it back
            if entry is not None:
                ready = time.monotonic() + run.step.operation.validation_delay / 1000
                self._unread.append(Unread(entry[0], record, ready, run.case))

    def made(
        self,
        resource: Resource,
        found: Found,
        chain: str,
        address: dict[str, str],
        origins: list[Origin] | None = None,
    ) -> list[Record]:
        """Records the run created: handed to their chain first, owed a delete (the ledger);
        `address`, the URL variables of the create that made them (`Record.address`);
        `origins` says where in which answer each was found (for replays)."""
        made = []
        for index, (data, keys) in enumerate(found):
            origin = origins[index] if origins is not None else None
            rec = self.data.add(
                resource.name, data, keys, chain=chain, created=True, origin=origin,
                address=address,
            )  # fmt: skip
            entry = self.ledger.created(resource.name, resource.file, keys, data, address)
            self._owed[id(rec)] = (entry, rec)
            made.append(rec)
        return made

    def keep_for_cleanup(self, run: StepRun, exchange: Exchange) -> None:
        """A create whose answer was damaged may still have created: what keys can be read
        from the answer go to the ledger, so the sweep deletes them."""
        if isinstance(exchange.body, dict):
            verdict = judge(run.step.operation, observed_of(exchange), "success")
            self.apply(run, exchange, verdict, Outcome("error"))

    def given_again(self, record: Record) -> bool:
        """Whether a record the run created after `record` was given `record`'s key: a read
        after `record`'s delete that finds that key found the newer record, and the key given
        again says the API had freed it, so the delete took. SQLite's rowids are the highest
        plus one: a delete read back while another chain created passed or failed on the
        timing (fastapi-users)."""
        owed = self._owed.get(id(record))
        if owed is None:
            return False
        entry_id = owed[0]
        resource = self.catalog.resource(record.resource)
        composite = resource is not None and is_composite(resource)
        return any(
            same_key(record.keys, keys, composite=composite)
            for keys in self.ledger.keys_made_after(entry_id, record.resource)
        )

    def confirm_deleted(self, record: Record) -> None:
        entry = self._owed.pop(id(record), None)
        if entry is not None:
            self.ledger.deleted(entry[0])

    async def undo(
        self, run: StepRun, exchange: Exchange, verdict: Verdict, outcome: Outcome
    ) -> None:
        """Undo a negative case's accepted write at once (engine/undo.py); the case keeps the
        calls that did it and says what became of the record."""
        resource, op, chain_id, record = run.resource, run.step.operation, run.chain_id, run.record
        generator = self.generator.child(f"{run.step.id}/undo")
        violation = run.step.violation
        # a URL that held a made-up key: the chain's record was never addressed
        elsewhere = (
            violation is not None and violation.location == "variable" and op.category != "create"
        )
        if op.category == "create" or elsewhere:
            undone = await self.undoer.created(
                resource, op, exchange, verdict, chain_id, run.step.id, elsewhere=elsewhere
            )
        elif op.category == "update" and record is not None:
            self._accepted(run, record, exchange)
            before = dict(record.data)
            undone = await self.undoer.updated(resource, op, record, generator, chain_id)
            self._moved(run, record, before)  # the restore may name it anew too
        elif op.category == "delete" and record is not None:
            kept, undone = await self.undoer.kept(resource, op, record, generator.child("read"))
            if not kept:
                self.apply(run, exchange, verdict, outcome)  # it is gone
                made = await self.undoer.replaced(resource, generator, chain_id)
                undone.calls.extend(made.calls)
                undone.notes.extend(made.notes)
                self.made(resource, made.made, chain_id, made.made_at)
                create = dependency_op(resource, "create")
                if made.made and create is not None:
                    run.chain.ready_at = time.monotonic() + create.validation_delay / 1000
        else:
            return
        run.case.calls.extend(undone.calls)
        outcome.notes.extend(undone.notes)
        for entry, leftover in undone.leftovers:
            self._owed[id(leftover)] = (entry, leftover)


def kept_by_a_patch(record: Record, sent: JsonObject) -> JsonObject:
    """What a PATCH that sends `sent` must leave as it was: each member the run wrote earlier
    and has read back since (a password no read shows is not asked for), not sent now. A PATCH
    that replaced the record (json-server 1's, planted) dropped them, and the read-back, which
    compared only what was sent, passed it."""
    return {
        name: record.data[name]
        for name in record.written
        if name not in sent and name in record.shown and record.data.get(name) is not None
    }


def _nothing_made(
    resource: Resource, run: StepRun, exchange: Exchange, verdict: Verdict, sent: int
) -> str:
    """Why a create's answer gave no record: none found, or more than the create sent."""
    op = run.step.operation
    listed = len(read_records(resource, op, exchange, verdict))
    if listed:
        return (
            f"{op.name} answered {exchange.status} with {listed} records for the {max(1, sent)} "
            "it sent: none is taken as made by it (the run never deletes data it did not make)"
        )
    if not exchange.raw.strip() and not exchange.headers.get("location"):
        return (
            f"{op.name} answered {exchange.status} with no body and no Location header: "
            "nothing in the answer shows a record it made"
        )  # no path-config could find one: pointing there sent readers the wrong way
    return (
        f"{op.name} answered {exchange.status} but no created record was found in the "
        "answer (check the response's path-config data-extraction-path and primary)"
    )
