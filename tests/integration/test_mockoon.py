"""Against Mockoon's CLI 9.9 (npm `@mockoon/cli`), what many QA teams stand up as a stand-in for
an API before it exists: tests/data/thirdparty/mockoon holds taskboard.json, a Mockoon
environment of two CRUD routes over data buckets, projects (Mockoon's default key, `id`) and
tasks (its `crudKey` is `uuid`; a task names its project by `project_id`), with the
environment's own response rules for what the API is to refuse (Mockoon validates nothing
itself): a body that breaks a JSON schema kept in a data bucket (400), a task naming a project
the bucket does not hold (422), a list query out of bounds (400). serve.py starts the CLI over
it, planting by name the defects that defects.json writes as Mockoon route responses (rules,
setData). projects.xml and tasks.xml are written from Mockoon's CRUD route docs.

Mockoon's CRUD conventions, which are not json-server's: a create is 201 with the body and the
key Mockoon gave it (the highest integer id plus one, so a deleted highest id comes back; a
random UUID where the bucket holds no integer key); a POST that carries a key keeps it, even
one the bucket already holds (201, and two records share it: reads and writes by that key find
the older); PUT replaces the record with the body (its key kept, what it does not send gone),
PATCH merges the body into it, both 200 with the record; DELETE is 200 `{}`; an unknown key is
404 `{}` for a read, a PUT, a PATCH or a DELETE (a PUT never creates). A list is the bare
bucket, with `X-Total-Count` (the whole bucket) and `X-Filtered-Count` headers, `page` and
`limit` (10 a page once either is sent), `sort`/`order` and `FIELD_eq` filters. And a CRUD
route also answers `PUT /tasks` (the whole bucket replaced by the body) and `DELETE /tasks`
(emptied).

What it shows apitest gets right: a correct mock passes every case (`--cases all`) and keeps
nothing: the task's project is prepared first (`auto-test-dependency`) and its id sent as
`project_id` and as the list's `project_id_eq`; records are addressed by the custom key; the
PUT that drops the labels is not held to them, and the PATCH after it is held only to what the
run wrote and read back since; every unknown-key case gets Mockoon's 404. A delete that keeps
the project, a PUT or PATCH that is answered and not stored, a create that stores the task
without its labels, a create answered 200, a PATCH that replaces, and a mock that accepts any
project body are each caught and named; what a kept delete leaves is reported NOT deleted. A
create that would carry the key of a task the mock holds (a spec pinning the key by its
example) is not sent: apitest reads the key first, finds it taken and errs the create, so the
mock's task is untouched; with `unique-for` on a client-chosen key each create sends its own.

What it showed, now fixed:
- FALSE GREEN: where the list is the read-back and answers a bare array, the array's
  wrapper was taken for its records' structure, and nothing the write sent was compared.
  engine/shown._records_structure now takes the items of a bare array.
- A correct create whose task stood past the list's first page failed "the read answer holds
  no tasks record", though the answer said the list goes on (`X-Total-Count: 14` beside 10
  tasks): it is now "could not tell" (engine/paging._header_said).

- A collection update that addresses no record (`PUT /tasks`, which Mockoon documents) was
  sent: the mock's whole bucket was replaced, the task it held before the run was gone, and
  the keyless record the run left was reported nowhere. A body that is an array of records
  addresses no one record (plan/record_keys.needs_own_record), and such an update of a resource
  with a create is skipped, saying why, as the delete of the same collection always was.
"""

from __future__ import annotations

import json
import re
import shutil
import sys
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager
from pathlib import Path
from typing import Any

import pytest
from lxml import etree

from ..support import DATA, assert_caught, loopback_client
from ._thirdparty import (
    Started,
    assert_passed_clean,
    edited_spec,
    failures,
    listed,
    npm_package,
    run_spec,
    serving_app,
    the_case,
)

MOCKOON = "@mockoon/cli@9.9.0"  # needs Node 18 or later
APP = DATA / "thirdparty" / "mockoon"
TASKS = APP / "tasks.xml"
UUID = r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}"
_BUCKETS = json.loads((APP / "taskboard.json").read_text(encoding="utf-8"))["data"]
SEED: dict[str, list[dict[str, Any]]] = {
    bucket["id"]: json.loads(bucket["value"])
    for bucket in _BUCKETS
    if bucket["id"] in ("projects", "tasks")
}
"""What the mock holds when it starts: a project and a task of its own, which no run may touch."""
SEED_TASK = SEED["tasks"][0]["uuid"]

Held = dict[str, list[dict[str, Any]]]
Run = tuple[int, dict[str, Any], Held]
"""A run's exit status, its report.json, and what the mock held after it."""
RunOf = Callable[[str, str], Run]


