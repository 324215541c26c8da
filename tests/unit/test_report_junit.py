"""`--junit`: every document validates against the junit-10.xsd Jenkins uses, and reads back
through junitparser (the parser behind many CI uploaders) with the counts, names and messages
of the RunResult it came from, however hostile the captured text."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from junitparser import Error, Failure, JUnitXml, Skipped, TestCase, TestSuite
from lxml import etree

from apitest.report.junit import MAX_XML_BODY_CHARS, junit_xml, write_junit
from apitest.results import CaseResult, HttpRecord, RunResult, ShardInfo

from ..support import DATA

XSD = DATA / "junit" / "junit-10.xsd"
SCHEMA = etree.XMLSchema(etree.parse(str(XSD)))
STARTED = "2024-05-01T12:30:05+02:00"
HOSTILE = (
    "a\x00b\x01c\x07d\x0be\x0cf\x1bg\ufffeh ]]> <script>alert('x')</script> & \"q\" Zürich 東京 🚀"
)
STRIPPED = "abcdefgh ]]> <script>alert('x')</script> & \"q\" Zürich 東京 🚀"


def case(
    id: str,
    resource: str = "trips",
    operation: str = "POST trips",
    name: str = "positive",
    kind: str = "test",
    **fields: object,
) -> CaseResult:
    fields.setdefault("chain", f"{resource}#1")
    return CaseResult(
        id=id,
        resource=resource,
        operation=operation,
        case=name,
        kind=kind,
        **fields,  # type: ignore[arg-type]
    )


def run(*cases: CaseResult, target: str = "http://127.0.0.1:8123/api") -> RunResult:
    return RunResult(
        target=target,
        seed=42,
        started_at=STARTED,
        cases=list(cases),
        duration_s=3.25,
        estimate_s=4.5,
        token_refreshes=2,
    )


def every_status() -> RunResult:
    call = HttpRecord(
        method="POST",
        url="http://127.0.0.1:8123/api/trips",
        request_headers={"Authorization": "Zoho-oauthtoken ${APITEST_ACCESS_TOKEN}"},
        request_body='{"trips": [{}]}',
        status=400,
        response_headers={"content-type": "application/json"},
        response_body='{"code": "INVALID_DATA"}',
        elapsed_ms=12.4,
    )
    return run(
        case("t1", status="passed", duration_ms=120.6, calls=[call], notes=["made trip 7"]),
        case(
            "t2",
            name="Mandatory Property trips[0].trip_name",
            status="failed",
            message="the API accepted trips[0].trip_name missing (answered 201)",
            details=["expected 400", "got 201"],
            duration_ms=30,
            calls=[call],
        ),
        case("d1", "destinations", "GET destinations", status="error", message="connect refused"),
        case(
            "t3",
            operation="GET trip",
            name="verify POST trips",
            kind="operation validation",
            status="skipped",
            message="POST trips failed",
        ),
        case("d2", "destinations", "GET destinations", status="passed", duration_ms=1000),
    )


def validate(xml: str) -> None:
    document = etree.fromstring(xml.encode("utf-8"))
    assert SCHEMA.validate(document), SCHEMA.error_log


def parse(xml: str) -> list[TestSuite]:
    return list(JUnitXml.fromstring(xml.encode("utf-8")))


def cases_of(suite: TestSuite) -> list[TestCase]:
    return list(suite)


def test_every_status_maps_to_its_junit_element() -> None:
    xml = junit_xml(every_status())
    validate(xml)
    root = etree.fromstring(xml.encode("utf-8"))
    assert dict(root.attrib) == {
        "name": "apitest",
        "tests": "5",
        "failures": "1",
        "errors": "1",
        "time": "3.250",
    }
    trips, destinations = parse(xml)  # in the order resources first appear
    assert (trips.name, trips.tests, trips.failures, trips.errors, trips.skipped) == (
        "trips",
        3,
        1,
        0,
        1,
    )
    assert (destinations.tests, destinations.failures, destinations.errors) == (2, 0, 1)
    assert destinations.skipped == 0 and destinations.time == pytest.approx(1.0)
    assert trips.time == pytest.approx(0.151) and trips.timestamp == "2024-05-01T10:30:05"
    assert trips.hostname == "127.0.0.1"
    passed, failed, skipped = cases_of(trips)
    assert [(c.classname, c.name) for c in cases_of(trips)] == [
        ("trips.POST trips", "positive"),
        ("trips.POST trips", "Mandatory Property trips[0].trip_name"),
        ("trips.GET trip", "operation validation: verify POST trips"),
    ]
    assert passed.is_passed and passed.time == pytest.approx(0.121)
    failure = failed.result[0]
    assert isinstance(failure, Failure) and failure.type == "AssertionError"
    assert failure.message == "the API accepted trips[0].trip_name missing (answered 201)"
    assert failure.text == f"{failure.message}\nexpected 400\ngot 201"
    assert isinstance(skipped.result[0], Skipped)
    assert skipped.result[0].message == "POST trips failed"
    error = cases_of(destinations)[0].result[0]
    assert isinstance(error, Error) and error.type == "ConnectionError"
    assert error.message == "connect refused"
    for suite in (trips, destinations):
        assert {p.name: p.value for p in suite.properties()} == {
            "seed": "42",
            "target": "http://127.0.0.1:8123/api",
            "estimate_s": "4.500",
            "duration_s": "3.250",
            "token_refreshes": "2",
            "interrupted": "false",
            "cleanup_deleted": "0",
            "cleanup_not_deleted": "0",
        }


def test_system_out_shows_each_call_and_the_notes() -> None:
    passed = cases_of(parse(junit_xml(every_status()))[0])[0]
    assert passed.system_out == (
        "POST http://127.0.0.1:8123/api/trips\n"
        "  Authorization: Zoho-oauthtoken ${APITEST_ACCESS_TOKEN}\n"
        '{"trips": [{}]}\n'
        "-> 400 (12 ms)\n"
        "  content-type: application/json\n"
        '{"code": "INVALID_DATA"}\n\n'
        "notes:\n  made trip 7"
    )


def test_a_case_without_calls_or_notes_has_no_system_out() -> None:
    xml = junit_xml(run(case("t1", status="passed")))
    assert "system-out" not in xml
    validate(xml)


def repeated_names() -> list[CaseResult]:
    return [
        case("trips#1.3", status="passed"),
        case("trips#2.3", status="passed"),
        case("trips#3.3", status="failed", message="boom"),
        case("trips#1.4", operation="PUT trips", status="passed"),  # another classname
        case("x", name="verify POST trips", kind="operation validation", status="passed"),
    ]


def test_duplicate_names_in_a_classname_get_the_case_id() -> None:
    xml = junit_xml(run(*repeated_names()))
    validate(xml)
    names = [(c.classname, c.name) for c in cases_of(parse(xml)[0])]
    assert names == [
        ("trips.POST trips", "positive [trips#1.3]"),
        ("trips.POST trips", "positive [trips#2.3]"),
        ("trips.POST trips", "positive [trips#3.3]"),
        ("trips.PUT trips", "positive"),
        ("trips.POST trips", "operation validation: verify POST trips"),
    ]
    assert len(set(names)) == len(names)


def named(xml: str) -> dict[str, tuple[str, str]]:
    """Each testcase's (classname, name) by the case it came from (its system-out names it)."""
    return {c.system_out: (c.classname, c.name) for suite in parse(xml) for c in cases_of(suite)}


