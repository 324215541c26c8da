"""`--junit FILE`: the run as JUnit XML, the one format every CI server can draw a test tab from.

The shape follows the Jenkins xunit plugin's `junit-10.xsd` (shipped in tests/data/junit/ and
checked by the tests), which Jenkins, GitLab and GitHub's test reporters all read: one
`<testsuite>` per resource (each chain's steps under the chain's resource, as in every other
report's per-resource table), one `<testcase>` per planned case, classname
`resource.operation` so the CI tree groups cases the way the specs do. CI history keys on
classname and name, so both come from the spec and the plan only: never a seed, a generated
value, a timestamp or the order cases finished in. The end-of-run cleanup sweep is no case:
its counts are properties and its lines the `<system-out>` of the resource's suite. The
document is built with lxml rather than by pasting strings, so a response body holding `]]>`,
`<script>` or quotes cannot break it; the characters XML 1.0 cannot carry at all (most
control characters) are stripped from every text.

Only `RunResult` is read. Its HttpRecords were redacted by the engine; this module adds nothing
but counts, timings, the target's scheme, host and path (never its userinfo or query), and the
run's auth notices (which name flows and error codes, never a token), as `auth_notice`
properties and the `<system-out>` of every `<testsuite>`.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Callable, Iterable
from datetime import UTC, datetime
from pathlib import Path
from urllib.parse import urlsplit

from lxml import etree

from apitest.redact import safe_url
from apitest.report.files import write_atomic
from apitest.results import CaseResult, HttpRecord, RunResult

MAX_XML_BODY_CHARS = 2_000
"""A body is cut to this many characters in the XML: a CI page shows the start of a body, and
a run of hundreds of cases must not produce a file the CI server chokes on."""

_NOT_XML = re.compile("[^\t\n\r\x20-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")
"""Characters no XML 1.0 document may contain, even escaped (C0 controls, lone surrogates,
U+FFFE/U+FFFF): lxml refuses them, so they are dropped rather than failing the report."""


def junit_xml(result: RunResult) -> str:
    """The JUnit document of a run, with its XML declaration."""
    root = etree.Element("testsuites")
    counts = result.counts()
    _attrs(
        root,
        # a shard's file says which it is even when the shard held no case (and no suite)
        name=f"apitest shard {result.shard.index}/{result.shard.total}"
        if result.shard
        else "apitest",
        tests=len(result.cases),
        failures=counts["failed"],
        errors=counts["error"],
        # The wall-clock time of the run: cases run concurrently, so their sum would overstate it.
        time=_seconds(result.duration_s),
    )  # junit-10.xsd allows no `skipped` on <testsuites>; each <testsuite> carries its own.
    groups = _by_resource(result.cases, lambda case: case.group)
    swept: dict[str, list[CaseResult]] = {}
    for case in result.cleanup_cases:  # a record of a resource without a suite: the first one
        home = case.resource if case.resource in groups else next(iter(groups), "")
        swept.setdefault(home, []).append(case)
    for index, (resource, cases) in enumerate(groups.items()):
        root.append(_suite(result, index, resource, cases, swept.get(resource, [])))
    data = etree.tostring(root, xml_declaration=True, encoding="UTF-8", pretty_print=True)
    return data.decode("utf-8")


def _shard_properties(result: RunResult) -> list[tuple[str, object]]:
    """A shard's place in its plan (`shard` is K/N), so each shard's file says what the whole
    was; none for a run of the whole plan."""
    shard = result.shard
    if shard is None:
        return []
    return [
        ("shard", f"{shard.index}/{shard.total}"),
        ("shard_source", shard.source),
        ("plan_chains", shard.plan_chains),
        ("plan_cases", shard.plan_cases),
        ("plan_digest", shard.plan_digest),
    ]


def write_junit(result: RunResult, path: Path) -> None:
    """Write the JUnit file atomically, so a CI step never parses half of one."""
    write_atomic(path, junit_xml(result))


def clean(text: str) -> str:
    """`text` without the characters XML 1.0 forbids (tab, newline and CR stay)."""
    return _NOT_XML.sub("", text)


def _by_resource(
    cases: Iterable[CaseResult], key: Callable[[CaseResult], str]
) -> dict[str, list[CaseResult]]:
    """Cases grouped by resource, resources in the order they first appear (dicts keep it)."""
    groups: dict[str, list[CaseResult]] = {}
    for case in cases:
        groups.setdefault(key(case), []).append(case)
    return groups


def _suite(
    result: RunResult, index: int, resource: str, cases: list[CaseResult], swept: list[CaseResult]
) -> etree._Element:
    suite = etree.Element("testsuite")
    statuses = [case.status for case in cases]
    _attrs(
        suite,
        name=resource,
        tests=len(cases),
        failures=statuses.count("failed"),
        errors=statuses.count("error"),
        skipped=statuses.count("skipped"),
        time=_seconds(sum(case.duration_ms for case in cases) / 1000),
        timestamp=_timestamp(result.started_at),
        hostname=urlsplit(result.target).hostname or "apitest",
        id=index,
        package=resource,
    )
    properties = etree.SubElement(suite, "properties")
    for name, value in (
        ("seed", result.seed),
        ("target", safe_url(result.target)),
        ("estimate_s", _seconds(result.estimate_s)),
        ("duration_s", _seconds(result.duration_s)),
        ("token_refreshes", result.token_refreshes),
        ("interrupted", str(result.interrupted).lower()),
        ("cleanup_deleted", sum(case.status == "passed" for case in swept)),
        ("cleanup_not_deleted", sum(case.status != "passed" for case in swept)),
        *_shard_properties(result),
    ):
        _attrs(etree.SubElement(properties, "property"), name=name, value=value)
    for notice in result.auth_notices:
        _attrs(etree.SubElement(properties, "property"), name="auth_notice", value=notice.message)
    for name, value in _merged_shard_properties(result):
        _attrs(etree.SubElement(properties, "property"), name=name, value=value)
    names = [_names(case) for case in cases]
    repeated = {pair for pair, count in Counter(names).items() if count > 1}
    for case, pair in zip(cases, names, strict=True):
        suite.append(_testcase(case, pair, pair in repeated))
    out = [f"warning: {notice.message}" for notice in result.auth_notices]  # a green run that
    if swept:  # tested as someone else must show where CI shows output; so must the sweep
        out.append(_swept_out(swept))
    if out:
        etree.SubElement(suite, "system-out").text = clean("\n".join(out))
    return suite


def _merged_shard_properties(result: RunResult) -> list[tuple[str, str]]:
    """A merged run's shards, one `shard` property each ("2/4 started ..., 31.5 s"), and the
    ones a --partial merge lacks. The suites stay one per resource and the names stay the
    spec's: CI servers key a test's history on classname and name, and which shard a chain
    lands in moves whenever the plan's balance does, so a suite per shard would show the
    same test under another suite from run to run. Each case's output names its shard."""
    if not result.shards:
        return []
    total = result.shards[0].total
    found = [
        ("shard", f"{info.index}/{total} started {info.started_at}, {_seconds(info.duration_s)} s")
        for info in result.shards
    ]
    if result.missing_shards:
        found.append(("missing_shards", result.missing_shards_text()))
    return found


