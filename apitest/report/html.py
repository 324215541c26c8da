"""The HTML report: one self-contained file a QA engineer opens, or attaches to a ticket.

Why the page is drawn by JavaScript from embedded JSON rather than rendered here as tables: a
10,000-case run as server-side HTML (every request and response spelled out in markup) is tens
of megabytes the browser must lay out before anything shows. As data it is a fraction of that
(strings such as URLs, headers and the service's identical error bodies are stored once, in a
string table), and the page draws only what is on screen: the overview, one page of cases, and
at most a capped number of timeline bars. The other tabs are drawn when first opened.

Why nothing is fetched: CSS and JS are inline and there are no fonts or images by URL, so the
report opens offline, from a mail attachment or a CI artifact, and cannot leak what it holds to
a third party by loading something. The data sits in a `<script type="application/json">`
block with every `<` escaped, so a body holding `</script>` (or `<!--`) cannot end it early.

Reporters read only `results.py` (ARCHITECTURE.md); the records arrive already redacted by
the engine, and nothing here adds a secret: the replay scripts of failed cases (report/repro.py)
keep the engine's `${APITEST_ACCESS_TOKEN}` placeholders, quoted so the shell expands them.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import jinja2
from markupsafe import Markup

from apitest import __version__
from apitest.case_kinds import NEGATIVE_KINDS, STEP_KINDS
from apitest.report.files import write_atomic
from apitest.report.repro import QUOTED, Replays, worth_replaying
from apitest.results import CaseResult, HttpRecord, OperationInfo, RunResult, ShardInfo

PAGE_SIZE = 100
"""Cases per page of the Cases table: a page draws in milliseconds whatever the run's size."""
MAX_TIMELINE_BARS = 2000
"""More SVG bars than this slow the first screen and show nothing a person can tell apart."""

_SETUP_KINDS = tuple(kind for kind in STEP_KINDS if kind != "test")


def case_kind(case: CaseResult) -> str:
    """The column a case counts under in Coverage: "positive", the negative kind the case
    carries, or the step kind of a setup step."""
    if case.kind != "test":
        return case.kind
    return case.negative_kind or "positive"


def _kind_order(kinds: Iterable[str]) -> list[str]:
    """positive, the negative kinds in the planner's order (unknown ones after, by name),
    then the setup kinds: the order a reader scans a ZEST coverage table in."""
    seen = set(kinds)
    known = ["positive", *NEGATIVE_KINDS]
    middle = [k for k in known if k in seen]
    extra = sorted(seen - set(known) - set(_SETUP_KINDS))
    return middle + extra + [k for k in _SETUP_KINDS if k in seen]


def _statuses(case: CaseResult) -> set[int]:
    found = {call.status for call in case.calls if call.status is not None}
    if case.http_status is not None:
        found.add(case.http_status)
    return found


@dataclass
class _OpCoverage:
    info: OperationInfo
    cells: dict[str, list[int]] = field(default_factory=dict)
    seen: set[int] = field(default_factory=set)
    error_exercised: bool = False
    called: bool = False
    cases: int = 0

    def credit(self, case: CaseResult, kind: str) -> None:
        """The case's verdict, on the row of the operation it tests."""
        cell = self.cells.setdefault(kind, [0, 0])
        cell[0] += case.status == "passed"
        cell[1] += 1
        self.cases += 1

    def saw(self, case: CaseResult) -> None:
        """What the case's calls got, on the row of the operation they called."""
        self.seen |= _statuses(case)
        self.called = self.called or bool(case.calls) or case.http_status is not None
        self.error_exercised = self.error_exercised or case.error_response is True

    def to_dict(self) -> dict[str, Any]:
        info = self.info
        declared = set(info.statuses)
        return {
            "resource": info.resource,
            "name": info.name,
            "method": info.method,
            "url": info.url,
            "where": f"{info.file}:{info.line}" if info.file else "",
            "declared": bool(info.category),
            "cells": self.cells,
            "statuses": [[code, code in self.seen, code in declared] for code in sorted(declared)]
            + [[code, True, False] for code in sorted(self.seen - declared)],
            "errorCondition": info.error_condition,
            "errorExercised": self.error_exercised,
            "called": self.called,
            "cases": self.cases,
        }


