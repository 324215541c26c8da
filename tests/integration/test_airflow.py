"""Against Apache Airflow 2.10 (PyPI apache-airflow), its stable REST API (`/api/v1`) of
variables, pools and connections: tests/data/thirdparty/airflow/serve.py runs Airflow's own
webserver app over SQLite with the basic_auth backend and a user of its own, defects planted by
name by a WSGI middleware in front; variables.xml, pools.xml and connections.xml are written
from Airflow's REST API reference.

Airflow's conventions are the point: the client chooses every key (a variable's `key`, a pool's
`name`, a connection's `connection_id`), in the create's body, and the URL names the record by
it. Every write answers 200 with the record, a delete 204 with no body (under `text/html`).
A PATCH takes `update_mask`, the fields to write; without one a variable's or a pool's PATCH
sends the whole record (a variable's key and value, a pool's name and slots, are required),
a connection's only what changes. A variable's
create is an upsert (a key that exists is overwritten, answered 200 as a new one); a pool's and
a connection's answer 409 instead. A connection's password is write-only, and its list leaves
out password and extra. Errors are RFC 7807 problems under `application/problem+json` (400 for
what the schema or the endpoint refuses, 401 without valid Basic credentials, 404), an
unhandled error Airflow's HTML "Ooops!" page.

What it shows apitest gets right: a correct run of each resource passes every case and leaves
nothing, Airflow's own `default_pool` in the lists neither changed nor deleted; the record keys
in the update bodies are the records' own; the write-only password is sent and never held to;
an update that is not stored, a delete that keeps the record, a create that drops a member, a
PATCH that ignores update_mask or replaces the record, and an id that is cleaned instead of
refused are each caught and named (a kept delete also when the list is the read-back); two
creates of one pinned key are not taken for two records. And it reports Airflow's own
departures from its docs: `update_mask=value`, a field the reference names, is refused 400
for a variable (a true red); the variables' list shows the value the reference says it
leaves out (a note).

What it showed, fixed meanwhile (490e1c8, for Jupyter's like case): an update accepted at a
made-up URL key whose answer shows the chain's own record was taken for an upsert there, and
the undo deleted the chain's record: the chain's later negative cases passed on the 404 (an
ignored update_mask went unreported) and its cleanup failed. engine/undo.Undoer.created now
asks effects.not_made_by_the_run first.

What it showed, now fixed:
- a write read back through a list was held to what the list's declared structure leaves out
  (a connection's extra): every correct create failed, as test_jupyter found for a listing.
  A read-back is now held to the structure its answer declares for its records
  (engine/shown.unshown_by);
- a PATCH that reset a member it did not send to its default (Airflow 2.10's pool PATCH sets
  `include_deferred` back to false) passed: only a member lost or nulled failed the read-back.
  A member reset to its type's empty value now fails too (verify/compare.dropped_members).

- a variable that existed before the run, under the key a spec pins, was overwritten by the
  run's create (200, as for a new one) and deleted at the end of the run; the run passed. A
  create that names its record by keys the spec pins now reads them first, and is not sent
  where a record the run did not make is there (engine/before_create.there_before).
"""

from __future__ import annotations

import base64
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from lxml import etree

from ..support import DATA, assert_caught, loopback_client
from ._thirdparty import (
    Started,
    assert_passed_clean,
    edited_spec,
    emptied,
    failures,
    list_only_spec,
    listed,
    plant,
    pypi_command,
    run_with_token,
    serving_app,
    the_case,
)

AIRFLOW = "apache-airflow==2.10.5"
APP = DATA / "thirdparty" / "airflow"
VARIABLES = APP / "variables.xml"
POOLS = APP / "pools.xml"
CONNECTIONS = APP / "connections.xml"
TOKEN = "Basic " + base64.b64encode(b"hunt:hunt-secret-1").decode()
"""The user serve.py makes, as the whole Authorization header (the spec's static token)."""
AUTH = {"Authorization": TOKEN}
KEYS = {"variables": "key", "pools": "name", "connections": "connection_id"}
SINGULAR = {"variables": "variable", "pools": "pool", "connections": "connection"}
DEFAULT_POOL = {"name": "default_pool", "slots": 128, "description": "Default pool"}


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Started]:
    """One Airflow webserver for the module (its start migrates the database and builds the
    app, some seconds); each test plants its defects with `plant`."""
    python = pypi_command(AIRFLOW, "python")
    folder = tmp_path_factory.mktemp("airflow") / "server"
    with serving_app(python, APP, folder, [str(folder)], "/api/v1/health") as api:
        yield api


