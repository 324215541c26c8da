"""Against LoopBack 3 (npm), a Node framework's PersistedModel REST API built programmatically:
tests/data/thirdparty/loopback holds serve.js, which serves two models over the memory
connector (Owner, and Pet, which belongsTo Owner through ownerId) under /api on the loopback,
with defects planted by name in LOOPBACK_DEFECTS, and the specs written from LoopBack's docs
(owners.xml, pets.xml: a pet takes its ownerId from an owner, `path="owners:$.id"`).

What it shows: LoopBack's own conventions hold a correct run green with `--cases all`: a create
answered 200 with the record, PATCH updating and PUT replacing, an unknown id answered 404
`{"error": {statusCode, name, message, code}}`, a refused body 422 with `details`, a filter that
is no JSON object 400, and a delete answered 200 `{"count": N}`, whose `{"count": 0}` for an id
LoopBack does not hold the spec declares an error (`<error condition>`), so InvalidValueInURLPath
on the delete passes on a 200. A field a 'before save' hook drops, a PATCH answered but not
stored and a delete answered `{"count": 1}` that keeps the pet are each caught by their
read-back and named.

What it found:
- a chain's cleanup delete was trusted on its 2xx: the owners made for the pets and "deleted"
  with {"count": 1} stayed, and a run of the pets passed, reporting nothing left behind. The
  sweep now reads such deletes back (engine/cleanup.read_back_unread) and says them NOT deleted;
- a map-typed query argument (LoopBack's `?filter={json}`) was sent as `{}` whatever its
  structure declared: it is now built as a body would be (plan/data.argument_value), as JSON;
- a read whose answer is another resource's record (the belongsTo read GET /Pets/{id}/owner
  answers the owner) was filed as a pet: where the ids coincided it overwrote the pet's stored
  values, so the note that an update sent only what the pet held went missing. Such an answer
  is no longer kept as the resource's (engine/effects.shaped_as_another_resource).
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest
from lxml import etree

from ..support import DATA, assert_caught, loopback_client
from ._thirdparty import (
    Started,
    case_named,
    edited_spec,
    failures,
    listed,
    npm_package,
    run_spec,
    serving_node,
)

LOOPBACK = (
    "loopback@3.28.0",
    "loopback-datasource-juggler@3.36.1",
    "strong-remoting@3.17.0",
)
"""The newest LoopBack 3, with its data layer and REST layer pinned (it asks for ^3 of each)."""
APP = DATA / "thirdparty" / "loopback"
SEED = "3"


@pytest.fixture(scope="module")
def modules() -> Path:
    return npm_package(*LOOPBACK) / "node_modules"


def loopback(modules: Path, folder: Path, *defects: str) -> AbstractContextManager[Started]:
    """serve.js, logging into `folder`; the API's root is /api."""
    env = {"LOOPBACK_DEFECTS": ",".join(defects)}
    return serving_node(APP, modules, folder, "/api/Pets", env)


@pytest.fixture(scope="module")
def correct(modules: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Started]:
    with loopback(modules, tmp_path_factory.mktemp("loopback") / "correct") as api:
        yield api


def run(
    spec: Path, api: Started, tmp_path: Path, cases: str = "positive"
) -> tuple[int, dict[str, Any]]:
    return run_spec(spec, api, tmp_path, "--seed", SEED, "--cases", cases, under="/api")


def records(api: Started, model: str) -> list[dict[str, Any]]:
    """Every record of `model` ("Owners", "Pets") LoopBack holds."""
    return listed(api, f"/api/{model}")


def made(api: Started, model: str, body: dict[str, Any]) -> dict[str, Any]:
    with loopback_client() as http:
        answer = http.post(f"{api.url}/api/{model}", json=body)
    assert answer.status_code == 200, answer.text
    record: dict[str, Any] = answer.json()
    return record


def pets_only(folder: Path, specs: Path = APP) -> Path:
    """A suite that tests the pets alone: the owners they need are prepared and cleaned up."""
    folder.mkdir()
    suite = folder / "pets.toml"
    suite.write_text(f'name = "pets"\nspecs = ["{specs}"]\n[filters]\nresources = ["pets"]\n')
    return suite


def test_a_correct_run_passes_every_case_and_leaves_no_record(
    correct: Started, tmp_path: Path
) -> None:
    status, result = run(APP, correct, tmp_path, "all")
    assert status == 0, failures(result)
    cases = result["cases"]
    assert cases and all(c["status"] == "passed" for c in cases), failures(result)
    tested = {(c["resource"], c["operation"], c["case"]) for c in cases}
    operations = ("create", "find", "findById", "patchAttributes", "replaceById", "deleteById")
    for resource in ("owners", "pets"):
        for operation in operations:
            assert (resource, operation, "positive") in tested, (resource, operation)
        for write in ("create", "patchAttributes", "replaceById", "deleteById"):
            assert (resource, "findById", f"verify {write}") in tested, (resource, write)
    assert ("pets", "owner", "positive") in tested
    negatives = [c for c in cases if c["kind"] == "test" and c["case"] != "positive"]
    assert len(negatives) > 40, sorted(tested)
    # LoopBack answers a delete of an id it does not hold 200 {"count": 0}: an error by the
    # spec's <error condition>, so the negative case passes on a 200
    unknown = [c for c in cases if c["name"] == "deleteById / InvalidValueInURLPath id"]
    assert [(c["http_status"], c["status"]) for c in unknown] == [(200, "passed")] * 2
    assert result["cleanup_counts"] == {"deleted": 0, "not_deleted": 0}
    assert records(correct, "Pets") == records(correct, "Owners") == []


