"""Against Prefect 3 (PyPI), the REST API of a workflow orchestrator's server: its FastAPI app,
served by uvicorn over SQLite from tests/data/thirdparty/prefect/serve.py, with defects planted
by name by an ASGI middleware in front of it, and specs written from Prefect's REST API docs
(flows.xml, variables.xml).

Prefect's conventions are the point: a list is read by `POST /api/flows/filter`, a read whose
method is POST and whose limit, offset and sort go in a JSON body, answered as a bare array;
an update is a PATCH answered 204 with no body, a delete 204; an unknown id is 404
`{"detail": ...}`; a refused body is 422 `{"exception_message", "exception_detail": [...]}`.
And a flow's create is idempotent: 201 with a new flow, or 200 with the EXISTING flow of that
name (a variable's create answers 409 instead).

What it shows apitest gets right: the POST list is run and judged as a read (it makes no record,
nothing is owed to the cleanup), its negative cases break the body's limit, offset and sort;
a 204 update or delete with no body is read back by the GET by id; an update that is not
stored, a create that drops the tags and a delete that keeps the record are each caught and
named; a kept delete read back through the POST list is never passed.

What it showed, now fixed:
- the read-back through the POST list sent the list's optional body members with generated
  values (`{"limit": 11, "offset": 27}`), which paged past the record: every write of a correct
  API "held no flows record". A read looking for one record now sends only the members it must
  and those a record gives (plan/_bodies.BodyPlan.looking_up);
- a create answered 200 with a flow that existed before the run was taken as made by the run,
  which then updated it and deleted it (the run deleted data it did not make); within one run,
  two creates answered with the same flow were filed as two records made, and two chains shared
  one flow. A create answered with another success it declares beside its 201, or with a record
  the run made before, now makes no record of the run's: the case errs saying so
  (engine/bookkeeping.Bookkeeper._not_made).
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from ..support import DATA, assert_caught, loopback_client
from ._thirdparty import (
    Started,
    emptied,
    failures,
    ledger_of,
    list_only_spec,
    must_refuse,
    plant,
    pypi_command,
    run_spec,
    serving_app,
    the_case,
    without_attribute,
)

PREFECT = "prefect==3.9.1"
APP = DATA / "thirdparty" / "prefect"
FLOWS = APP / "flows.xml"
VARIABLES = APP / "variables.xml"
KINDS = ("flows", "variables")


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Started]:
    """One Prefect server for the module (its first start runs the migrations, some seconds);
    each test plants its defects with `plant`."""
    python = pypi_command(PREFECT, "python")
    folder = tmp_path_factory.mktemp("prefect") / "server"
    with serving_app(python, APP, folder, [str(folder)], "/api/health") as api:
        yield api


@pytest.fixture
def prefect(server: Started) -> Iterator[Started]:
    """The module's server with no defect planted, emptied of flows and variables after the
    test (so a test that kept a record leaves nothing to the next)."""
    plant(server)
    yield server
    emptied(
        server, (f"/api/{kind}/{record['id']}" for kind in KINDS for record in held(server, kind))
    )


def held(api: Started, kind: str) -> list[dict[str, Any]]:
    """The flows or variables the server holds, read past apitest by Prefect's POST list
    (`_thirdparty.listed` reads a list by GET, which Prefect does not serve)."""
    with loopback_client() as http:
        answer = http.post(f"{api.url}/api/{kind}/filter", json={"limit": 200})
    assert answer.status_code == 200, answer.text
    found: list[dict[str, Any]] = answer.json()
    return found


def run(api: Started, tmp_path: Path, spec: Path, cases: str) -> tuple[int, dict[str, Any]]:
    return run_spec(spec, api, tmp_path, "--seed", "3", "--cases", cases, under="/api")


def pinned_name_spec(folder: Path) -> Path:
    """flows.xml as a spec written from Prefect's own example would have it: the name is
    `my-flow` (example-value), not declared unique (Prefect refuses no name it has: it answers
    the flow that has it)."""
    name = "//structure[@ref-name='flow']/property[@name='name']"
    return without_attribute(FLOWS, folder, name, "unique-for")


@pytest.mark.parametrize(("spec", "kind"), [(FLOWS, "flow"), (VARIABLES, "variable")])
def test_a_correct_run_passes_every_case_and_leaves_nothing(
    prefect: Started, tmp_path: Path, spec: Path, kind: str
) -> None:
    """And the POST list is a read: it is judged as a read (a test case, its body broken by
    the negative cases), and puts no record in the ledger (each there is one a create made)."""
    status, result = run(prefect, tmp_path, spec, "all")
    left = held(prefect, f"{kind}s")
    assert status == 0, failures(result)
    cases = result["cases"]
    assert not [c for c in cases if c["status"] in ("failed", "error")]
    skipped = [c["case"] for c in cases if c["status"] == "skipped"]
    assert skipped == (["Regex Mismatch name"] if kind == "flow" else [])  # no name breaks it
    verifies = [c["case"] for c in cases if c["kind"] == "operation validation"]
    assert verifies == [f"verify {verb} {kind}" for verb in ("create", "update", "delete")]
    listing = the_case(result, f"read {kind}s / positive")
    assert (listing["kind"], listing["method"], listing["status"]) == ("test", "POST", "passed")
    broken = {c["case"] for c in cases if c["operation"] == f"read {kind}s"} - {"positive"}
    assert {"Invalid Type limit", "Invalid Value offset (below range)", "Invalid Value sort"} <= (
        broken
    )
    # the positive create, the record for the negative cases and each Null Allowed create
    made = [c for c in cases if c["operation"] == f"create {kind}" and not must_refuse(c)]
    assert len(made) >= 2 and {c["http_status"] for c in made} == {201}
    created = [line for line in ledger_of(tmp_path) if line["event"] == "created"]
    assert {line["resource"] for line in created} == {f"{kind}s"}
    assert len(created) == len(made)
    assert result["cleanup_counts"] == {"deleted": 0, "not_deleted": 0}
    assert left == []


@pytest.mark.parametrize(
    ("defect", "spec", "case", "said"),
    [
        ("lost-update", FLOWS, "verify update flow", "the write did not stick: $.tags[0]: sent "),
        ("dropped-tags", FLOWS, "verify create flow", "the write did not stick: $.tags: sent 1"),
        ("kept-delete", FLOWS, "verify delete flow", "is still there after the delete"),
        ("lost-update", VARIABLES, "verify update variable", "the write did not stick: $.name"),
        ("kept-delete", VARIABLES, "verify delete variable", "is still there after the delete"),
    ],
)
def test_each_planted_defect_is_caught_and_named(
    prefect: Started, tmp_path: Path, defect: str, spec: Path, case: str, said: str
) -> None:
    """And the record a kept delete left is the one the sweep reports NOT deleted."""
    plant(prefect, defect)
    status, result = run(prefect, tmp_path, spec, "positive")
    kept = held(prefect, spec.stem)
    assert status == 1
    assert_caught(result["cases"], case, said)
    assert [c["case"] for c in result["cases"] if c["status"] != "passed"] == [case]
    assert result["cleanup_counts"]["not_deleted"] == len(kept) == (defect == "kept-delete")
    if kept:
        (line,) = result["cleanup"]
        assert kept[0]["id"] in line and "NOT deleted" in line, line


def test_a_kept_delete_read_back_by_the_post_list_is_not_passed(
    prefect: Started, tmp_path: Path
) -> None:
    spec = list_only_spec(FLOWS, "read flow", tmp_path / "spec")
    plant(prefect, "kept-delete")
    status, result = run(prefect, tmp_path, spec, "positive")
    kept = held(prefect, "flows")
    assert status == 1
    assert the_case(result, "read flows / verify delete flow")["status"] != "passed"
    assert result["cleanup_counts"]["not_deleted"] == len(kept) == 1


def test_a_correct_api_read_back_by_the_post_list_passes(prefect: Started, tmp_path: Path) -> None:
    spec = list_only_spec(FLOWS, "read flow", tmp_path / "spec")
    status, result = run(prefect, tmp_path, spec, "positive")
    left = held(prefect, "flows")
    assert left == []
    assert status == 0, failures(result)


def test_a_flow_that_existed_before_the_run_is_neither_changed_nor_deleted(
    prefect: Started, tmp_path: Path
) -> None:
    """The create, answered 200 (not 201) with the flow the name already named, says so and
    is not passed; the run neither updates nor deletes that flow."""
    with loopback_client() as http:
        theirs = http.post(f"{prefect.url}/api/flows/", json={"name": "my-flow", "tags": ["keep"]})
    assert theirs.status_code == 201, theirs.text
    status, result = run(prefect, tmp_path, pinned_name_spec(tmp_path / "spec"), "positive")
    assert status == 1
    create = the_case(result, "create flow / positive")
    assert create["http_status"] == 200 and create["status"] == "error"
    assert create["message"].startswith(
        "create flow answered 200, not the 201 it declares for a record it makes"
    )
    after = [(flow["id"], flow["tags"]) for flow in held(prefect, "flows")]
    assert after == [(theirs.json()["id"], ["keep"])]


def test_two_creates_answered_with_one_flow_are_not_two_records_made(
    prefect: Started, tmp_path: Path
) -> None:
    """Which chain deletes the flow first is a matter of timing: where the negative cases'
    cleanup does, the positive delete fails "expected a 2xx success, got 404", blaming the
    delete of a correct API; where the positive delete does, the cleanup takes the 404 for
    "already gone". What does not vary is the ledger: one flow, filed as made twice."""
    _status, result = run(prefect, tmp_path, pinned_name_spec(tmp_path / "spec"), "all")
    creates = ("create flow / positive", "create flow / record for negative cases")
    answered = sorted(the_case(result, name)["http_status"] for name in creates)
    assert answered == [200, 201]  # the second create was answered the flow the first made
    assert held(prefect, "flows") == []
    made = [line["keys"]["id"] for line in ledger_of(tmp_path) if line["event"] == "created"]
    assert len(made) == len(set(made)), made
