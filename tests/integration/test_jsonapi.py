"""Against a JSON:API 1.0 server (Flask-Restless-NG 3.3.0 from PyPI, tests/integration/_jsonapi.py)
with specs a user writes from ZEST's reference (tests/data/thirdparty/jsonapi/): the vendor
media type as every content's encode, string ids, the `data` envelope, an article that names
its author's id, PATCH, DELETE answering 204, and the JSON:API error body as the operations'
error condition.

A correct server passes with every case really tested (each write confirmed by its callback
read, nothing skipped); each planted defect turns the run red with a message naming it.
"""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from ..support import CLI_TIMEOUT_S, cli_env, loopback_client, run_cli
from ._jsonapi import MEDIA_TYPE, SPECS, jsonapi_server
from ._thirdparty import Started, case_named, must_refuse


@pytest.fixture
def serve(tmp_path: Path) -> Iterator[Any]:
    """Start the app (with a planted defect, if asked) over fresh tables."""
    contexts: list[Any] = []

    def start(defect: str = "") -> Started:
        context = jsonapi_server(tmp_path / f"app{len(contexts)}", defect)
        contexts.append(context)
        return context.__enter__()

    yield start
    for context in reversed(contexts):
        context.__exit__(None, None, None)


def _run(server: Started, folder: Path, *options: str) -> tuple[int, dict[str, Any]]:
    report = folder / "report.json"
    done = run_cli(
        "run", str(SPECS / "people.xml"), str(SPECS / "articles.xml"),
        "--base-url", server.url + "/api", "--seed", "5", "--report-dir", str(folder),
        "--json", str(report), "-q", *options,
    )  # fmt: skip
    result: dict[str, Any] = json.loads(report.read_text(encoding="utf-8"))
    return done.returncode, result


def _statuses(result: dict[str, Any]) -> dict[str, str]:
    return {f"{c['operation']} / {c['case']}": c["status"] for c in result["cases"]}


def _header(call: dict[str, Any], name: str) -> str | None:
    headers = call["request_headers"]
    return next((v for k, v in headers.items() if k.lower() == name.lower()), None)


def _rows(server: Started, collection: str) -> list[Any]:
    """The collection's records as the server holds them (its own Accept rule: the vendor type)."""
    with loopback_client() as http:
        answer = http.get(f"{server.url}/api/{collection}", headers={"Accept": MEDIA_TYPE})
    rows: list[Any] = answer.json()["data"]
    return rows


def test_a_correct_jsonapi_server_passes_with_every_case_really_tested(
    tmp_path: Path, serve: Any
) -> None:
    server = serve()
    code, result = _run(server, tmp_path / "run", "--cases", "positive")
    statuses = _statuses(result)
    assert code == 0, {k: v for k, v in statuses.items() if v != "passed"}
    assert set(statuses.values()) == {"passed"}, statuses  # nothing skipped
    for resource, noun in (("people", "person"), ("articles", "article")):
        for write in ("create", "update", "delete"):
            verify = case_named(result, f"get {noun} / verify {write} {noun}")
            assert not any("not compared" in note for note in verify["notes"]), verify
        for write in ("create", "update"):
            call = case_named(result, f"{write} {noun} / positive")["calls"][0]
            assert _header(call, "Content-Type") == MEDIA_TYPE, call["request_headers"]
            sent = json.loads(call["request_body"])
            assert sent["data"]["type"] == resource
        listed = case_named(result, f"list {resource} / positive")["calls"][0]
        assert MEDIA_TYPE in (_header(listed, "Accept") or ""), listed["request_headers"]
    patched = {noun: case_named(result, f"update {noun} / positive")["calls"][0]["status"]
               for noun in ("person", "article")}  # fmt: skip
    assert patched == {"person": 204, "article": 200}  # an article changes on update: its record
    created = case_named(result, "create article / positive")["calls"][0]
    article = json.loads(created["request_body"])
    author = article["data"]["relationships"]["author"]["data"]
    assert author["type"] == "people" and isinstance(author["id"], str)
    assert _rows(server, "articles") == _rows(server, "people") == []  # the run removed its own