def _names(case: CaseResult) -> tuple[str, str]:
    """(classname, name): the spec's resource and operation, the plan's case and step kind."""
    classname = clean(f"{case.resource}.{case.operation}")
    return classname, clean(case.case if case.kind == "test" else f"{case.kind}: {case.case}")


def _testcase(case: CaseResult, names: tuple[str, str], repeated: bool) -> etree._Element:
    """One case. CI servers merge or drop testcases whose classname and name repeat in a
    suite (two chains preparing the same record, --repeat): every one of such a pair takes
    its case id, which the plan fixes, so no name depends on which one finished first."""
    classname, name = names
    if repeated:
        name = clean(f"{name} [{case.id}]")
    element = etree.Element("testcase")
    _attrs(element, classname=classname, name=name, time=_seconds(case.duration_ms / 1000))
    _verdict(element, case)
    out = _system_out(case)
    if out:
        etree.SubElement(element, "system-out").text = clean(out)
    return element


def _verdict(element: etree._Element, case: CaseResult) -> None:
    """The child a CI server colours the test by; the message and details go in its text too,
    since some consumers show only the text and others only the attribute."""
    tags = {"failed": ("failure", "AssertionError"), "error": ("error", "ConnectionError")}
    if case.status in tags:
        tag, kind = tags[case.status]
        verdict = _attrs(etree.SubElement(element, tag), message=case.message, type=kind)
        verdict.text = clean("\n".join([case.message, *case.details]))
    elif case.status == "skipped":
        _attrs(etree.SubElement(element, "skipped"), message=case.message)