@pytest.fixture
def airflow(server: Started) -> Iterator[Started]:
    """The module's server with no defect planted, emptied after the test of every variable,
    pool and connection but Airflow's default_pool (a test that kept a record leaves nothing
    to the next)."""
    plant(server)
    yield server
    kept = ((kind, key) for kind in KEYS for key in held(server, kind) if key != "default_pool")
    emptied(server, (f"/api/v1/{kind}/{key}" for kind, key in kept), AUTH)


def held(api: Started, kind: str) -> list[str]:
    """The keys of the variables, pools or connections Airflow holds, read past apitest."""
    records = listed(api, f"/api/v1/{kind}", kind, {"limit": 100}, AUTH)
    return [record[KEYS[kind]] for record in records]


def read(api: Started, kind: str, key: str) -> dict[str, Any]:
    with loopback_client() as http:
        answer = http.get(f"{api.url}/api/v1/{kind}/{key}", headers=AUTH)
    assert answer.status_code == 200, answer.text
    found: dict[str, Any] = answer.json()
    return found


def run(api: Started, tmp_path: Path, spec: Path, cases: str) -> tuple[int, dict[str, Any]]:
    return run_with_token(
        spec, api, tmp_path, TOKEN, "--seed", "3", "--cases", cases, under="/api/v1"
    )


def pinned_key_spec(folder: Path) -> Path:
    """variables.xml as a user who pins the key writes it: `my_var` (example-value), not
    declared unique."""

    def edit(tree: Any) -> None:
        (key,) = tree.xpath("//structure[@ref-name='variable']/property[@name='key']")
        del key.attrib["unique-for"]

    return edited_spec(VARIABLES, folder, edit)


def masked_value_spec(folder: Path) -> Path:
    """variables.xml whose PATCH sends `update_mask=value,description`: the fields the body
    changes, named as the reference names them."""

    def edit(tree: Any) -> None:
        (mask,) = tree.xpath("//operation[@name='update variable']/argument[@name='update_mask']")
        mask.find("content/structure/property").set("example-value", "value,description")

    return edited_spec(VARIABLES, folder, edit)


def partial_pool_patch_spec(folder: Path) -> Path:
    """pools.xml whose create sets include_deferred (true) and whose PATCH sends, with no
    update_mask, only what Airflow requires then (400 "Missing required property(ies)"
    otherwise): the pool's name and its new slots."""

    def edit(tree: Any) -> None:
        (deferred,) = tree.xpath("//structure[@ref-name='pool']/property[@name='include_deferred']")
        deferred.set("example-value", "true")
        change = etree.SubElement(
            tree.find("components"), "structure", {"ref-name": "pool_change", "name": "pool_change"}
        )
        for name, kind, extra in (
            ("name", "string", {"path": "pools:$.name"}),
            ("slots", "integer", {}),
        ):
            attributes = {"name": name, "type": kind, "required-for": "Request[update]", **extra}
            etree.SubElement(change, "property", attributes)
        (update,) = tree.xpath("//operation[@name='update pool']")
        del update.find("argument[@name='update_mask']/content/structure/property").attrib[
            "example-value"
        ]
        update.find("request-body/content/structure-ref").set("name", "pool_change")

    return edited_spec(POOLS, folder, edit)