def coverage(result: RunResult) -> dict[str, Any]:
    """Operations x case kinds (passed/total per cell), and per operation which declared
    statuses some call got, whether its error condition was exercised, whether it was called.
    A verdict is credited to the operation under test: an operation validation's to the write
    it reads back (a lost update fails the PUT's row, not the GET's that found it), while the
    statuses its call got are the GET's. An operation the cases name but the specs' list lacks
    still gets a row (flagged undeclared), so no case is missing from the table."""
    rows: dict[tuple[str, str], _OpCoverage] = {
        (op.resource, op.name): _OpCoverage(op) for op in result.operations
    }

    def row_of(resource: str, operation: str, method: str = "") -> _OpCoverage:
        found = rows.get((resource, operation))
        if found is None:
            method = method or operation.split(" ", 1)[0]
            info = OperationInfo(resource, operation, method, "", "")
            found = rows[resource, operation] = _OpCoverage(info)
        return found

    kinds: set[str] = set()
    for case in result.cases:
        kind = case_kind(case)
        kinds.add(kind)
        row_of(case.resource, case.operation, case.method).saw(case)
        row_of(case.resource, case.credited_to).credit(case, kind)
    return {"kinds": _kind_order(kinds), "ops": [row.to_dict() for row in rows.values()]}


def chain_position(case: CaseResult) -> int:
    """`n` of a case id `<chain>.<n>`: the order of the case within its chain."""
    prefix = case.chain + "."
    if case.id.startswith(prefix) and case.id[len(prefix) :].isdigit():
        return int(case.id[len(prefix) :])
    return 0


class _Strings:
    """A string table: each distinct string stored once, referenced by its index."""

    def __init__(self) -> None:
        self.index: dict[str, int] = {}
        self.table: list[str] = []

    def __call__(self, text: str | None) -> int | None:
        if text is None:
            return None
        found = self.index.get(text)
        if found is None:
            found = self.index[text] = len(self.table)
            self.table.append(text)
        return found

    def headers(self, headers: dict[str, str]) -> list[int | None]:
        return [ref for pair in headers.items() for ref in (self(pair[0]), self(pair[1]))]


def _call_row(call: HttpRecord, s: _Strings) -> list[Any]:
    return [
        s(call.method), s(call.url), s.headers(call.request_headers), s(call.request_body),
        call.status, s.headers(call.response_headers), s(call.response_body),
        round(call.elapsed_ms, 3), s(call.error), int(call.clipped),
    ]  # fmt: skip


def _case_row(case: CaseResult, s: _Strings, repro: list[int] | None) -> list[Any]:
    """A case as a positional row (report.js `decodeCase` names the fields): keys repeated
    10,000 times would be a tenth of the file."""
    return [
        s(case.id), s(case.chain), chain_position(case), s(case.resource), s(case.operation),
        s(case.case), s(case.kind), s(case_kind(case)), s(case.status), s(case.message),
        [s(line) for line in case.details], [s(line) for line in case.notes],
        s(case.method), s(case.url), case.http_status, round(case.started_s, 4),
        round(case.duration_ms, 2), round(case.waited_ms, 2), round(case.throttle_ms, 2),
        case.attempts, None if case.eventually_ms is None else round(case.eventually_ms, 1),
        s(case.file), case.line, case.error_response, [_call_row(c, s) for c in case.calls],
        [s(line) for line in case.logs], repro, case.shard,
    ]  # fmt: skip


class _Scripts:
    """Each failed case's replay script (report/repro.py) as indexes into a table of blocks,
    each block a list of string-table references: an int is the text itself, `[ref]` a body
    to quote as the shell word report.js `shq` makes. A chain's steps and its trap are
    stored once however many scripts hold them, and a body is the call's own string."""

    def __init__(self, replays: Replays, strings: _Strings) -> None:
        self.replays = replays
        self.strings = strings
        self.blocks: list[list[Any]] = []
        self._index: dict[str, int] = {}

    def of(self, case: CaseResult) -> list[int] | None:
        if not worth_replaying(case):
            return None
        pieces = self.replays.blocks(case)
        return None if pieces is None else [self._block(piece) for piece in pieces]

    def _block(self, text: str) -> int:
        found = self._index.get(text)
        if found is None:
            segments: list[Any] = []
            for index, part in enumerate(QUOTED.split(text)):
                if index % 2:
                    segments.append([self.strings(self.replays.quoted[int(part)])])
                elif part:
                    segments.append(self.strings(part))
            found = self._index[text] = len(self.blocks)
            self.blocks.append(segments)
        return found


