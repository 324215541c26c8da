"""Against LoopBack 4 (npm), built in plain JavaScript with no TypeScript and no decorators of
ours: tests/data/thirdparty/loopback4 holds serve.js, which makes the model Pet by
defineModelClass from a ModelDefinition, keeps it in juggler's memory connector, and serves it
by @loopback/rest-crud's defineCrudRepositoryClass and defineCrudRestController on the
loopback, with defects planted by name in LOOPBACK4_DEFECTS; and pets.xml, the spec written
from rest-crud's docs and the OpenAPI document it serves. (tests/integration/test_loopback.py
hunted LoopBack 3; this is its successor, whose conventions differ.)

What it shows: LoopBack 4's conventions hold a correct run green with `--cases all`: a create
answered 200 with the record, PATCH and PUT by id answered 204 with no body (each read back
by the read by key), a delete answered 204 and then 404 `{"error": {...}}`, a malformed id
or filter answered 400, a body the model's JSON schema refuses (a wrong type, a value out of
its enum or range, a null, a name too long) 422 with `details`; a datetime sent with an offset
and read back in UTC is the same instant, and a hidden property (sent, never answered) is not
asked back. A create that drops a field, a PATCH or a PUT answered 204 but not stored and a
delete answered 204 that keeps the pet are each caught by their read-back and named.

PATCH /pets (update every pet a ?where matches, answered {"count": N}) is left out of the
spec: a `where` a run generates names no record of the run's own, so the call could update
pets the run did not make (an empty one, every pet on the server).

What it showed, now fixed: a PATCH of an id the store does not hold answered 204 (not 404)
passed: every InvalidValueInURLPath case sends `apitest-invalid-<hex>`, which LoopBack refuses
with 400 at its parameter check before any lookup, and no case sent a well-formed unknown key.
apitest's own Unknown Key case now does (plan/cases._unknown_key_cases).

What it showed, now fixed: a chain's cleanup delete answered 204 that kept the pet stayed
"passed": the end-of-run read-back said the pet NOT deleted and the run exited 1, but the
summary said every case passed. The read now fails the delete's case (engine/cleanup.
read_back_unread) and a JSONL stream says it again (`case_revised`).
"""

from __future__ import annotations

import json
from contextlib import AbstractContextManager
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest

from ..support import DATA, assert_caught
from ._thirdparty import (
    Started,
    failures,
    list_only_spec,
    listed,
    npm_package,
    run_spec,
    serving_node,
)

LOOPBACK4 = (
    "@loopback/rest-crud@0.19.11",
    "@loopback/rest@15.0.16",
    "@loopback/repository@8.0.15",
    "@loopback/core@7.0.15",
)
"""The newest rest-crud with its three peers pinned (each asks Node 20, 22 or 24); the memory
connector comes with @loopback/repository's loopback-datasource-juggler."""
APP = DATA / "thirdparty" / "loopback4"
SPEC = APP / "pets.xml"
SEED = "3"
WRITES = ("create", "updateById", "replaceById", "deleteById")
BY_ID = ("findById", "updateById", "replaceById", "deleteById")


@pytest.fixture(scope="module")
def modules() -> Path:
    return npm_package(*LOOPBACK4) / "node_modules"


def loopback4(modules: Path, folder: Path, *defects: str) -> AbstractContextManager[Started]:
    """serve.js, logging into `folder`."""
    env = {"LOOPBACK4_DEFECTS": ",".join(defects)}
    return serving_node(APP, modules, folder, "/pets", env)


def run(
    api: Started, tmp_path: Path, cases: str = "positive", spec: Path = SPEC
) -> tuple[int, dict[str, Any]]:
    return run_spec(spec, api, tmp_path, "--seed", SEED, "--cases", cases)


def pets(api: Started) -> list[dict[str, Any]]:
    """Every pet LoopBack holds."""
    return listed(api, "/pets")


def calls(result: dict[str, Any], name: str) -> list[dict[str, Any]]:
    """The calls of the one case `OPERATION / CASE`."""
    (case,) = [c for c in result["cases"] if c["name"] == name]
    found: list[dict[str, Any]] = case["calls"]
    return found


def test_a_correct_run_passes_every_case_and_leaves_no_pet(modules: Path, tmp_path: Path) -> None:
    with loopback4(modules, tmp_path / "api") as api:
        status, result = run(api, tmp_path, "all")
        left = pets(api)
    assert status == 0, failures(result)
    cases = result["cases"]
    assert cases and all(c["status"] == "passed" for c in cases), failures(result)
    tested = {(c["operation"], c["case"]) for c in cases}
    for operation in ("find", "count", *BY_ID, "create"):
        assert (operation, "positive") in tested, operation
    for write in WRITES:
        assert ("findById", f"verify {write}") in tested, write
    negatives = [c for c in cases if c["kind"] == "test" and c["case"] != "positive"]
    assert len(negatives) > 50, sorted(tested)
    # LoopBack's own answers, as the spec declares them
    statuses = {c["name"]: c["http_status"] for c in cases}
    assert [statuses[f"{op} / positive"] for op in WRITES] == [200, 204, 204, 204]
    assert statuses["findById / verify deleteById"] == 404
    assert {statuses[f"{op} / InvalidValueInURLPath id"] for op in BY_ID} == {400}
    assert {statuses[f"{op} / Null Value age"] for op in WRITES[:3]} == {422}
    # the hidden chip went out with each write, and was never asked back
    (create,) = calls(result, "create / positive")
    assert '"chip": ' in create["request_body"] and '"chip"' not in create["response_body"]
    # the birthday went out with an offset and came back in UTC: one instant, not a difference
    (update,) = calls(result, "updateById / positive")
    (check,) = calls(result, "findById / verify updateById")
    sent, read = (
        json.loads(update["request_body"])["born"],
        json.loads(check["response_body"])["born"],
    )
    assert sent != read and not sent.endswith("Z") and read.endswith(".000Z")
    assert datetime.fromisoformat(sent) == datetime.fromisoformat(read)
    assert result["cleanup_counts"] == {"deleted": 0, "not_deleted": 0}
    assert left == []