@pytest.fixture(scope="module")
def cli() -> Path:
    """Mockoon's CLI, installed from the npm registry on first use."""
    return npm_package(MOCKOON) / "node_modules" / ".bin" / "mockoon-cli"


def taskboard(cli: Path, folder: Path, defects: str = "") -> AbstractContextManager[Started]:
    """serve.py (run by this Python: it only writes the environment and becomes Mockoon)."""
    argv = [str(folder), str(cli), defects]
    return serving_app(Path(sys.executable), APP, folder, argv, "/projects")


def held(api: Started) -> Held:
    return {name: listed(api, f"/{name}") for name in ("projects", "tasks")}


def others(api: Started, count: int) -> None:
    """`count` tasks of someone else's on the mock's own project, before the run."""
    with loopback_client() as http:
        for number in range(count):
            task = {"project_id": 1, "title": f"theirs {number}", "done": False, "priority": "low"}
            made = http.post(f"{api.url}/tasks", json=task)
            assert made.status_code == 201, made.text


def run(
    cli: Path,
    folder: Path,
    spec: Path = APP,
    defects: str = "",
    cases: str = "positive",
    before: int = 0,
) -> Run:
    with taskboard(cli, folder / "api", defects) as api:
        others(api, before)
        status, result = run_spec(spec, api, folder, "--seed", "3", "--cases", cases)
        return status, result, held(api)


