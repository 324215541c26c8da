"""Deleting what a run created and did not see deleted: the end-of-run sweep and `apitest cleanup`.

Newest first, so a trip goes before the destination it points at. Each deletion is tried
whatever happened to the one before: one stubborn record must not leave the others behind.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable

from apitest.engine.client import Caller
from apitest.engine.effects import lookup_with
from apitest.engine.records import DataManager, Record
from apitest.engine.request import build_request
from apitest.plan.data import DataGenerator, NoRecordError
from apitest.plan.graph import dependency_op
from apitest.report.model import CaseResult
from apitest.spec.model import Catalog


async def sweep(
    records: Iterable[tuple[int, Record]],
    catalog: Catalog,
    caller: Caller,
    base_url: str,
    on_deleted: Callable[[int], None],
    started: float | None = None,
) -> tuple[list[CaseResult], list[str]]:
    """Delete each (ledger id, record), newest first; returns the cases and one line each."""
    cases: list[CaseResult] = []
    lines: list[str] = []
    t0 = time.monotonic() if started is None else started
    generator = DataGenerator(0, "cleanup")
    for entry, record in sorted(records, key=lambda pair: -pair[0]):
        resource = catalog.resource(record.resource)
        delete = dependency_op(resource, "delete") if resource is not None else None
        if resource is None or delete is None:
            lines.append(f"{record.describe()} left: no delete operation is declared for it")
            continue
        case = CaseResult(
            id=f"cleanup.{entry}", chain="cleanup", resource=resource.name,
            operation=delete.name, case="leftover record", kind="cleanup",
            method=delete.method.upper(), file=delete.loc.file, line=delete.loc.line,
        )  # fmt: skip
        lookup = lookup_with(record, DataManager(), "cleanup")
        try:
            built = build_request(
                resource, delete, base_url, generator.child(str(entry)), lookup, keys=record.keys
            )
        except NoRecordError as exc:
            case.status, case.message = "failed", str(exc)
        else:
            case.started_s = time.monotonic() - t0
            exchange = await caller.call(resource, delete, built.request)
            case.url, case.http_status = built.request.url, exchange.status
            case.duration_ms, case.attempts = exchange.elapsed_ms, exchange.attempts
            if exchange.status is not None and 200 <= exchange.status < 300:
                case.status = "passed"
                on_deleted(entry)
            else:
                case.status = "failed"
                case.message = exchange.error or f"{delete.name} answered {exchange.status}"
        verb = "deleted" if case.status == "passed" else f"NOT deleted ({case.message})"
        lines.append(f"{record.describe()} {verb}")
        cases.append(case)
    return cases, lines
