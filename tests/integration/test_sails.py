"""Against Sails 1.x (npm), a Node MVC framework's default blueprint REST API over its local
disk adapter (sails-disk): tests/data/thirdparty/sails holds serve.js, which lifts an app of
two models (Pet, Owner) on the loopback with defects planted by name in SAILS_DEFECTS, and
the specs written from Sails' blueprint docs (pet.xml; populated/ for a pet with its owner).

What it shows: a create answered 200 (not 201) with the record, a delete answered 200 with the
record it destroyed, an unknown id answered 404 in plain text, a body the model refuses
answered 400 {code, message, details}; an update or a destroy that keeps the pet is caught
by its read-back and named.

What it showed, now fixed:
- a pet's owner, sent as its id (`path="owner:$.id"`) and read back populated as the owner
  record, failed every correct write ("the write did not stick: $.owner: sent 2, read {...}");
  the read's record is now compared by its key (verify/compare.reference_keys);
- a list read-back that cannot see the record (Sails lists 30 a page as a bare array, with no
  next link or count) passed a destroy that kept it, though the same list had missed the pet
  while it existed, and the sweep then never looked for it: such an absence is now "could not
  tell", and the sweep says the pet was NOT deleted (engine/paging.held_to_what_the_list_shows).
"""

from __future__ import annotations

from contextlib import AbstractContextManager
from pathlib import Path
from typing import Any

import pytest

from ..support import DATA, assert_caught
from ._thirdparty import (
    SAILS,
    Started,
    failures,
    fill,
    list_only_spec,
    listed,
    npm_package,
    run_spec,
    serving_node,
)

APP = DATA / "thirdparty" / "sails"
SPEC = APP / "pet.xml"
POPULATED = APP / "populated"
SAILS_PAGE = 30
"""How many records a blueprint list answers when no `limit` is sent."""


def sails(folder: Path, *defects: str) -> AbstractContextManager[Started]:
    """Sails lifted from serve.js, its disk database in `folder`."""
    modules = npm_package(*SAILS) / "node_modules"
    env = {"SAILS_DEFECTS": ",".join(defects)}
    return serving_node(APP, modules, folder, "/pet", env, str(folder))


def records(api: Started, model: str) -> list[dict[str, Any]]:
    """Every record of `model` on the server (past the list's default page)."""
    return listed(api, f"/{model}", params={"limit": 1000})


def test_a_correct_run_passes_every_case_and_leaves_no_pet(tmp_path: Path) -> None:
    with sails(tmp_path / "api") as api:
        status, result = run_spec(SPEC, api, tmp_path, "--cases", "all")
        left = records(api, "pet")
    assert status == 0, failures(result)
    cases = result["cases"]
    assert cases and all(c["status"] == "passed" for c in cases), failures(result)
    tested = {(c["operation"], c["case"]) for c in cases}
    for operation in ("create", "find", "findOne", "update", "destroy"):
        assert (operation, "positive") in tested, operation
    for check in ("verify create", "verify update", "verify destroy"):
        assert ("findOne", check) in tested, check
    negatives = [c for c in cases if c["case"].startswith(("Invalid", "Null", "Length", "Mand"))]
    assert len(negatives) > 20, sorted(tested)
    assert result["cleanup_counts"] == {"deleted": 0, "not_deleted": 0}
    assert left == []


@pytest.mark.parametrize(
    ("defect", "case", "said", "left"),
    [
        ("kept-update", "verify update", "the write did not stick: $.name", 0),
        ("kept-delete", "verify destroy", "is still there after the delete", 1),
    ],
)
def test_each_planted_defect_is_caught_and_named(
    tmp_path: Path, defect: str, case: str, said: str, left: int
) -> None:
    """And the pet a kept destroy left is the one the sweep reports NOT deleted."""
    with sails(tmp_path / "api", defect) as api:
        status, result = run_spec(SPEC, api, tmp_path, "--cases", "positive")
        kept = [f"{api.url}/pet/{pet['id']}" for pet in records(api, "pet")]
    assert status == 1
    assert_caught(result["cases"], case, said)
    assert result["cleanup_counts"]["not_deleted"] == len(kept) == left
    destroyed = [c["url"] for c in result["cases"] if c["operation"] == "destroy"]
    assert kept == destroyed[:left]


def test_a_pet_whose_owner_is_read_back_populated_passes(tmp_path: Path) -> None:
    with sails(tmp_path / "api") as api:
        status, result = run_spec(POPULATED / "pet.xml", api, tmp_path, "--cases", "positive")
        left = records(api, "pet") + records(api, "owner")
    assert left == []
    assert status == 0, failures(result)


def test_a_kept_destroy_past_the_lists_first_page_is_not_passed(tmp_path: Path) -> None:
    spec = list_only_spec(SPEC, "findOne", tmp_path / "spec")
    with sails(tmp_path / "api", "kept-delete") as api:
        fill(f"{api.url}/pet", "name", SAILS_PAGE, 200)
        status, result = run_spec(spec, api, tmp_path, "--cases", "positive")
        left = records(api, "pet")
    assert status == 1
    assert len(left) == SAILS_PAGE + 1  # the run's own pet, kept by the destroy
    (check,) = [c for c in result["cases"] if c["case"] == "verify destroy"]
    assert check["status"] != "passed", check
    assert result["cleanup_counts"]["not_deleted"] == 1, result["cleanup"]