def test_names_do_not_depend_on_the_order_cases_finished() -> None:
    """Chains run concurrently, so two runs finish them in different orders; CI history keys
    on (classname, name), which must name the same case both times (issue 18, item 9)."""
    first = repeated_names()
    for each in first:
        each.notes = [each.id]  # so each testcase says which case it is
    orders = [first, first[::-1], [first[1], first[2], first[0], *first[3:]]]
    seen = [named(junit_xml(run(*order))) for order in orders]
    assert len(seen[0]) == len(first)
    assert seen[1] == seen[0] and seen[2] == seen[0]


def test_each_chain_counts_under_its_own_resource() -> None:
    """A trips chain's preparation of a destination is a trips step: the trips suite counts
    it, as the console's and the HTML's per-resource tables do (issue 18, item 10)."""
    prepare = case(
        "trips.1.1", "destinations", "POST destinations", "record for trips",
        kind="data preparation", status="failed", message="refused", chain_resource="trips",
    )  # fmt: skip
    own = case("destinations.1.1", "destinations", "POST destinations", status="passed")
    result = run(prepare, case("trips.1.2", status="passed", chain_resource="trips"), own)
    xml = junit_xml(result)
    validate(xml)
    trips, destinations = parse(xml)
    assert (trips.name, trips.tests, trips.failures) == ("trips", 2, 1)
    assert (destinations.name, destinations.tests, destinations.failures) == ("destinations", 1, 0)
    assert cases_of(trips)[0].classname == "destinations.POST destinations"  # what it called
    assert result.counts_by_group() == {
        "trips": {"passed": 1, "failed": 1, "error": 0, "skipped": 0},
        "destinations": {"passed": 1, "failed": 0, "error": 0, "skipped": 0},
    }


