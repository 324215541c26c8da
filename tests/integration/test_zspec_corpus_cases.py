"""The conformance corpus of ZEST's argument cases and `unexpected-error` (tests/data/zspec/):
each file lints clean, plans ZEST's cases under ZEST's names, and a run through the CLI passes
against a correct API and fails exactly the cases a defect gives away. `unexpected-error` is
also proved against the reference service, whose fault injection answers 500s."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest

from apitest.engine.events import NullListener
from apitest.engine.runner import RunSettings, run_plan
from apitest.plan.graph import PlanOptions, build_plan
from apitest.zspec.loader import load_catalog

from ..support import DATA, demo_auth, run_cli
from ._zest_app import make_app, run_spec
from .conftest import MakeServer

CORPUS = DATA / "zspec"
DELIMITER = CORPUS / "argument-delimiter-length.xml"
CONCURRENT = CORPUS / "argument-concurrent.xml"
NON_CONCURRENT = CORPUS / "argument-non-concurrent.xml"
CONDITION = CORPUS / "argument-condition.xml"
UNEXPECTED = CORPUS / "response-unexpected-error.xml"
FILES = (DELIMITER, CONCURRENT, NON_CONCURRENT, CONDITION, UNEXPECTED)
UNEXPECTED_MESSAGE = (
    "the API answered its declared unexpected-error response (500): an unhandled error fails "
    "the case, positive or negative"
)


@pytest.mark.parametrize("spec", FILES, ids=lambda path: path.name)
def test_each_corpus_file_lints_without_a_problem(spec: Path) -> None:
    done = run_cli("lint", "--strict", str(spec))
    assert done.returncode == 0, done.stdout + done.stderr
    assert "1 operation: no problems" in done.stdout


def planned(spec: Path) -> list[str]:
    plan = build_plan(load_catalog([spec]), PlanOptions(seed=1, cases="negative"))
    return [step.case for step in plan.steps if step.violation is not None]


def test_the_corpus_plans_zest_s_cases_under_zest_s_names() -> None:
    assert planned(DELIMITER) == [
        "ArgMaxLength ids (4 values, max 3)",  # no ArgMinLength: 0 values is Empty or Mandatory
        "Mandatory Param ids", "Invalid Param ids", "Empty Param ids",
    ]  # fmt: skip
    assert [c for c in planned(CONCURRENT) if "Concurrent" in c] == [
        "Concurrent from (without to)", "Concurrent to (without from)",
    ]  # fmt: skip
    assert [c for c in planned(NON_CONCURRENT) if "Concurrent" in c] == [
        "Non Concurrent ids (with name)"  # both name the pair: one case
    ]
    assert planned(UNEXPECTED) == [
        "Empty Param name", "Length Violation name (over max)", "Length Violation name (under min)",
    ]  # fmt: skip


def run(spec: Path, tmp_path: Path, **app: Any) -> tuple[int, dict[str, Any], list[dict[str, str]]]:
    """`apitest run SPEC` against the corpus API: exit status, cases by name, calls received."""
    served = make_app(**app)
    done, report = run_spec(served, spec, tmp_path, "--seed", "3")
    assert done.returncode in (0, 1), done.stdout + done.stderr
    cases = {case["case"]: case for case in report["cases"]}
    return done.returncode, cases, list(served.state.calls)


def failures(cases: dict[str, Any]) -> dict[str, str]:
    return {name: case["message"] for name, case in cases.items() if case["status"] != "passed"}


def test_delimited_ids_pass_on_a_correct_api_and_too_many_fail_where_accepted(
    tmp_path: Path,
) -> None:
    status, cases, calls = run(DELIMITER, tmp_path / "ok", require_ids=True)
    assert (status, failures(cases)) == (0, {})
    sent = [call["ids"].split("|") for call in calls if call.get("ids")]
    assert 1 <= len(sent[0]) <= 3  # the positive call: within length, joined by "|"
    assert all(re.fullmatch(r"[1-9][0-9]{0,5}", each) for each in sent[0])
    assert sorted(len(ids) for ids in sent).count(4) == 1  # ArgMaxLength sent 4 valid ids
    assert {"ids": ""} in calls and {} in calls  # Empty Param, Mandatory Param

    status, cases, _ = run(DELIMITER, tmp_path / "bad", require_ids=True,
                           defects=["accepts-too-many"])  # fmt: skip
    failed = failures(cases)
    assert status == 1 and list(failed) == ["ArgMaxLength ids (4 values, max 3)"]
    message = failed["ArgMaxLength ids (4 values, max 3)"]
    assert re.fullmatch(
        r"the API accepted param ids='(\d+\|){3}\d+' \(ArgMaxLength\) \(answered 200\)", message
    ), message


def test_concurrent_arguments_sent_alone_fail_where_the_api_accepts_them(tmp_path: Path) -> None:
    status, cases, calls = run(CONCURRENT, tmp_path / "ok")
    assert (status, failures(cases)) == (0, {})
    assert calls[0] == {"from": "2027-01-01", "to": "2027-01-01"}  # the positive call: both
    assert {"from": "2027-01-01"} in calls and {"to": "2027-01-01"} in calls

    status, cases, _ = run(CONCURRENT, tmp_path / "bad", defects=["accepts-lonely"])
    assert status == 1 and failures(cases) == {
        "Concurrent from (without to)":
            "the API accepted param from without to (Concurrent) (answered 200)",
        "Concurrent to (without from)":
            "the API accepted param to without from (Concurrent) (answered 200)",
    }  # fmt: skip


def test_non_concurrent_arguments_sent_together_fail_where_the_api_accepts_them(
    tmp_path: Path,
) -> None:
    status, cases, calls = run(NON_CONCURRENT, tmp_path / "ok")
    assert (status, failures(cases)) == (0, {})
    assert calls[0] == {"ids": "7"}  # the positive call never sends the pair
    assert calls.count({"ids": "7", "name": "lamp"}) == 1  # only the Non Concurrent case does

    status, cases, _ = run(NON_CONCURRENT, tmp_path / "bad", defects=["accepts-non-concurrent"])
    assert status == 1 and failures(cases) == {
        "Non Concurrent ids (with name)":
            "the API accepted param ids together with name (Non Concurrent) (answered 200)",
    }  # fmt: skip


def test_arguments_are_sent_only_where_their_condition_holds(tmp_path: Path) -> None:
    """Before apitest read argument `condition`, the positive call sent page without per_page
    and this correct API's 400 failed it; the cases that break page passed on that same 400,
    having tested nothing."""
    status, cases, calls = run(CONDITION, tmp_path)
    pages = (
        "Invalid Param page", "Invalid Param page (fraction)", "Invalid Param page (above range)",
        "Invalid Param page (below range)", "Empty Param page",
    )  # fmt: skip
    assert (status, failures(cases)) == (0, {
        name: "param page is accepted only where its condition (REQUEST:$.params.per_page) "
        "holds, and it does not on this call"
        for name in pages
    })  # fmt: skip
    assert {cases[name]["status"] for name in pages} == {"skipped"}
    assert calls[0] == {"sort": "name", "order": "desc"}  # the positive call
    assert all("page" not in call for call in calls)
    assert {"sort": "name", "order": ""} in calls  # Empty Param order: its condition holds
    assert sorted(cases) == sorted([  # no Mandatory Param page: page is required only with per_page
        "positive", "records for negative cases", "Invalid Param sort", "Empty Param sort",
        "Invalid Param order", "Empty Param order", "Invalid Param per_page",
        "Invalid Param per_page (fraction)", "Invalid Param per_page (above range)",
        "Invalid Param per_page (below range)",
        "Empty Param per_page", *pages,
    ])  # fmt: skip


def test_an_unexpected_error_response_fails_every_case_that_receives_it(tmp_path: Path) -> None:
    status, cases, _ = run(UNEXPECTED, tmp_path / "ok")
    assert (status, failures(cases)) == (0, {})  # declaring the 500 alone changes nothing

    status, cases, calls = run(UNEXPECTED, tmp_path / "crash", defects=["crash"])
    assert status == 1 and len(calls) == len(cases) == 5
    assert failures(cases) == dict.fromkeys(cases, UNEXPECTED_MESSAGE)
    assert {case["http_status"] for case in cases.values()} == {500}
    assert "Empty Param name" in cases and "positive" in cases  # negative and positive alike


# --- the reference service -----------------------------------------------------------------------

CRASHING = """    <operation method="get" name="GET destinations" category="read">
      <error condition="$.status == 'error'"/>
      <response status="401"/>
      <response status="500" name="InternalError" unexpected-error="true"/>
