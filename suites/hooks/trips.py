"""Example hooks for suites/trips.toml: each context method, used the way a QA team would.

- before_run: reads the destinations through a named connection (getConnection) and keeps
  their names in the run's cache (getCache) for the checks.
- before_call: tags every create with a trace header, kept in the queue (getQueue).
- after_call: logs slow calls and writes each failure's answer into the writable folder.
- check: a created trip's destination must be one the API listed; a read trip's days must fit
  between its start and end.
- after_run: totals of the queue and a summary file beside the report.
"""

from __future__ import annotations

import json
from datetime import datetime
from pathlib import Path
from typing import Any

from apitest.hooks import after_call, after_run, before_call, before_run, check


@before_run
def remember_destinations(context: Any) -> None:
    api = context.getConnection("default")
    answer = api.get("/destinations")
    names = [item["destination_name"] for item in answer.json().get("destinations", [])]
    context.getCache().set("destinations", json.dumps(names), 3600)
    context.log.INFO(f"{len(names)} destinations known before the run")
    context.log.CONFIG(f"hooks home: {Path(context.getFunctionHome()).name}")


@before_call(resource="trips", operation="POST trips", kind="positive")
def trace_creates(context: Any, call: Any) -> None:
    trace = f"apitest-{call.case.replace(' ', '-')}"
    call.headers["X-Trace-Id"] = trace
    context.getQueue().push("traces", trace)
    context.log.FINE(f"trace header {trace}")


@after_call
def note_slow_and_failed(context: Any, call: Any) -> None:
    if call.elapsed_ms > 500:
        context.log.WARNING(f"{call.operation} took {call.elapsed_ms:.0f} ms")
    if call.status is not None and call.status >= 500:
        folder = Path(context.getWritableDirectory())
        (folder / f"{call.operation.replace(' ', '_')}.json").write_text(json.dumps(call.response))
        context.log.SEVERE(f"{call.operation} answered {call.status}")


@check(resource="trips", operation="POST trips", kind="positive")
def destination_is_known(req: Any, resp: Any) -> None:
    known = json.loads(req.context.getCache().get("destinations") or "[]")
    sent = (req.body or {}).get("trips", [{}])[0].get("destination")
    if sent not in known:
        resp.error(f"destination {sent!r} is not one of the {len(known)} listed")
    req.log.FINER(f"destination {sent} is listed")
    resp.success()


@check(resource="trips", operation="GET trip", kind="positive")
def days_fit_the_dates(req: Any, resp: Any) -> None:
    trip = (req.response or {}).get("trips", [{}])[0]
    start, end = trip.get("start_time"), trip.get("end_time")
    if not (start and end and trip.get("no_of_days")):
        resp.success("nothing to compare")
    span = abs((datetime.fromisoformat(end) - datetime.fromisoformat(start)).days) + 1
    req.log.FINEST(f"{trip['no_of_days']} days over a span of {span}")


@after_run
def summarise(context: Any, result: Any) -> None:
    traces = context.getQueue().pull("traces", 0)
    counts = result.counts()
    context.log.INFO(f"{len(traces)} traced creates; {counts['passed']} passed")
    summary = Path(context.getWritableDirectory()) / "summary.json"
    summary.write_text(json.dumps({"traces": traces, "counts": counts}, indent=2))
    context.log.ALL(f"summary written to {summary.name}; {len(context.log.getLogArray())} lines")