def test_the_cleanup_sweep_is_no_testcase_but_its_suite_says_what_it_did() -> None:
    """Deletes of records left behind are not planned cases: the counts stay those of the
    plan, and each suite says what the sweep did to its resource's records (item 9)."""
    delete = HttpRecord("DELETE", "http://h/api/trips?ids=7", status=500)
    read = HttpRecord("GET", "http://h/api/trips/7", status=200)
    result = run(case("trips.1.1", status="passed"), case("trips.1.2", status="passed"))
    result.cleanup_cases = [
        case("cleanup.2", operation="DELETE trips", name="leftover record", kind="cleanup",
             chain="cleanup", status="failed", message="DELETE trips answered 500",
             calls=[delete, read]),
        case("cleanup.1", operation="DELETE trips", name="leftover record", kind="cleanup",
             chain="cleanup", status="passed"),
    ]  # fmt: skip
    xml = junit_xml(result)
    validate(xml)
    root = etree.fromstring(xml.encode("utf-8"))
    assert root.get("tests") == "2" and root.get("failures") == "0"
    (suite,) = parse(xml)
    assert (suite.tests, suite.failures, suite.errors) == (2, 0, 0)
    assert [c.name for c in cases_of(suite)] == ["positive [trips.1.1]", "positive [trips.1.2]"]
    properties = {p.name: p.value for p in suite.properties()}
    assert (properties["cleanup_deleted"], properties["cleanup_not_deleted"]) == ("1", "1")
    assert root.findtext("testsuite/system-out") == (
        "cleanup of records the run left behind:\n"
        "  DELETE http://h/api/trips?ids=7 -> 500, GET http://h/api/trips/7 -> 200: "
        "NOT deleted (DELETE trips answered 500)\n"
        "  DELETE trips: deleted"
    )
    assert not result.passed  # a record left behind is a problem, though not a case


def test_hostile_text_is_escaped_and_forbidden_characters_are_stripped() -> None:
    huge = "<b>" + "x" * 100_000 + "]]>"
    call = HttpRecord(
        method="PUT",
        url="http://h/api/trips?q=" + HOSTILE,
        request_headers={"X-Note": HOSTILE},
        request_body=huge,
        status=500,
        response_body=HOSTILE,
    )
    hostile = case(
        "t\x01",
        resource="trips" + HOSTILE,
        operation="PUT " + HOSTILE,
        name=HOSTILE,
        status="failed",
        message=HOSTILE,
        details=[HOSTILE, "]]>"],
        notes=[HOSTILE],
        calls=[call],
    )
    xml = junit_xml(run(hostile, target="http://h/" + HOSTILE))
    validate(xml)
    assert not re.search("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe]", xml)
    document = etree.fromstring(xml.encode("utf-8"))
    assert document.find(".//script") is None  # markup in text stays text
    (suite,) = parse(xml)
    assert suite.name == "trips" + STRIPPED
    (testcase,) = cases_of(suite)
    assert testcase.classname == f"trips{STRIPPED}.PUT {STRIPPED}"
    assert testcase.name == STRIPPED
    failure = testcase.result[0]
    assert failure.message == STRIPPED
    assert failure.text == f"{STRIPPED}\n{STRIPPED}\n]]>"
    out = testcase.system_out
    assert f"  X-Note: {STRIPPED}" in out and f"-> 500 (0 ms)\n{STRIPPED}" in out
    request_body = "<b>" + "x" * (MAX_XML_BODY_CHARS - 3)
    assert f"{request_body}\n[... body cut at {MAX_XML_BODY_CHARS} characters]" in out
    assert len(xml) < 20_000  # the 100 KB body did not make it in


def test_a_body_the_run_clipped_says_so() -> None:
    call = HttpRecord(method="GET", url="http://h/t", status=200, response_body="{", clipped=True)
    out = cases_of(parse(junit_xml(run(case("t", calls=[call]))))[0])[0].system_out
    assert out.endswith("-> 200 (0 ms)\n{\n[... body clipped by the run]")