@pytest.mark.parametrize("spec", [VARIABLES, POOLS, CONNECTIONS], ids=lambda spec: spec.stem)
def test_a_correct_run_passes_every_case_and_leaves_nothing(
    airflow: Started, tmp_path: Path, spec: Path
) -> None:
    """Airflow's default_pool, in every pool list the run reads, is neither changed nor
    deleted; each operation's Missing Token and Invalid Token are answered 401; a
    connection's password is sent and never held to; the value the variables' list shows,
    which the reference leaves out of it, is a note."""
    kind = spec.stem
    status, result = run(airflow, tmp_path, spec, "all")
    left = [key for key in held(airflow, kind) if key != "default_pool"]
    one = SINGULAR[kind]
    verifies = [f"verify {verb} {one}" for verb in ("create", "update", "delete")]
    assert_passed_clean(status, result, left, verifies)
    assert not [c["id"] for c in result["cases"] if c["status"] != "passed"]
    refused = {c["http_status"] for c in result["cases"] if c["case"].endswith(" Token")}
    assert refused == {401}
    if kind == "pools":
        assert DEFAULT_POOL.items() <= read(airflow, "pools", "default_pool").items()
    if kind == "connections":  # the write-only password: sent, never shown, never held to
        read_first, create = the_case(result, "create connection / positive")["calls"]
        assert (read_first["method"], read_first["status"]) == ("GET", 404)  # its chosen key
        assert json.loads(create["request_body"])["password"] == "s3cret"
        assert "password" not in json.loads(create["response_body"])
    if kind == "variables":  # the list shows the value its reference says it leaves out
        notes = the_case(result, "list variables / positive")["notes"]
        assert any(note.endswith(".value: not declared in the structure") for note in notes)


@pytest.mark.parametrize(
    ("defect", "spec", "cases", "case", "said"),
    [
        ("lost-update", VARIABLES, "positive", "verify update variable", "did not stick: $.value"),
        ("kept-delete", POOLS, "positive", "verify delete pool", "is still there after"),
        ("kept-delete", CONNECTIONS, "positive", "verify delete connection", "is still there"),
        (
            "dropped-description",
            CONNECTIONS,
            "positive",
            "verify create connection",
            'the write did not stick: $.description: sent "The warehouse", read null',
        ),
        (
            "replacing-patch",
            CONNECTIONS,
            "positive",
            "verify update connection",
            'the update dropped what it did not send: $.login: held "etl" before the PATCH',
        ),
        (
            "ignored-mask",
            CONNECTIONS,
            "all",
            "Invalid Param update_mask",
            "the API accepted param update_mask=",
        ),
        (
            "lenient-id",
            CONNECTIONS,
            "all",
            "Regex Mismatch connection_id",
            "the API accepted connection_id = ",
        ),
    ],
)
def test_each_planted_defect_is_caught_and_named(
    airflow: Started, tmp_path: Path, defect: str, spec: Path, cases: str, case: str, said: str
) -> None:
    """And a record a kept delete left is the one the sweep reports NOT deleted; what a
    cleaned id made is deleted at once."""
    plant(airflow, defect)
    status, result = run(airflow, tmp_path, spec, cases)
    kept = [key for key in held(airflow, spec.stem) if key != "default_pool"]
    assert status == 1
    assert_caught(result["cases"], case, said)
    if cases == "positive":
        assert [c["case"] for c in result["cases"] if c["status"] != "passed"] == [case]
    assert result["cleanup_counts"]["not_deleted"] == len(kept) == (defect == "kept-delete")
    if kept:
        (line,) = result["cleanup"]
        assert kept[0] in line and "NOT deleted" in line, line


def test_the_pools_list_as_the_read_back_passes_a_correct_api_and_catches_a_kept_delete(
    airflow: Started, tmp_path: Path
) -> None:
    """default_pool, listed beside the run's pools, is not the run's: neither held to nor
    deleted."""
    listing = list_only_spec(POOLS, "read pool", tmp_path / "spec")
    status, result = run(airflow, tmp_path / "correct", listing, "positive")
    assert status == 0, failures(result)
    assert held(airflow, "pools") == ["default_pool"]
    plant(airflow, "kept-delete")
    status, result = run(airflow, tmp_path / "kept", listing, "positive")
    assert status == 1
    assert_caught(result["cases"], "verify delete pool", "is still there after the delete")
    assert result["cleanup_counts"]["not_deleted"] == 1


def test_a_connection_read_back_through_its_list_is_held_to_what_the_list_shows(
    airflow: Started, tmp_path: Path
) -> None:
    listing = list_only_spec(CONNECTIONS, "read connection", tmp_path / "spec")
    status, result = run(airflow, tmp_path, listing, "positive")
    assert status == 0, failures(result)