def _system_out(case: CaseResult) -> str:
    """What the case sent and got back, then its notes: the evidence a reader of a red test
    wants first, without opening the HTML report."""
    blocks = [f"shard {case.shard}"] if case.shard else []
    blocks += [_exchange(call) for call in case.calls]
    if case.notes:
        blocks.append("notes:\n" + "\n".join(f"  {note}" for note in case.notes))
    return "\n\n".join(blocks)


def _swept_out(swept: list[CaseResult]) -> str:
    """The final sweep's deletes of this resource's records: not cases, but a CI reader of a
    run that left a record behind must find it."""
    lines = ["cleanup of records the run left behind:"]
    for case in swept:  # the delete, then the read that confirmed it
        calls = [f"{c.method} {c.url} -> {c.error or c.status}" for c in case.calls]
        verdict = "deleted" if case.status == "passed" else f"NOT deleted ({case.message})"
        lines.append(f"  {', '.join(calls) or case.operation}: {verdict}")
    return "\n".join(lines)


def _exchange(call: HttpRecord) -> str:
    lines = [f"{call.method} {call.url}"]
    lines += [f"  {key}: {value}" for key, value in call.request_headers.items()]
    if call.request_body is not None:
        lines.append(_body(call.request_body, call.clipped))
    if call.error is not None:
        lines.append(f"-> error: {call.error}")
    if call.status is not None:
        lines.append(f"-> {call.status} ({call.elapsed_ms:.0f} ms)")
        lines += [f"  {key}: {value}" for key, value in call.response_headers.items()]
        if call.response_body is not None:
            lines.append(_body(call.response_body, call.clipped))
    return "\n".join(lines)


def _body(body: str, clipped: bool) -> str:
    if len(body) > MAX_XML_BODY_CHARS:
        return f"{body[:MAX_XML_BODY_CHARS]}\n[... body cut at {MAX_XML_BODY_CHARS} characters]"
    return f"{body}\n[... body clipped by the run]" if clipped else body


def _attrs(element: etree._Element, **values: object) -> etree._Element:
    for key, value in values.items():
        element.set(key, clean(str(value)))
    return element


def _seconds(value: float) -> str:
    """Three decimals, never negative: junit-10.xsd's SUREFIRE_TIME has no sign."""
    return f"{max(value, 0.0):.3f}"


def _timestamp(started_at: str) -> str:
    """ISO 8601 in UTC without a zone suffix, the form JUnit consumers (and the Ant/Windy Road
    schema's ISO8601_DATETIME_PATTERN) expect; anything unparsable is passed on as written."""
    try:
        moment = datetime.fromisoformat(started_at)
    except ValueError:
        return started_at
    if moment.tzinfo is not None:
        moment = moment.astimezone(UTC).replace(tzinfo=None)
    return moment.isoformat(timespec="seconds")
