"""Against Roundup 2.6 (PyPI), the REST API of an issue tracker: a classic tracker over sqlite,
installed and served by Roundup's own WSGI application from tests/data/thirdparty/roundup/
serve.py, with defects planted by name by a WSGI middleware in front of it, and specs written
from Roundup's doc/rest.txt (keywords.xml, issues.xml: an issue links keywords).

Roundup's conventions are the point: every answer is wrapped in `{"data": ...}`; a create
answers 201 `{"data": {"id", "link"}}`, not the item; an item reads as `{"data": {"id",
"type", "link", "attributes": {...}, "@etag"}}`, its properties one level down, and the
collection `{"data": {"collection": [{"id", "link"}], "@total_size"}}` embeds the properties
`@fields` names (a Multilink as ids with `@verbose=0`). PUT, PATCH and DELETE of an item must
send its ETag in If-Match (412 without it or with a stale one), and answer with what changed,
never the new ETag. DELETE retires: the item still reads by its URL, unchanged, and only a
search no longer finds it; so the specs verify writes by a search by id. Writes need the
CSRF headers Roundup checks: X-Requested-With (any value) and an Origin it allows (400
otherwise); the admin logs in by HTTP Basic.

What it shows apitest gets right: the ETag is taken from the item's body (`$['@etag']`) into
If-Match; a write without it, or without Origin or X-Requested-With, is refused and those
negative cases pass; a retire is verified gone by the search while the item still reads; the
keyword an issue links is made first and its id sent; a lost update, a kept delete, a create
that drops the issue's keywords, a create answered 200, and a write done without its ETag are
each caught and named.

What it showed, now fixed:
- after an update, the delete sent the ETag the record had before it, refused 412: Roundup's
  update answer holds no new `@etag` and the search that reads it back shows none, and the
  Data Manager kept the stale one;
- a record no item read had gone through (the one made for the negative cases, the keyword
  prepared for an issue) had no ETag: its writes were skipped and the cleanup reported it NOT
  deleted, though the spec's item read would have given it.
A value a call takes from its own record in a header or parameter is now marked stale by a
write whose answer does not give it anew, and a call that finds it missing or stale reads the
record again first, through each read by its key until one shows it (engine/record_state,
cleanup.refresh): the delete, the undo's restore and the sweep alike.
"""

from __future__ import annotations

import base64
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from ..support import DATA, assert_caught, loopback_client
from ._thirdparty import (
    Started,
    failures,
    ledger_of,
    plant,
    pypi_command,
    run_spec,
    serving_app,
    the_case,
)

ROUNDUP = "roundup==2.6.0"
APP = DATA / "thirdparty" / "roundup"
KEYWORDS = APP / "keywords.xml"
ISSUES = APP / "issues.xml"
PASSWORD = "apitest-admin-secret"
TOKEN = "Basic " + base64.b64encode(f"admin:{PASSWORD}".encode()).decode()
AUTH = {"Authorization": TOKEN}
WRITE = {**AUTH, "X-Requested-With": "rest", "Origin": "https://client.example"}
KINDS = ("issue", "keyword")


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Started]:
    """One tracker for the module (installed and initialised on start, some seconds); each
    test plants its defects with `plant`."""
    python = pypi_command(ROUNDUP, "python")
    folder = tmp_path_factory.mktemp("roundup") / "server"
    with serving_app(python, APP, folder, [str(folder), PASSWORD], "/rest/") as api:
        yield api


@pytest.fixture
def roundup(server: Started) -> Iterator[Started]:
    """The module's tracker with no defect planted, every issue and keyword retired after the
    test (so a test that kept one leaves nothing to the next)."""
    plant(server)
    yield server
    plant(server)
    with loopback_client() as http:
        for kind in KINDS:
            for item in live(server, kind):
                path = f"{server.url}/rest/data/{kind}/{item['id']}"
                etag = http.get(path, headers=AUTH).headers["ETag"]
                http.delete(path, headers={**WRITE, "If-Match": etag})


def live(api: Started, kind: str) -> list[dict[str, Any]]:
    """The items of the class that are not retired, read past apitest."""
    with loopback_client() as http:
        answer = http.get(f"{api.url}/rest/data/{kind}", headers=AUTH)
    assert answer.status_code == 200, answer.text
    found: list[dict[str, Any]] = answer.json()["data"]["collection"]
    return found


def run(api: Started, tmp_path: Path, spec: Path, cases: str) -> tuple[int, dict[str, Any]]:
    return run_spec(
        spec, api, tmp_path, "--seed", "3", "--cases", cases, under="/rest", token=TOKEN
    )