PLANTED = [
    ("drop_age", "get person / verify create person",
     "the write did not stick: $.attributes.age: sent "),
    ("created_200", "create person / positive",
     "status 200 is not declared for create person (declared: 201, 400, 409)"),
    ("ignore_patch", "get article / verify update article",
     "the write did not stick: $.attributes.title: sent "),
    # which person has id 1 depends on how the people and articles chains interleave
    ("delete_nothing", "get person / verify delete person",
     re.compile(r"the people record \(id=\d+\) is still there after the delete")),
    ("plain_json", "get person / positive",
     f"content type application/json is not declared for 200 (declared: {MEDIA_TYPE})"),
    ("numeric_id", "get article / positive", "$.data.id: expected string, got 1 (integer)"),
    ("drop_author", "get article / verify create article",
     "$.data.relationships.author: expected present"),
    ("no_location", "create article / positive",
     "header Location: expected present (required), got absent"),
    ("wrong_type", "get person / positive",
     "$.data.type: expected one of people, got 'person' (string)"),
    ("numeric_error_status", "get person / verify delete person",
     "error response 404 does not match its structure: $.errors[0].status: expected string"),
    ("errors_on_read", "get person / positive",
     "the error condition `RESPONSE:$.body.errors` holds on a 200 response"),
    ("no_total", "list articles / positive", "$.meta.total: expected present"),
]  # fmt: skip


@pytest.mark.parametrize(("defect", "case", "message"), PLANTED, ids=[p[0] for p in PLANTED])
def test_each_planted_defect_turns_the_run_red_naming_it(
    tmp_path: Path, serve: Any, defect: str, case: str, message: str | re.Pattern[str]
) -> None:
    code, result = _run(serve(defect), tmp_path / "run", "--cases", "positive")
    assert code == 1
    failed = case_named(result, case)
    assert failed["status"] == "failed", failed
    said = failed["message"]
    assert message.match(said) if isinstance(message, re.Pattern) else said.startswith(message), (
        said
    )


def test_negative_cases_are_refused_and_only_the_servers_crashes_are_red(
    tmp_path: Path, serve: Any
) -> None:
    """`--cases all`: Flask-Restless-NG refuses broken bodies with a declared 400, 404 or 409
    in the JSON:API error body (the error condition holds), so no negative case fails; the red
    left is its own: an HTML 500 for `"data": null`, a null or non-object relationship, or a
    page parameter that is no number (the API's bugs, reported as errors, not apitest's)."""
    server = serve()
    code, result = _run(server, tmp_path / "all", "--cases", "all")
    assert code == 1
    cases = result["cases"]
    assert not [c for c in cases if c["status"] in ("failed", "skipped")]
    crashed = [c for c in cases if c["status"] == "error"]
    assert crashed and all(c["calls"][-1]["status"] == 500 for c in crashed)
    assert all(c["case"] != "positive" and c["kind"] == "test" for c in crashed)
    refused = [c for c in cases if c["kind"] == "test" and c["status"] == "passed"]
    negatives = [c for c in refused if must_refuse(c)]
    assert len(negatives) > 50
    assert {c["calls"][-1]["status"] for c in negatives} == {400, 404, 409}
    assert _rows(server, "articles") == _rows(server, "people") == []


def test_a_replay_holds_the_record_to_what_was_written_not_to_what_the_server_filled(
    tmp_path: Path, serve: Any
) -> None:
    """`apitest repro` of a passed read-back replays against the same correct server and
    passes: the article's `attributes` hold what the create sent (title), not the time the
    server stamped on the run's own record (`created`), which a new record cannot repeat. The
    replay sends the vendor type and asks for it, as the run did, or the server refuses it."""
    server = serve()
    folder = tmp_path / "run"
    code, result = _run(server, folder, "--cases", "positive")
    assert code == 0
    verify = case_named(result, "get article / verify create article")
    report, target = str(folder / "report.json"), server.url + "/api"
    replay = run_cli("repro", report, verify["id"], "--run", "--base-url", target)
    assert replay.returncode == 0, replay.stdout + replay.stderr
    assert "every answer as expected" in replay.stderr + replay.stdout