DEFECTS = {
    "dropped-field": ("verify create", "did not stick: $.age: sent 3.0, the read answer lacks it"),
    "kept-update": ("verify patchAttributes", "the write did not stick: $.species: sent "),
    "kept-delete": ("verify deleteById", "the pets record (id=1) is still there after the delete"),
}  # fmt: skip
"""Each planted defect: the one read-back it breaks, and what that read-back says."""


def test_each_planted_defect_is_caught_and_named(modules: Path, tmp_path: Path) -> None:
    """All three planted at once, since none hides another: each fails its own read-back and
    no other case; the pet the kept delete left is the one the sweep reports NOT deleted."""
    with loopback(modules, tmp_path / "api", *DEFECTS) as api:
        status, result = run(pets_only(tmp_path / "suite"), api, tmp_path)
        pets = records(api, "Pets")
    assert status == 1
    for case, said in DEFECTS.values():
        assert_caught(result["cases"], case, said)
    checks = {c["id"] for c in result["cases"] if c["case"] in dict(DEFECTS.values())}
    assert set(failures(result)) == checks
    assert [pet["id"] for pet in pets] == [1]
    assert result["cleanup_counts"] == {"deleted": 0, "not_deleted": 1}
    (line,) = result["cleanup"]
    assert line.startswith("pets record (id=1) NOT deleted"), line


def test_an_owner_a_cleanup_delete_kept_is_reported(modules: Path, tmp_path: Path) -> None:
    """The pets alone are tested: each owner made for them (one per chain) is deleted as its
    chain's cleanup, answered {"count": 1}, and kept. Before the sweep read such deletes back
    (engine/cleanup.read_back_unread), the run passed, saying nothing was left behind."""
    with loopback(modules, tmp_path / "api", "kept-owner-delete") as api:
        status, result = run(pets_only(tmp_path / "suite"), api, tmp_path, "all")
        owners = records(api, "Owners")
    assert {c["chain"] for c in result["cases"]} == {"pets.1", "pets.2"}
    cleanup = [c for c in result["cases"] if c["kind"] == "cleanup" and "/Owners/" in c["url"]]
    assert sorted(c["url"].rsplit("/", 1)[-1] for c in cleanup) == [str(o["id"]) for o in owners]
    assert len(owners) == 2
    assert status == 1, "a run that left its owners behind passed"
    assert result["cleanup_counts"]["not_deleted"] == 2, result["cleanup"]
    for owner in owners:
        said = f"owners record (id={owner['id']}) NOT deleted"
        assert any(line.startswith(said) for line in result["cleanup"]), result["cleanup"]


def the_one(node: etree._Element, path: str) -> etree._Element:
    """The one element `path` finds under `node`."""
    found = node.xpath(path)
    assert isinstance(found, list) and len(found) == 1, (path, found)
    element = found[0]
    assert isinstance(element, etree._Element)
    return element


def pinned(folder: Path) -> Path:
    """The specs with every value a pet's update sends pinned (species and email by an
    example-value, the pet's name by a single `values`, since free text an update would resend
    goes out marked), so that the update sends only what the pet already holds."""
    pins = (("pets", "species", "example-value", "cat"), ("pets", "name", "values", "Rex"),
            ("owners", "email", "example-value", "a@b.example"))  # fmt: skip

    def pinning(name: str) -> Callable[[Any], None]:
        def edit(tree: Any) -> None:
            for resource, prop, attribute, value in pins:
                if resource == name:
                    path = f"/resource/components/structure/property[@name='{prop}']"
                    for found in tree.getroot().xpath(path):
                        found.set(attribute, value)

        return edit

    for name in ("pets", "owners"):
        edited_spec(APP / f"{name}.xml", folder, pinning(name))
    return folder


UNCHECKED = "the update sent only values the record already held"


@pytest.mark.parametrize("owners_before", [1, 0], ids=["ids-apart", "owner-and-pet-both-1"])
def test_an_update_that_sends_only_what_the_pet_holds_is_noted(
    modules: Path, tmp_path: Path, owners_before: int
) -> None:
    """The pet's update sends the values it holds (pinned examples): a note says its check
    cannot tell. GET /Pets/{id}/owner answers the owner; with one owner made before the run
    the run's owner is 2 and its pet 1, with none both are 1, and the owner read there, once
    filed as a pet, overwrote the pet's values and the note went missing."""
    with loopback(modules, tmp_path / "api") as api:
        for _ in range(owners_before):
            made(api, "Owners", {"name": "before"})
        status, result = run(
            pets_only(tmp_path / "suite", pinned(tmp_path / "spec")), api, tmp_path
        )
    assert status == 0, failures(result)
    (update,) = [c for c in result["cases"] if c["name"] == "patchAttributes / positive"]
    assert update["url"].endswith("/Pets/1")
    owner = f'{{"name":"Ann","email":"a@b.example","id":{1 + owners_before}}}'
    assert [c["response_body"] for c in case_named(result, "owner / positive")["calls"]] == [owner]
    assert any(UNCHECKED in note for note in update["notes"]), update["notes"]


def test_a_json_filter_argument_carries_what_its_structure_requires(
    correct: Started, tmp_path: Path
) -> None:

    def limit_required(tree: Any) -> None:
        argument = the_one(tree.getroot(), "/resource/components/argument[@name='filter']")
        argument.set("required", "true")
        the_one(argument, ".//property[@name='limit']").set("required-for", "all")

    status, result = run(
        edited_spec(APP / "owners.xml", tmp_path / "spec", limit_required), correct, tmp_path
    )
    assert status == 0, failures(result)
    (find,) = case_named(result, "find / positive")["calls"]
    (sent,) = parse_qs(urlsplit(find["url"]).query)["filter"]
    assert json.loads(sent).get("limit") == 50, find["url"]