def test_a_variable_patch_whose_update_mask_names_value_is_refused_unlike_the_docs(
    airflow: Started, tmp_path: Path
) -> None:
    """Airflow's reference lists `value` among a variable's fields and says update_mask takes
    field names; Airflow 2.10 checks the mask against its loaded data, where the value is
    `val`, and refuses it. apitest fails the positive PATCH (a true red), and the answer it
    keeps says why."""
    status, result = run(airflow, tmp_path, masked_value_spec(tmp_path / "spec"), "positive")
    assert status == 1
    update = the_case(result, "update variable / positive")
    assert (update["status"], update["http_status"]) == ("failed", 400)
    assert "update_mask=value%2Cdescription" in update["calls"][0]["url"]
    assert "'value' is unknown or cannot be updated." in update["calls"][0]["response_body"]
    assert [c["case"] for c in result["cases"] if c["status"] != "passed"] == [
        "positive",
        "verify update variable",  # skipped: nothing was written to verify
    ]
    assert held(airflow, "variables") == []


def test_two_creates_of_one_pinned_key_are_not_two_records_made(
    airflow: Started, tmp_path: Path
) -> None:
    """Airflow overwrites a variable whose key exists (200, as for a new one): the second
    create of `my_var` in one run is answered with the record the first made. It is not
    filed as a second record made (so no chain deletes the other's): the case errs saying
    why, naming unique-for, and the one record is deleted once."""
    _status, result = run(airflow, tmp_path, pinned_key_spec(tmp_path / "spec"), "all")
    names = ("positive", "record for negative cases")  # which comes second is up to timing
    creates = [the_case(result, f"create variable / {name}") for name in names]
    assert sorted(create["status"] for create in creates) == ["error", "passed"]
    (second,) = [create for create in creates if create["status"] == "error"]
    assert "which this run made before" in second["message"]
    assert 'unique-for="Request[create]"' in second["message"]
    assert result["cleanup_counts"] == {"deleted": 0, "not_deleted": 0}
    assert held(airflow, "variables") == []


def test_a_patch_that_resets_a_member_it_did_not_send_is_caught(
    airflow: Started, tmp_path: Path
) -> None:
    spec = partial_pool_patch_spec(tmp_path / "spec")
    status, result = run(airflow, tmp_path, spec, "positive")
    assert the_case(result, "update pool / positive")["http_status"] == 200
    assert status == 1
    assert_caught(result["cases"], "verify update pool", "$.include_deferred")


def test_an_update_accepted_at_a_made_up_key_leaves_the_chains_record_alone(
    airflow: Started, tmp_path: Path
) -> None:
    """`body-key-update` writes the variable the body's key names whatever the URL names;
    `ignored-mask` lets a mask naming no field through. The update accepted at a made-up key
    answers the chain's own record: it is not taken for one made there and deleted (which
    left the chain's later cases a 404 to pass on, hiding the ignored mask, and failed its
    cleanup), so both defects are caught, each by its own case."""
    plant(airflow, "body-key-update", "ignored-mask")
    status, result = run(airflow, tmp_path, VARIABLES, "all")
    assert status == 1
    accepted = the_case(result, "update variable / InvalidValueInURLPath variable_key")
    assert accepted["status"] == "failed" and "the API accepted" in accepted["message"]
    assert any("which this run made before, so it is not deleted" in n for n in accepted["notes"])
    cleanup = the_case(result, "delete variable / record prepared for negative cases")
    assert cleanup["status"] == "passed", cleanup["message"]
    assert_caught(result["cases"], "Invalid Param update_mask", "the API accepted param")


def test_a_variable_that_existed_before_the_run_is_neither_overwritten_nor_deleted(
    airflow: Started, tmp_path: Path
) -> None:
    with loopback_client() as http:
        theirs = {"key": "my_var", "value": "precious", "description": "theirs"}
        made = http.post(f"{airflow.url}/api/v1/variables", json=theirs, headers=AUTH)
    assert made.status_code == 200, made.text
    status, result = run(airflow, tmp_path, pinned_key_spec(tmp_path / "spec"), "positive")
    assert held(airflow, "variables") == ["my_var"], status
    assert read(airflow, "variables", "my_var") == theirs
    assert status == 1
    create = the_case(result, "create variable / positive")
    assert create["status"] == "error" and create["http_status"] is None
    assert "the variables record (key=my_var) is there before create variable" in create["message"]
    assert 'unique-for="Request[create]"' in create["message"]
