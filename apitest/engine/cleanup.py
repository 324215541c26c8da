"""Deleting what a run created and did not see deleted: the end-of-run sweep and `apitest cleanup`.

Newest first, so a trip goes before the destination it points at. Each deletion is tried
whatever happened to the one before: one stubborn record must not leave the others behind.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any, Literal

from apitest.engine.effects import Outcome, held_by, lookup_with
from apitest.engine.eventually import poll
from apitest.engine.http.client import Caller, Exchange, Request
from apitest.engine.paging import held_to_what_the_list_shows, read_through_pages
from apitest.engine.provenance import Seen, uses_of
from apitest.engine.record_checks import GONE_STATUSES, check_gone
from apitest.engine.records import DataManager, Record
from apitest.engine.request import Built, NoKeyError, build_request
from apitest.engine.step_state import Unread
from apitest.plan.data import DataGenerator, NoRecordError
from apitest.plan.graph import callback_read, dependency_op, reads_by_key
from apitest.results import CaseResult, HttpRecord
from apitest.zspec.conditions import DataPath
from apitest.zspec.model import Catalog, Operation, Resource


async def sweep(
    records: Iterable[tuple[int, Record]],
    catalog: Catalog,
    caller: Caller,
    on_deleted: Callable[[int], None],
    started: float | None = None,
) -> tuple[list[CaseResult], list[str]]:
    """Delete each (ledger id, record), newest first, then read each back (after the longest
    validation-delay, once for all) and confirm only what is really gone; returns the cases and
    one line per record."""
    t0 = time.monotonic() if started is None else started
    generator = DataGenerator(0, "cleanup")
    lines: list[str] = []
    attempted: list[_Attempt] = []
    for entry, record in sorted(records, key=lambda pair: -pair[0]):
        resource = catalog.resource(record.resource)
        delete = dependency_op(resource, "delete") if resource is not None else None
        if resource is None or delete is None:
            lines.append(f"{record.describe()} left: no delete operation is declared for it")
            continue
        attempt = _Attempt(entry, record, resource, delete, _case(entry, resource, delete))
        await _delete(attempt, caller, generator, t0)
        attempted.append(attempt)
    answered = [a for a in attempted if a.case.http_status is not None]
    waits = [a.delete.validation_delay for a in answered]
    if waits:
        await asyncio.sleep(max(waits) / 1000)
    for attempt in attempted:
        if attempt.case.status == "passed":
            await _confirm(attempt, caller, generator)
        elif attempt.case.http_status is not None:
            await _read_back_refused(attempt, caller, generator)
        if attempt.case.status == "passed":
            on_deleted(attempt.entry)
        verb = (
            "deleted"
            if attempt.case.status == "passed"
            else f"NOT deleted ({attempt.case.message})"
        )
        lines.append(f"{attempt.record.describe()} {verb}")
    return [attempt.case for attempt in attempted], lines


async def read_back_unread(
    deleted: Iterable[Unread],
    catalog: Catalog,
    caller: Caller,
    on_deleted: Callable[[int], None],
    eventually_s: float = 0.0,
) -> tuple[list[tuple[int, Record]], list[str], list[CaseResult]]:
    """Read back each record a delete answered 2xx for with no read-back after it (a chain's
    cleanup of what it prepared), once its validation-delay is over. A 2xx alone proves
    nothing: PiccoloCRUD's and json-server's kept deletes left the records prepared for other
    cases on the server, and the run said them deleted (exit 0 with `--cases negative`). What
    is gone, or cannot be told, is confirmed as the 2xx said. What is still there is returned
    for the sweep, each with a line saying so, and its delete's case, already reported passed,
    is failed and returned (LoopBack 4's cleanup case stayed "passed" in a run that failed).
    With `eventually_s`, a record still there is read again until it is gone or the time is
    up, as a chain's own read-back is (engine/eventually)."""
    items = list(deleted)
    if not items:
        return [], [], []
    wait = max(item.ready for item in items) - time.monotonic()
    if wait > 0:
        await asyncio.sleep(wait)
    generator = DataGenerator(0, "cleanup")

    async def state(item: Unread) -> ReadBack:
        resource = catalog.resource(item.record.resource)
        if resource is None:
            return "unread"
        found: ReadBack = "unread"

        async def attempt() -> Outcome:
            nonlocal found
            child = generator.child(f"{item.entry}/unread")
            found = (await read_back(resource, item.record, caller, child, []))[0]
            return Outcome("failed" if found == "there" else "passed")

        # its case is reported already: only a record found kept revises it (below)
        await poll(attempt, None, eventually_s)
        return found

    states = await asyncio.gather(*(state(item) for item in items))
    kept: list[tuple[int, Record]] = []
    lines: list[str] = []
    revised: list[CaseResult] = []
    for item, found in zip(items, states, strict=True):
        if found != "there":
            on_deleted(item.entry)
            continue
        kept.append((item.entry, item.record))
        lines.append(
            f"{item.record.describe()} was still there after {item.after} was answered with success"
        )
        item.case.status = "failed"
        item.case.message = (
            f"{item.case.operation} answered {item.case.http_status}, but the "
            f"{item.record.describe()} was still there when read back at the end of the run"
        )
        revised.append(item.case)
    return kept, lines, revised


@dataclass
class _Attempt:
    entry: int
    record: Record
    resource: Resource
    delete: Operation
    case: CaseResult


def _case(entry: int, resource: Resource, delete: Operation) -> CaseResult:
    return CaseResult(
        id=f"cleanup.{entry}", chain="cleanup", resource=resource.name, operation=delete.name,
        case="leftover record", kind="cleanup", method=delete.method.upper(),
        file=delete.loc.file, line=delete.loc.line,
    )  # fmt: skip


async def _delete(attempt: _Attempt, caller: Caller, generator: DataGenerator, t0: float) -> None:
    case, delete = attempt.case, attempt.delete
    unknown = _unknown_places(attempt)
    if unknown:
        case.status = "failed"
        case.message = (
            f"the record does not say which {', '.join(unknown)} it is under (the create that "
            "made it did not name it in its URL, or the ledger predates apitest keeping it); "
            f"a made-up {unknown[0]} would address another record"
        )
        return
    try:
        built, seen, lacking = _delete_request(attempt, generator)
        if lacking and await _refresh(attempt, caller, generator, lacking):
            case.notes.append(
                f"the record as the run knew it held no {', '.join(lacking)}, which "
                f"{delete.name} takes from it: read it back first"
            )
            built, seen, lacking = _delete_request(attempt, generator)
        if built is None:
            built, seen, lacking = _delete_request(attempt, generator, refused=True)
    except NoRecordError as exc:
        case.status, case.message = "failed", str(exc)
        return
    assert built is not None
    case.started_s = time.monotonic() - t0
    exchange = await caller.call(attempt.resource, delete, built.request)
    case.url, case.http_status = exchange.request.url, exchange.status
    if exchange.record is not None:
        exchange.record.uses = uses_of(seen, "cleanup")  # a replay's cleanup deletes with this call
        case.calls.append(exchange.record)
    case.duration_ms, case.attempts = exchange.elapsed_ms, exchange.attempts
    case.notes.extend(exchange.notes)
    if exchange.status is not None and 200 <= exchange.status < 300:
        case.status = "passed"
    elif exchange.status in GONE_STATUSES:
        case.status = "passed"  # already gone (an interrupted delete may have landed): the goal
        case.notes.append(f"{delete.name} answered {exchange.status}: the record was gone")
    else:
        case.status = "failed"
        case.message = exchange.error or f"{delete.name} answered {exchange.status}"


def _unknown_places(attempt: _Attempt) -> list[str]:
    """The delete's URL variables that take another resource's record (the bucket of an
    object) and that the record's address does not hold. The sweep holds no other record, so
    such a value would be made up: a 404 from the wrong bucket would pass as "already gone"
    and the object would stay, reported deleted."""
    unknown = []
    for arg in attempt.delete.arguments:
        prop = arg.value_property
        records_of = prop.records_of if prop is not None else None
        if (
            arg.location == "variable" and arg.name not in attempt.record.address
            and records_of not in (None, attempt.record.resource)
        ):  # fmt: skip
            unknown.append(arg.name)
    return unknown


def _delete_request(
    attempt: _Attempt, generator: DataGenerator, *, refused: bool = False
) -> tuple[Built | None, Seen, list[str]]:
    """The delete's request, what it took from records, and the values it takes from its own
    record that the record lacks: a revision (CouchDB's `?rev=`) that the create's answer did
    not hold and no read-back brought, since the record was undone at once. Where it lacks
    them, no request (None) until the record is read back; `refused`: raise NoKeyError, saying
    which, rather than send a made-up one."""
    seen: Seen = [(value, attempt.record) for value in attempt.record.keys.values()]
    found = lookup_with(attempt.record, DataManager(), "cleanup", seen)
    lacking: list[str] = []

    def lookup(path: DataPath) -> list[Any]:
        values: list[Any] = found(path)
        member = path.fields[0] if path.fields else path.text
        own = path.records_of == attempt.record.resource
        if own and (not values or member in attempt.record.stale):
            lacking.append(member)  # none, or one a write moved on (engine/record_state)
        return values

    try:
        built = build_request(
            attempt.resource, attempt.delete, generator.child(str(attempt.entry)), lookup,
            keys=attempt.record.keys, address=attempt.record.address,
        )  # fmt: skip
    except NoKeyError:
        if refused or not lacking:
            raise
        return None, seen, lacking
    return built, seen, lacking


async def _refresh(
    attempt: _Attempt, caller: Caller, generator: DataGenerator, lacking: list[str]
) -> bool:
    """Read the record back and keep what the API holds of it; whether it was found."""
    return await refresh(
        attempt.resource, attempt.record, lacking, caller,
        generator.child(f"{attempt.entry}/fresh"), attempt.case.calls,
    )  # fmt: skip


async def refresh(
    resource: Resource,
    record: Record,
    members: Iterable[str],
    caller: Caller,
    generator: DataGenerator,
    calls: list[HttpRecord],
) -> bool:
    """Read `record` again and keep what the API holds of it, through each read by its key in
    turn until one shows `members` (the callback read may be a search that shows no ETag);
    whether one found the record. Its calls go to `calls`."""
    wanted, shown = set(members), set()
    found = False
    for index, read in enumerate(reads_by_key(resource)):
        try:
            exchange = await call_read(
                resource, record, read, caller, generator.child(str(index)), calls
            )
        except NoRecordError:
            continue
        if exchange.status is None or not 200 <= exchange.status < 300:
            continue
        held = held_by(resource, read, exchange, record)
        if held is None:
            continue
        found = True
        record.took(held)
        shown |= {name for name in held if held[name] is not None}
        if wanted <= shown:
            break
    return found


ReadBack = Literal["gone", "there", "unread", "unreadable"]


async def _read_back(
    attempt: _Attempt, caller: Caller, generator: DataGenerator
) -> tuple[ReadBack, str]:
    """Whether the callback read still finds the attempt's record (its call kept on the case)."""
    return await read_back(
        attempt.resource, attempt.record, caller, generator.child(f"{attempt.entry}/read"),
        attempt.case.calls,
    )  # fmt: skip


async def read_back(
    resource: Resource,
    record: Record,
    caller: Caller,
    generator: DataGenerator,
    calls: list[HttpRecord],
) -> tuple[ReadBack, str]:
    """Whether the callback read still finds `record` after a delete, and why not when it
    cannot tell; its call goes to `calls`."""
    read = callback_read(resource)
    if read is None:
        return "unread", "not read back: the resource declares no read operation"
    try:
        exchange = await call_read(resource, record, read, caller, generator, calls)
    except NoRecordError as exc:
        return "unreadable", f"could not read it back: {exc}"
    if exchange.status is None:
        return "unreadable", f"could not read it back: {exchange.error}"

    async def fetch(request: Request) -> Exchange:
        return _kept(await caller.call(resource, read, request), calls)

    outcome = held_to_what_the_list_shows(
        await read_through_pages(
            exchange,
            lambda page: check_gone(resource, read, page, record, strict=False, records_view=_none),
            fetch,
        ),
        record,
        gone=True,
    )
    if outcome.status == "error" or outcome.unsure:
        return "unreadable", f"could not read it back: {outcome.message}"
    return (
        ("gone", "") if outcome.status == "passed" or outcome.gone else ("there", outcome.message)
    )


def _none(_: DataPath) -> list[Any]:
    """No records: the sweep judges answers on their own."""
    return []


def _kept(exchange: Exchange, calls: list[HttpRecord]) -> Exchange:
    """`exchange`, its call kept in `calls` (the case's record of what was sent)."""
    if exchange.record is not None:
        calls.append(exchange.record)
    return exchange


async def call_read(
    resource: Resource,
    record: Record,
    read: Operation,
    caller: Caller,
    generator: DataGenerator,
    calls: list[HttpRecord],
) -> Exchange:
    """The callback read of `record`, its call kept in `calls`; raises NoRecordError when
    the read cannot be built."""
    lookup = lookup_with(record, DataManager(), "cleanup")
    built = build_request(
        resource, read, generator, lookup, keys=record.keys, address=record.address,
        reading_back=True,
    )  # fmt: skip
    return _kept(await caller.call(resource, read, built.request), calls)


async def _confirm(attempt: _Attempt, caller: Caller, generator: DataGenerator) -> None:
    """The callback read must no longer find the record (a DELETE's 2xx alone proves nothing).
    Where the read cannot tell (a list that goes on past what it may read) and the delete
    answered that the record is gone (404, 410), that answer stands: the report must not say
    "NOT deleted" of a record the API says it does not hold."""
    case = attempt.case
    state, why = await _read_back(attempt, caller, generator)
    if state == "unread":
        case.notes.append(why)
    elif state == "unreadable" and case.http_status in GONE_STATUSES:
        case.notes.append(f"{why}; the delete's {case.http_status} is taken as gone")
    elif state == "unreadable":
        case.status, case.message = "error", why
    elif state == "there":
        case.status = "failed"
        case.message = f"{attempt.delete.name} answered {case.http_status}, but {why}"


async def _read_back_refused(attempt: _Attempt, caller: Caller, generator: DataGenerator) -> None:
    """A delete that answered an error may still have deleted (an API that fails after the
    work is done): the read decides, so the report never says "NOT deleted" of a record that
    is gone (issue 18, item 8)."""
    case = attempt.case
    state, why = await _read_back(attempt, caller, generator)
    if state == "gone":
        case.notes.append(f"{case.message}, but reading it back finds it gone")
        case.status, case.message = "passed", ""
    else:
        case.message = f"{case.message}; {why}"
