"""Negative cases against the reference service: all pass on the correct service, and each
defect mode that bends error handling fails exactly the cases it should."""

from __future__ import annotations

from pathlib import Path

import pytest

from apitest.demo import DemoServer
from apitest.engine.events import NullListener
from apitest.engine.policy import CallPolicy
from apitest.engine.runner import RunSettings, run_plan
from apitest.plan.graph import PlanOptions, build_plan
from apitest.results import CaseResult, RunResult
from apitest.zspec.loader import load_catalog
from apitest.zspec.model import Catalog

from ..support import demo_auth, undelayed_specs
from ._api import live_ids
from .conftest import MakeServer

AUTH = demo_auth()


@pytest.fixture(scope="module")
def undelayed(tmp_path_factory: pytest.TempPathFactory) -> Catalog:
    """The reference specs without validation-delays: these runs ask what the cases find, not
    when (the service shows each write at once), and each accepted write's undo waited 500 ms."""
    return load_catalog([undelayed_specs(tmp_path_factory.mktemp("specs")) / "trips.xml"])


def run_negative(server: DemoServer, tmp_path: Path, catalog: Catalog) -> RunResult:
    plan = build_plan(catalog, PlanOptions(seed=4, cases="negative"))
    settings = RunSettings(
        base_url=server.base_url, auth=AUTH, ledger_path=tmp_path / "ledger.jsonl"
    )
    return run_plan(catalog, plan, settings, NullListener())


def negative(result: RunResult) -> list[CaseResult]:
    return [case for case in result.cases if case.kind == "test"]


def failed_names(result: RunResult) -> set[str]:
    return {case.name for case in negative(result) if case.status != "passed"}


def test_every_negative_case_passes_against_the_correct_service(
    make_server: MakeServer, tmp_path: Path, undelayed: Catalog
) -> None:
    server = make_server()
    before = live_ids(server)
    result = run_negative(server, tmp_path, undelayed)
    cases = negative(result)
    assert len(cases) == 73 + 29  # trips and destinations, as the plan counts them
    not_passed = [(case.name, case.message) for case in result.cases if case.status != "passed"]
    assert not_passed == []
    assert live_ids(server) == before  # the prepared records are gone again
    for case in cases:  # each carries the kind it was planned as, into report.json too
        assert case.negative_kind is not None and case.case.startswith(case.negative_kind)
        assert CaseResult.from_dict(case.to_dict()).negative_kind == case.negative_kind
    assert all(case.negative_kind is None for case in result.cases if case.kind != "test")


def test_accepts_invalid_fails_the_body_cases_and_cleans_up_what_it_created(
    make_server: MakeServer, tmp_path: Path, undelayed: Catalog
) -> None:
    server = make_server(bugs=["accepts-invalid"])
    before = live_ids(server)
    result = run_negative(server, tmp_path, undelayed)
    failed = failed_names(result)
    assert "POST trips / Mandatory Property trips[0].trip_name" in failed
    assert "PUT trips / Invalid Value trips[0].trip_type" in failed
    assert "POST destinations / Invalid Type destinations[0].country" in failed
    # what the service still checks is still refused: tokens, and the ids of a delete
    assert not any("Token" in name or name.startswith("DELETE") for name in failed)
    messages = {case.message for case in negative(result) if case.status == "failed"}
    assert all(message.startswith("the API accepted ") for message in messages)
    accepted = next(
        case for case in result.cases if case.name == "POST trips / Null Value trips[0].start_time"
    )
    assert accepted.message == (
        "the API accepted trips[0].start_time = null (Null Value) (answered 201)"
    )
    assert live_ids(server) == before  # records made by accepted cases were removed
    assert result.cleanup == []  # at once (issue 18, item 4), not left for the end sweep
    assert any("removed at once" in note for note in accepted.notes), accepted.notes


def test_error_200_fails_where_the_200_shape_or_status_gives_it_away(
    make_server: MakeServer, tmp_path: Path, undelayed: Catalog
) -> None:
    server = make_server(bugs=["error-200"])
    result = run_negative(server, tmp_path, undelayed)
    by_name = {case.name: case for case in negative(result)}
    post = by_name["POST trips / Missing Token"]
    assert post.status == "failed" and post.http_status == 200
    assert post.message.startswith("status 200 is not declared for POST trips")
    put = by_name["PUT trips / Invalid Token"]
    assert put.status == "failed"
    assert put.message.startswith("error response 200 does not match its structure: $.code")
    # a read's 200 structure has room for the error body: its condition marks the error
    assert by_name["GET trip / Missing Token"].status == "passed"


def test_no_auth_fails_every_token_case_and_only_those(
    make_server: MakeServer, tmp_path: Path, undelayed: Catalog
) -> None:
    server = make_server(bugs=["no-auth"])
    result = run_negative(server, tmp_path, undelayed)
    failed = failed_names(result)
    tokens = {case.name for case in negative(result) if "Token" in case.case}
    assert failed == tokens and len(tokens) == 18
    missing = next(case for case in negative(result) if case.name == "GET trips / Missing Token")
    assert missing.message == "the API accepted a call without a token (answered 200)"


def test_unknown_id_empty_fails_the_unknown_key_case_and_only_that(
    make_server: MakeServer, tmp_path: Path, undelayed: Catalog
) -> None:
    """A read of a well-formed id no trip has answered 200 with no trips: InvalidValueInURLPath
    sends a malformed id, which the service still refuses, so only Unknown Key can see it."""
    server = make_server(bugs=["unknown-id-empty"])
    result = run_negative(server, tmp_path, undelayed)
    assert failed_names(result) == {"GET trip / Unknown Key trip_id"}
    (unknown,) = [case for case in negative(result) if case.status != "passed"]
    assert unknown.negative_kind == "Unknown Key" and unknown.http_status == 200
    assert unknown.message.startswith("the API accepted URL path variable trip_id='"), (
        unknown.message
    )
    sent = unknown.calls[0].url.rsplit("/", 1)[1]
    assert sent.isdigit() and len(sent) == 18, sent
    invalid = next(
        c for c in negative(result) if c.name == "GET trip / InvalidValueInURLPath trip_id"
    )
    assert (invalid.status, invalid.http_status) == ("passed", 404)


@pytest.mark.parametrize("seed", [3, 9])
def test_the_same_seed_breaks_things_the_same_way(
    make_server: MakeServer, tmp_path: Path, seed: int, undelayed: Catalog
) -> None:
    plan = build_plan(undelayed, PlanOptions(seed=seed, cases="negative"))
    runs = []
    for attempt in range(2):
        # a service each: one run's 53 PUTs and the other's would pass the PUT throttle's
        # 100 a minute, and the second run would wait out its 120 s lock
        server = make_server(bugs=["accepts-invalid"])
        settings = RunSettings(
            base_url=server.base_url,
            auth=AUTH,
            ledger_path=tmp_path / f"ledger{attempt}.jsonl",
            policy=CallPolicy(concurrency=1),
        )
        result = run_plan(undelayed, plan, settings, NullListener())
        runs.append(sorted((c.name, c.message) for c in negative(result) if c.status == "failed"))
    assert runs[0] == runs[1] and runs[0]