def made(tmp_path: Path, resource: str) -> list[str]:
    """The ids of the `resource` records the run's ledger says it created."""
    return [
        entry["keys"]["id"]
        for entry in ledger_of(tmp_path)
        if entry["event"] == "created" and entry["resource"] == resource
    ]


def test_a_retire_is_verified_by_the_search_while_the_item_still_reads(
    roundup: Started, tmp_path: Path
) -> None:
    """Create, search, item read (its ETag into If-Match), update, delete: each passes and is
    read back, nothing is left live; the delete after the update reads the item again for
    the ETag the update moved on; the retired keyword still answers 200 by its URL."""
    status, result = run(roundup, tmp_path, KEYWORDS, "positive")
    assert status == 0, failures(result)
    verifies = [c["case"] for c in result["cases"] if c["kind"] == "operation validation"]
    assert verifies == ["verify create keyword", "verify update keyword", "verify delete keyword"]
    delete = the_case(result, "delete keyword / positive")
    assert [call["method"] for call in delete["calls"]] == ["GET", "GET", "DELETE"], delete
    assert any("@etag" in note for note in delete["notes"]), delete["notes"]
    assert result["cleanup_counts"] == {"deleted": 0, "not_deleted": 0}
    assert live(roundup, "keyword") == []
    (retired,) = made(tmp_path, "keywords")
    assert roundup.get(f"/rest/data/keyword/{retired}").status_code in (401, 403)  # no login
    with loopback_client() as http:
        still = http.get(f"{roundup.url}/rest/data/keyword/{retired}", headers=AUTH)
    assert still.status_code == 200 and still.json()["data"]["id"] == retired


def test_writes_without_the_csrf_headers_or_the_etag_are_refused_and_judged_so(
    roundup: Started, tmp_path: Path
) -> None:
    _status, result = run(roundup, tmp_path, KEYWORDS, "negative")
    for case, answered in [
        ("create keyword / Mandatory Header Origin", 400),
        ("create keyword / Invalid Header Origin", 400),
        ("create keyword / Mandatory Header X-Requested-With", 400),
        ("create keyword / Mandatory Property name", 400),
        ("delete keyword / Mandatory Header If-Match", 412),
        ("create keyword / Missing Token", 403),
    ]:
        found = the_case(result, case)
        assert (found["status"], found["http_status"]) == ("passed", answered), found
    # the record the negative cases share, made without an item read, is read for its ETag
    skipped = [c["id"] for c in result["cases"] if "no @etag" in c["message"]]
    assert skipped == []
    assert result["cleanup_counts"]["not_deleted"] == 0
    assert live(roundup, "keyword") == []


@pytest.mark.parametrize(
    ("defect", "specs", "cases", "case", "said"),
    [
        (
            "lost-update",
            (KEYWORDS,),
            "positive",
            "verify update keyword",
            "the write did not stick: $.name",
        ),
        (
            "kept-delete",
            (KEYWORDS,),
            "positive",
            "verify delete keyword",
            "is still there after the delete",
        ),
        (
            "dropped-keyword",
            (KEYWORDS, ISSUES),
            "positive",
            "verify create issue",
            "the write did not stick: $.keyword",
        ),
        (
            "no-etag-check",
            (KEYWORDS,),
            "negative",
            "Mandatory Header If-Match",
            "the API accepted a call without the required header If-Match",
        ),
    ],
)
def test_each_planted_defect_is_caught_and_named(
    roundup: Started,
    tmp_path: Path,
    defect: str,
    specs: tuple[Path, ...],
    cases: str,
    case: str,
    said: str,
) -> None:
    spec = specs[0] if len(specs) == 1 else APP
    plant(roundup, defect)
    status, result = run(roundup, tmp_path, spec, cases)
    assert status == 1
    assert_caught(result["cases"], case, said)


def test_a_create_answered_200_is_failed_and_what_it_made_is_still_cleaned_up(
    roundup: Started, tmp_path: Path
) -> None:
    plant(roundup, "created-200")
    status, result = run(roundup, tmp_path, KEYWORDS, "positive")
    assert status == 1
    create = the_case(result, "create keyword / positive")
    assert (create["status"], create["http_status"]) == ("failed", 200)
    assert create["message"].startswith("status 200 is not declared for create keyword")
    assert list(failures(result)) == [create["id"]]
    assert live(roundup, "keyword") == []