def report_data(result: RunResult) -> dict[str, Any]:
    """What the page renders from: the run's facts, the cases as rows over a string table,
    and the coverage computed here (pure Python, so unit tests can check it)."""
    strings = _Strings()
    scripts = _Scripts(Replays(result), strings)
    rows = [_case_row(case, strings, scripts.of(case)) for case in result.cases]
    counts = result.counts()
    ran = len(result.cases) - counts["skipped"]
    return {
        "version": 1,
        "run": {
            "target": result.target,
            "seed": result.seed,
            "startedAt": result.started_at,
            "durationS": round(result.duration_s, 3),
            "estimateS": round(result.estimate_s, 3),
            "passed": result.passed,
            "interrupted": result.interrupted,
            "tokenRefreshes": result.token_refreshes,
            "counts": counts,
            "total": len(result.cases),
            "byResource": result.counts_by_group(),
            "cleanupCounts": result.cleanup_counts(),
            "passRate": round(counts["passed"] / ran * 100, 1) if ran else None,
            "chainOrder": result.chain_order,
            "cleanup": result.cleanup,
            "logs": result.logs,
            "tool": f"apitest {__version__}",
            "shards": [_shard(info) for info in result.shards],
            "missingShards": result.missing_shards,
        },
        "pageSize": PAGE_SIZE,
        "maxBars": MAX_TIMELINE_BARS,
        "coverage": coverage(result),
        "reproBlocks": scripts.blocks,
        "strings": strings.table,
        "cases": rows,
    }


def _shard(info: ShardInfo) -> dict[str, Any]:
    """A merged run's shard, for its own timeline: its cases' `started_s` count from its own
    start (each shard ran on its own machine, from its own clock)."""
    return {
        "index": info.index,
        "total": info.total,
        "startedAt": info.started_at,
        "durationS": round(info.duration_s, 3),
    }


def shards_line(result: RunResult) -> str:
    """The line atop a merged report, on every tab: the shards and when each ran ("" for a
    run that is no merge)."""
    if not result.shards:
        return ""
    total = result.shards[0].total
    each = "; ".join(
        f"shard {info.index}/{total} started {info.started_at}, {info.duration_s:.2f} s"
        for info in result.shards
    )
    merged = f"merged from {len(result.shards)} shards"
    if result.missing_shards:
        missing = result.missing_shards_text()
        merged = f"merged from {len(result.shards)} of {total} shards (PARTIAL: {missing} missing)"
    return f"{merged}: {each}"


def embed_json(data: Any) -> str:
    """JSON safe inside a `<script>` element: every `<` becomes `\\u003c` (valid only in
    strings, where JSON.parse turns it back), so no `</script>` or `<!--` reaches the HTML
    parser. Non-ASCII text stays as UTF-8, which is smaller than `\\u` escapes."""
    text = json.dumps(data, ensure_ascii=False, separators=(",", ":"), default=str)
    return text.replace("<", "\\u003c")


_ENV = jinja2.Environment(
    loader=jinja2.PackageLoader("apitest.report", "templates"),
    autoescape=True,
    undefined=jinja2.StrictUndefined,
    keep_trailing_newline=True,
)


def _asset(name: str) -> Markup:
    """A CSS or JS file from the templates folder, inlined verbatim (not run through jinja,
    whose `{{` would clash with JS); it must not hold the closing tag of its element."""
    loader = _ENV.loader
    assert loader is not None
    source, _, _ = loader.get_source(_ENV, name)
    closing = "</style" if name.endswith(".css") else "</script"
    if closing in source.lower():
        raise ValueError(f"templates/{name} contains {closing}>, which would end its element")
    return Markup(source)


def render_html(result: RunResult) -> str:
    """The whole report as one HTML document."""
    template = _ENV.get_template("report.html.j2")
    counts = result.counts()
    return template.render(
        title=f"apitest report: {'passed' if result.passed else 'FAILED'} - {result.target}",
        run=result,
        counts=counts,
        page_size=PAGE_SIZE,
        shards=shards_line(result),
        css=_asset("report.css"),
        js=_asset("report.js"),
        data=Markup(embed_json(report_data(result))),
    )


def write_html(result: RunResult, path: Path) -> None:
    """report.html, written atomically (a reader never sees half a report)."""
    write_atomic(path, render_html(result))