NOT_STORED = "the write did not stick: "
DEFECTS = {
    "dropped-field": ("verify create", NOT_STORED + "$.age: sent 3.0, the read answer lacks it"),
    "kept-update": ("verify updateById", NOT_STORED + '$.species: sent "fish", read "cat"'),
    "kept-replace": ("verify replaceById", NOT_STORED + '$.species: sent "cat", read "fish"'),
    "kept-delete": ("verify deleteById", "the pets record (id=1) is still there after the delete"),
}  # fmt: skip
"""Each planted defect: the one read-back it breaks (seed 3), and what that read-back says."""


@pytest.mark.parametrize("defect", DEFECTS)
def test_each_planted_defect_is_caught_and_named(
    modules: Path, tmp_path: Path, defect: str
) -> None:
    """Each fails its own read-back and no other case; the pet a kept delete left is the one
    the sweep reports NOT deleted."""
    case, said = DEFECTS[defect]
    with loopback4(modules, tmp_path / "api", defect) as api:
        status, result = run(api, tmp_path)
        left = pets(api)
    assert status == 1
    assert_caught(result["cases"], case, said)
    assert [c["case"] for c in result["cases"] if c["status"] != "passed"] == [case]
    kept = defect == "kept-delete"
    assert [pet["id"] for pet in left] == ([1] if kept else [])
    assert result["cleanup_counts"] == {"deleted": 0, "not_deleted": int(kept)}


def test_the_list_alone_reads_back_a_kept_replace(modules: Path, tmp_path: Path) -> None:
    """Without the read by key, the list (a bare array, every pet) verifies each write."""
    spec = list_only_spec(SPEC, "findById", tmp_path / "spec")
    with loopback4(modules, tmp_path / "api", "kept-replace") as api:
        status, result = run(api, tmp_path, spec=spec)
        left = pets(api)
    assert status == 1 and left == []
    assert_caught(result["cases"], "verify replaceById", 'sent "cat", read "fish"')
    (failed,) = [c for c in result["cases"] if c["status"] != "passed"]
    assert failed["operation"] == "find"


@pytest.fixture(scope="module")
def negative_run(
    modules: Path, tmp_path_factory: pytest.TempPathFactory
) -> tuple[int, dict[str, Any], list[dict[str, Any]]]:
    """`--cases negative` against a LoopBack whose deletes keep the pet and whose PATCH of an
    id it does not hold answers 204: its exit status, result and the pets left."""
    folder = tmp_path_factory.mktemp("loopback4-negative")
    with loopback4(modules, folder / "api", "kept-delete", "blind-update") as api:
        status, result = run(api, folder, "negative")
        left = pets(api)
    return status, result, left


def test_a_kept_cleanup_delete_fails_the_run_and_is_swept(
    negative_run: tuple[int, dict[str, Any], list[dict[str, Any]]],
) -> None:
    status, result, left = negative_run
    assert status == 1 and result["passed"] is False
    assert [pet["id"] for pet in left] == [1]
    assert result["cleanup_counts"] == {"deleted": 0, "not_deleted": 1}
    said = "pets record (id=1) NOT deleted (deleteById answered 204, but the pets record (id=1)"
    assert any(line.startswith(said) for line in result["cleanup"]), result["cleanup"]
    # each malformed id was refused at LoopBack's parameter check, before any lookup
    for operation in BY_ID:
        (call,) = calls(result, f"{operation} / InvalidValueInURLPath id")
        assert "/pets/apitest-invalid-" in call["url"] and call["status"] == 400, call
        assert '"code":"INVALID_PARAMETER_VALUE"' in call["response_body"]


def test_the_cleanup_case_whose_delete_kept_the_pet_is_not_passed(
    negative_run: tuple[int, dict[str, Any], list[dict[str, Any]]],
) -> None:
    status, result, _ = negative_run
    assert status == 1
    (cleanup,) = [c for c in result["cases"] if c["kind"] == "cleanup"]
    assert cleanup["http_status"] == 204
    assert cleanup["status"] == "failed", cleanup["message"]
    assert "answered 204, but the pets record" in cleanup["message"]
    assert "was still there when read back at the end of the run" in cleanup["message"]
    assert result["counts"]["failed"] >= 1


def test_an_update_of_a_missing_pet_answered_204_is_caught(
    negative_run: tuple[int, dict[str, Any], list[dict[str, Any]]],
) -> None:
    _, result, _ = negative_run
    blind = [
        c for c in result["cases"]
        if c["operation"] == "updateById" and c["http_status"] == 204 and c["status"] == "failed"
    ]  # fmt: skip
    assert [c["case"] for c in blind] == ["Unknown Key id"], [c["name"] for c in blind]
    assert blind[0]["message"].startswith("the API accepted URL path variable id="), blind[0]
    malformed = next(
        c for c in result["cases"] if c["name"] == "updateById / InvalidValueInURLPath id"
    )
    assert (malformed["status"], malformed["http_status"]) == ("passed", 400)