def test_a_range_the_server_does_not_check_fails_its_negative_cases(
    tmp_path: Path, serve: Any
) -> None:
    """The negative cases are real: a server that stores any age fails each range case, says
    what it accepted, and has the record removed or restored at once."""
    server = serve("no_age_range")
    code, result = _run(server, tmp_path / "run", "--cases", "negative")
    assert code == 1
    failed = {
        c["operation"] + " / " + c["case"]: c for c in result["cases"] if c["status"] == "failed"
    }
    assert sorted(failed) == [
        f"{op} person / Invalid Value data.attributes.age ({bound} range)"
        for op in ("create", "update")
        for bound in ("above", "below")
    ]
    above = failed["create person / Invalid Value data.attributes.age (above range)"]
    assert above["message"] == (
        "the API accepted data.attributes.age = 151 (Invalid Value) (answered 201)"
    )
    assert "removed at once" in " ".join(above["notes"])
    assert _rows(server, "articles") == _rows(server, "people") == []


def test_a_delete_that_declares_only_its_204_asks_for_what_the_resource_speaks(
    tmp_path: Path, serve: Any
) -> None:
    """A user who declares the DELETE's 204 and nothing else: the call still asks for the
    vendor type the resource's other answers are in, not httpx's `*/*`, which this server
    refuses with 406."""
    spec = tmp_path / "people.xml"
    text = (SPECS / "people.xml").read_text(encoding="utf-8")
    ends = '<response status="204"/>\n{}    </operation>\n  </url>'
    not_found = '      <response-ref name="not_found"/>\n'
    bare = text.replace(ends.format(not_found), ends.format(""))  # the person's delete
    assert bare != text
    spec.write_text(bare, encoding="utf-8")
    server = serve()
    report = tmp_path / "run" / "report.json"
    done = run_cli(
        "run", str(spec), "--base-url", server.url + "/api", "--cases", "positive",
        "--report-dir", str(report.parent), "--json", str(report), "-q",
    )  # fmt: skip
    result = json.loads(report.read_text(encoding="utf-8"))
    assert done.returncode == 0, _statuses(result)
    deleted = case_named(result, "delete person / positive")["calls"][0]
    assert MEDIA_TYPE in (_header(deleted, "Accept") or "")


def test_the_pytest_plugin_gives_the_same_verdicts(tmp_path: Path, serve: Any) -> None:
    """The plugin runs the same engine: every item of a correct server passes, and the planted
    media type fails the same reads, naming it."""
    shutil.copytree(SPECS, tmp_path / "specs")
    outcomes = []
    for defect in ("", "plain_json"):
        server = serve(defect)
        done = subprocess.run(
            [sys.executable, "-m", "pytest", "specs", "-q", "-n", "0", "-p", "no:cacheprovider",
             "--rootdir", str(tmp_path), f"--apitest-base-url={server.url}/api",
             "--apitest-cases=positive", f"--apitest-report-dir={tmp_path / defect}rep"],
            cwd=tmp_path, env=cli_env(), capture_output=True, text=True, timeout=CLI_TIMEOUT_S,
            check=False,
        )  # fmt: skip
        outcomes.append((done.returncode, done.stdout.strip().splitlines()[-1]))
        if defect:
            assert "content type application/json is not declared for 200" in done.stdout
    assert outcomes[0][0] == 0 and outcomes[0][1].startswith("18 passed"), outcomes
    assert outcomes[1][0] == 1 and " failed" in outcomes[1][1], outcomes


def test_a_404_whose_error_body_is_malformed_still_says_the_record_is_gone(
    tmp_path: Path, serve: Any
) -> None:
    """The read after a delete answers 404 with `"status": 404` (a number, the error object
    wants a string): the check fails on that body, but the record is gone, so nothing is
    swept at the end and the report never says a record was left NOT deleted."""
    code, result = _run(serve("numeric_error_status"), tmp_path / "run", "--cases", "positive")
    assert code == 1
    verify = case_named(result, "get article / verify delete article")
    assert verify["status"] == "failed"
    assert verify["message"].startswith("error response 404 does not match its structure")
    assert result["cleanup"] == []
    assert not [c for c in result["cases"] if c["case"] == "leftover record"]