@pytest.fixture(scope="module")
def runs(cli: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[RunOf]:
    """Each run of the module's specs once, by its defects and cases: tests share them."""
    done: dict[tuple[str, str], Run] = {}

    def of(defects: str, cases: str) -> Run:
        if (defects, cases) not in done:
            folder = tmp_path_factory.mktemp(defects.replace(",", "+") or "correct")
            done[defects, cases] = run(cli, folder, defects=defects, cases=cases)
        return done[defects, cases]

    yield of


def tasks_variant(folder: Path, change: Callable[[etree._ElementTree], None]) -> Path:
    """A folder holding projects.xml and tasks.xml as `change` leaves it."""
    edited_spec(TASKS, folder, change)
    shutil.copy(APP / "projects.xml", folder)
    return folder


def one(tree: etree._ElementTree | etree._Element, xpath: str) -> etree._Element:
    found = tree.xpath(xpath)
    assert isinstance(found, list) and len(found) == 1, xpath
    element = found[0]
    assert isinstance(element, etree._Element)
    return element


def remove(tree: etree._ElementTree, xpath: str) -> None:
    element = one(tree, xpath)
    parent = element.getparent()
    assert parent is not None
    parent.remove(element)


def list_only(tree: etree._ElementTree) -> None:
    """No read by key: the list (filtered by the run's project) verifies every write."""
    remove(tree, "//operation[@name='read task']")


def calls(result: dict[str, Any], name: str) -> list[dict[str, Any]]:
    found: list[dict[str, Any]] = the_case(result, name)["calls"]
    return found


def test_a_correct_mock_passes_every_case_and_keeps_nothing(runs: RunOf) -> None:
    status, result, after = runs("", "all")
    left = [r for name, records in after.items() for r in records if r not in SEED[name]]
    verifies = [f"verify {write} task" for write in ("create", "replace", "patch", "delete")]
    verifies += [f"verify {write} project" for write in ("create", "replace", "delete")]
    assert_passed_clean(status, result, left, verifies)
    assert after == SEED
    assert not [c for c in result["cases"] if c["status"] != "passed"]


def test_the_task_is_made_on_the_project_the_run_prepared_and_found_by_its_uuid(
    runs: RunOf,
) -> None:
    _, result, _ = runs("", "all")
    chain = the_case(result, "create task / positive")["chain"]
    (prepared,) = [  # its own chain's: each chain of tasks prepares one, in no set order
        c
        for c in result["cases"]
        if c["name"] == "create project / record for tasks" and c["chain"] == chain
    ]
    project = json.loads(prepared["calls"][0]["response_body"])
    assert isinstance(project["id"], int) and project["id"] > 1  # the next integer id
    (create,) = calls(result, "create task / positive")
    task = json.loads(create["response_body"])
    assert json.loads(create["request_body"])["project_id"] == task["project_id"] == project["id"]
    assert "uuid" not in json.loads(create["request_body"])
    assert re.fullmatch(UUID, task["uuid"]), task  # the key Mockoon made
    (listing,) = calls(result, "list tasks / positive")
    assert f"project_id_eq={project['id']}" in listing["url"]
    assert [t["uuid"] for t in json.loads(listing["response_body"])] == [task["uuid"]]
    for write in ("replace task", "patch task", "delete task"):
        (call,) = calls(result, f"{write} / positive")
        assert call["url"].endswith(f"/tasks/{task['uuid']}")


def test_the_put_drops_the_labels_and_the_patch_after_it_is_not_held_to_them(
    runs: RunOf,
) -> None:
    _, result, _ = runs("", "all")
    (create,) = calls(result, "create task / positive")
    (put,) = calls(result, "replace task / positive")
    (patch,) = calls(result, "patch task / positive")
    assert json.loads(create["response_body"])["labels"]
    assert "labels" not in json.loads(put["request_body"])
    assert "labels" not in json.loads(put["response_body"])  # replaced: the labels are gone
    patched = json.loads(patch["response_body"])
    assert set(json.loads(patch["request_body"])) == {"title", "done"}
    assert patched["priority"] == json.loads(put["request_body"])["priority"]  # merged
    assert the_case(result, "read task / verify patch task")["status"] == "passed"


def test_an_unknown_key_is_mockoons_404_and_an_unknown_project_the_mocks_422(
    runs: RunOf,
) -> None:
    _, result, _ = runs("", "all")
    unknown = [c for c in result["cases"] if c["case"].startswith("InvalidValueInURLPath")]
    assert len(unknown) == 7  # read, replace and delete a project; read, PUT, PATCH, delete a task
    assert {(c["status"], c["http_status"]) for c in unknown} == {("passed", 404)}
    assert {c["calls"][0]["response_body"] for c in unknown} == {"{}"}
    foreign = the_case(result, "create task / Invalid Value project_id (above range)")
    assert (foreign["status"], foreign["http_status"]) == ("passed", 422)


DEFECTS = [
    # (defects planted in one run, the case that must fail, what it must say)
    ("kept-delete,lost-update,dropped-labels", "verify delete project", "is still there after"),
    ("kept-delete,lost-update,dropped-labels", "verify replace task", "did not stick: $.done"),
    ("kept-delete,lost-update,dropped-labels", "verify patch task", "did not stick: $.title"),
    ("kept-delete,lost-update,dropped-labels", "verify create task", '$.labels: sent ["web"]'),
    ("create-answers-200,patch-replaces", "positive", "status 200 is not declared for create"),
    ("create-answers-200,patch-replaces", "verify patch task", "$.project_id: expected present"),
]


@pytest.mark.parametrize(("defects", "case", "said"), DEFECTS)
def test_each_planted_defect_is_caught_and_named(
    runs: RunOf, defects: str, case: str, said: str
) -> None:
    status, result, _ = runs(defects, "positive")
    assert status == 1
    if case == "positive":  # the create's own case; every other positive case passes
        found = [c for c in result["cases"] if c["name"] == "create task / positive"]
        assert_caught(found, case, said)
    else:
        assert_caught(result["cases"], case, said)


def test_the_projects_a_kept_delete_leaves_are_reported_not_deleted(runs: RunOf) -> None:
    _, result, after = runs("kept-delete,lost-update,dropped-labels", "positive")
    kept = [p for p in after["projects"] if p not in SEED["projects"]]
    assert len(kept) == 2  # the run's own project, and the one it prepared for the task
    assert result["cleanup_counts"] == {"deleted": 0, "not_deleted": 2}, result["cleanup"]
    assert after["tasks"] == SEED["tasks"]


def test_a_mock_that_takes_any_project_fails_every_refusal_and_keeps_nothing(
    runs: RunOf,
) -> None:
    status, result, after = runs("unchecked-projects", "negative")
    assert status == 1
    body = [
        c
        for c in result["cases"]
        if c["operation"] in ("create project", "replace project") and c["negative_kind"]
        if not c["case"].startswith("InvalidValueInURLPath")
    ]
    assert len(body) == 18 and {c["status"] for c in body} == {"failed"}
    assert all(c["message"].startswith("the API accepted ") for c in body)
    assert_caught(result["cases"], "Invalid Value status", 'accepted status = "apitest-')
    assert not [c for c in result["cases"] if c["status"] != "passed" and c not in body]
    assert after == SEED  # each accepted create deleted at once, each PUT restored


def test_a_create_with_the_key_of_a_task_the_mock_holds_is_not_sent(
    cli: Path, tmp_path: Path
) -> None:
    """A spec that lets the create carry the uuid, with the mock's own task's as its example.
    Mockoon would answer 201 and keep both, and its reads, writes and deletes by that key
    would find the older task, the mock's own: apitest reads the key first, finds it taken,
    and errs the create rather than send it, so the chain touches nothing."""

    def pinned_key(tree: etree._ElementTree) -> None:
        uuid = one(tree, "//structure[@ref-name='task']/property[@name='uuid']")
        uuid.set("include-for", "Request[create],Response[read,create,update]")
        uuid.set("example-value", SEED_TASK)

    spec = tasks_variant(tmp_path / "spec", pinned_key)
    status, result, after = run(cli, tmp_path, spec)
    assert status == 1
    create = the_case(result, "create task / positive")
    assert create["status"] == "error", create["message"]
    assert "is there before create task" in create["message"]
    assert [call["method"] for call in create["calls"]] == ["GET"]  # the read, not the POST
    assert after == SEED


def test_a_client_chosen_unique_key_is_the_one_mockoon_keeps(cli: Path, tmp_path: Path) -> None:
    def chosen_key(tree: etree._ElementTree) -> None:
        uuid = one(tree, "//structure[@ref-name='task']/property[@name='uuid']")
        uuid.set("include-for", "Request[create],Response[read,create,update]")
        uuid.set("unique-for", "Request[create]")
        uuid.set("example-value", SEED_TASK)

    spec = tasks_variant(tmp_path / "spec", chosen_key)
    status, result, after = run(cli, tmp_path, spec)
    assert status == 0, failures(result)
    before, create = calls(result, "create task / positive")  # its generated key read first
    assert (before["method"], before["status"]) == ("GET", 404)
    sent = json.loads(create["request_body"])["uuid"]
    assert before["url"].endswith(sent)
    assert re.fullmatch(UUID, sent) and sent != SEED_TASK
    assert json.loads(create["response_body"])["uuid"] == sent
    assert calls(result, "read task / verify create task")[0]["url"].endswith(sent)
    assert after == SEED


def test_a_write_read_back_through_the_bare_list_is_compared(cli: Path, tmp_path: Path) -> None:
    spec = tasks_variant(tmp_path / "spec", list_only)
    status, result, _ = run(cli, tmp_path, spec, "lost-update,dropped-labels")
    assert status == 1
    assert_caught(result["cases"], "verify create task", "the write did not stick: $.labels")
    assert_caught(result["cases"], "verify replace task", "the write did not stick: $.done")


def paged_list_only(tree: etree._ElementTree) -> None:
    """The list verifies every write, one page of 10 (limit required), unfiltered."""
    list_only(tree)
    remove(tree, "//operation[@name='list tasks']/argument[@name='project_id_eq']")
    limit = one(tree, "//operation[@name='list tasks']/argument[@name='limit']")
    limit.set("required", "true")
    one(limit, ".//property").set("example-value", "10")


def test_a_task_past_the_first_page_is_could_not_tell_not_a_failure(
    cli: Path, tmp_path: Path
) -> None:
    spec = tasks_variant(tmp_path / "spec", paged_list_only)
    status, result, _ = run(cli, tmp_path, spec, before=12)
    found = the_case(result, "list tasks / verify create task")
    assert calls(result, "list tasks / verify create task")[0]["url"].endswith("?limit=10")
    assert status == 1
    assert found["status"] == "error", found["message"]
    assert "could not tell" in found["message"]


def replace_all(tree: etree._ElementTree) -> None:
    """tasks.xml with the two collection routes Mockoon documents for a CRUD route: PUT
    /tasks replaces the whole bucket with the body, DELETE /tasks empties it."""
    collection = one(tree, "//url[@path='/tasks']")
    collection.append(
        etree.fromstring(
            '<operation method="put" name="replace all tasks" category="update">'
            "<request-body><content><encode type='application/json'/><structure>"
            "<property type='collections'><structure-ref name='task'/></property>"
            "</structure></content></request-body>"
            "<response status='200'><content><encode type='application/json'/><structure>"
            "<property type='collections'><structure-ref name='task'/></property>"
            "</structure></content></response></operation>"
        )
    )
    collection.append(
        etree.fromstring(
            '<operation method="delete" name="delete all tasks" category="delete">'
            "<response status='200'><content><encode type='application/json'/>"
            "<structure-ref name='nothing'/></content></response></operation>"
        )
    )


@pytest.fixture(scope="module")
def collections_run(cli: Path, tmp_path_factory: pytest.TempPathFactory) -> Run:
    """A run of tasks.xml with the collection routes (replace_all)."""
    folder = tmp_path_factory.mktemp("collections")
    return run(cli, folder, tasks_variant(folder / "spec", replace_all))


def test_a_collection_delete_is_never_sent(collections_run: Run) -> None:
    _, result, _ = collections_run
    kept = the_case(result, "delete all tasks / positive")
    assert kept["status"] == "skipped" and not kept["calls"]
    assert "addresses no tasks record" in kept["message"]


def test_a_collection_update_does_not_replace_the_mocks_own_tasks(collections_run: Run) -> None:
    _, result, after = collections_run
    assert after["tasks"] == SEED["tasks"], after["tasks"]
    replace = the_case(result, "replace all tasks / positive")
    assert replace["status"] == "skipped" and not replace["calls"]
    assert "addresses no tasks record" in replace["message"]