"""
AUTH = demo_auth()


@pytest.mark.parametrize("error_rate", [0.0, 1.0])
def test_the_reference_service_s_500s_fail_cases_declared_unexpected_error(
    make_server: MakeServer, tmp_path: Path, error_rate: float
) -> None:
    """The reference service with fault injection answers every API call with a 500, before
    auth: the declared unexpected-error response then fails the positive case and the token
    cases alike, where before it let the negative ones pass."""
    source = (DATA / "specs" / "destinations.xml").read_text()
    head = '    <operation method="get" name="GET destinations" category="read">\n'
    head += "      <error condition=\"$.status == 'error'\"/>\n"
    assert head in source
    spec = tmp_path / "destinations.xml"
    spec.write_text(source.replace(head, CRASHING), encoding="utf-8")
    catalog = load_catalog([spec])
    server = make_server(error_rate=error_rate)
    plan = build_plan(catalog, PlanOptions(seed=2, cases="all"))
    settings = RunSettings(base_url=server.base_url, auth=AUTH, ledger_path=tmp_path / "l.jsonl")
    result = run_plan(catalog, plan, settings, NullListener())
    tests = {case.case: case for case in result.cases if case.kind == "test"}
    assert set(tests) == {"positive", "Missing Token", "Invalid Token"}
    if not error_rate:
        assert all(case.status == "passed" for case in tests.values())
        return
    for case in tests.values():
        assert case.status == "failed" and case.http_status == 500, case.name
        assert case.message == (
            "the API answered its declared unexpected-error response (500 InternalError): "
            "an unhandled error fails the case, positive or negative"
        )