def test_an_empty_run_is_a_valid_document_with_no_suites() -> None:
    xml = junit_xml(run())
    validate(xml)
    assert xml.startswith("<?xml version='1.0' encoding='UTF-8'?>")
    root = JUnitXml.fromstring(xml.encode("utf-8"))
    assert len(root) == 0 and root.tests == 0 and root.failures == 0 and root.errors == 0


@pytest.mark.parametrize(
    ("where", "attribute", "value"),
    [
        ("testcase", "name", None),  # required
        ("testsuite", "time", "1.5s"),  # SUREFIRE_TIME
        ("testsuites", "skipped", "0"),  # not declared on <testsuites>
    ],
)
def test_the_schema_check_can_fail(where: str, attribute: str, value: str | None) -> None:
    document = etree.fromstring(junit_xml(every_status()).encode("utf-8"))
    element = document if document.tag == where else document.find(f".//{where}")
    assert element is not None
    if value is None:
        del element.attrib[attribute]
    else:
        element.set(attribute, value)
    assert not SCHEMA.validate(document)


def test_the_target_loses_userinfo_and_query_and_the_timestamp_its_zone() -> None:
    result = run(case("t", status="passed"), target="https://user:pw@api.example.com/v1?key=k3y")
    result.started_at = "2024-05-01T23:59:59"  # a naive time stays as written
    (suite,) = parse(junit_xml(result))
    assert suite.hostname == "api.example.com" and suite.timestamp == "2024-05-01T23:59:59"
    assert {p.name: p.value for p in suite.properties()}["target"] == "https://api.example.com/v1"
    assert "pw" not in junit_xml(result) and "k3y" not in junit_xml(result)


def test_write_junit_writes_the_document_and_leaves_no_temporary_file(tmp_path: Path) -> None:
    path = tmp_path / "reports" / "junit.xml"
    write_junit(every_status(), path)
    assert path.read_text(encoding="utf-8") == junit_xml(every_status())
    assert [p.name for p in path.parent.iterdir()] == ["junit.xml"]
    assert len(list(JUnitXml.fromfile(str(path)))) == 2


def test_a_merged_run_keeps_suites_by_resource_and_names_each_case_shard() -> None:
    """Sharding must not rename a test (CI history keys on classname and name): the suites
    stay per resource, each case's output says its shard, the suite's properties the shards."""
    merged = run(case("t1", status="passed", shard=1), case("t2", name="other", shard=2))
    merged.shards = [
        ShardInfo(2, 3, 4, 9, "d", started_at=STARTED, duration_s=1.5),
        ShardInfo(1, 3, 4, 9, "d", started_at=STARTED, duration_s=2.25),
    ]
    xml = junit_xml(merged)
    validate(xml)
    (suite,) = parse(xml)
    assert suite.name == "trips" and [c.name for c in cases_of(suite)] == ["positive", "other"]
    assert [c.system_out.splitlines()[0] for c in cases_of(suite)] == ["shard 1", "shard 2"]
    shown = [(p.name, p.value) for p in suite.properties() if "shard" in p.name]
    assert shown == [
        ("shard", f"2/3 started {STARTED}, 1.500 s"),
        ("shard", f"1/3 started {STARTED}, 2.250 s"),
        ("missing_shards", "3/3"),
    ]
    assert "shard" not in junit_xml(run(case("t1", status="passed")))


def test_a_shard_says_which_it_is_and_what_the_whole_plan_was() -> None:
    shard = ShardInfo(2, 4, 12, 340, "ab" * 32, "CI_NODE_INDEX", STARTED, 3.25)
    sharded = every_status()
    sharded.shard = shard
    xml = junit_xml(sharded)
    validate(xml)
    root = etree.fromstring(xml.encode("utf-8"))
    assert root.get("name") == "apitest shard 2/4"
    for suite in root.iter("testsuite"):
        props = {p.get("name"): p.get("value") for p in suite.iter("property")}
        assert props["shard"] == "2/4" and props["shard_source"] == "CI_NODE_INDEX"
        assert (props["plan_chains"], props["plan_cases"]) == ("12", "340")
        assert props["plan_digest"] == "ab" * 32
    empty = run()
    empty.shard = shard
    validate(junit_xml(empty))  # an empty shard's file still names it
    assert etree.fromstring(junit_xml(empty).encode()).get("name") == "apitest shard 2/4"
    plain = etree.fromstring(junit_xml(every_status()).encode("utf-8"))
    assert plain.get("name") == "apitest"
    assert not [
        p for p in plain.iter("property") if p.get("name", "").startswith(("shard", "plan_"))
    ]
