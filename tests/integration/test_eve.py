"""Against Eve 0.7 (python-eve.org) over SQLite through eve-sqlalchemy 0.7 (PyPI), whose
conventions are its own: a create answers 201 `{"_status": "OK", "id", "_etag", "_links"}`,
not the record; a list answers `{"_items", "_meta", "_links"}`; and, with IF_MATCH on, a PATCH,
PUT or DELETE must send the record's current etag in `If-Match` (428 without it, 412 with a
stale one), each write moving it on. tests/data/thirdparty/eve holds serve.py (defects planted
by name in EVE_DEFECTS) and items.xml, written from Eve's docs: the If-Match header takes the
record's etag from the Data Manager (`path="items:$._etag"`).

What it shows: a correct Eve passes every case (`--cases all`) and keeps nothing: the PUT after
the PATCH, and the DELETE after the PUT, each send the etag the write before moved on to (the
callback read refreshes the record), body cases are refused 422 and header cases 428, never a
stale etag's 412. An update or a delete that is answered 2xx and not carried out, a create that
drops a field, an If-Match that is not enforced and a range that is not checked are each
caught and named.

What it showed, now fixed: once the API wrongly accepted a negative update (its answer carrying
the new `_etag`), the record kept the etag sent, never the one answered, so the undo sent a stale
If-Match (412); and the cases sent beside it, with the etag of before, were refused 412 and
passed, hiding what the API would have accepted (PUT's unchecked range went unreported); the
chain's cleanup and the end-of-run sweep were refused 412 too, leaving the record on the server.
An update's answer now moves the record on (engine/effects.keep_what_the_answer_shows), and the
cases of an update that sends its record's state go one at a time (plan/model.parallel_groups).

These releases predate Python 3.10 (which took the ABCs out of `collections`) and build
Cerberus 0.9 from a setup.py that imports it: the virtualenv puts the ABCs back with a .pth
file (tests/data/thirdparty/eve/collections_abc.pth) before anything is installed, and builds
without isolation so that the .pth holds in the build too.
"""

from __future__ import annotations

import hashlib
import json
import sys
from contextlib import AbstractContextManager
from pathlib import Path
from typing import Any

import pytest

from ..support import DATA, assert_caught
from ._thirdparty import (
    Started,
    _install,
    assert_passed_clean,
    listed,
    must_refuse,
    run_spec,
    serving_app,
    the_case,
)

EVE = (
    "eve==0.7.10",
    "eve-sqlalchemy==0.7.1",  # its last release: Eve < 0.8, Flask-SQLAlchemy < 3
    "sqlalchemy==1.3.24",
    "flask-sqlalchemy==2.4.4",
    "flask==0.12",  # Eve 0.7 pins Flask <= 0.12, Werkzeug <= 0.11.15, Cerberus < 0.10 ...
    "werkzeug==0.11.15",
    "jinja2==2.11.3",
    "markupsafe==0.23",
    "itsdangerous==0.24",
    "click==8.1.8",
    "cerberus==0.9.2",
    "events==0.2.2",
    "simplejson==3.20.2",
    "flask-pymongo==0.5.2",  # imported by Eve whatever its data layer
    "pymongo==3.13.0",  # flask-pymongo 0.5 imports a module PyMongo 4 dropped
)
BUILD = ("setuptools==69.5.1", "wheel==0.43.0")
"""What builds the sdists among EVE (no build isolation: see the docstring)."""

APP = DATA / "thirdparty" / "eve"
SPEC = APP / "items.xml"
SEED = "3"


@pytest.fixture(scope="module")
def python() -> Path:
    """The Python of a virtualenv holding EVE, made on first use."""
    venv = Path("venv") / "bin" / "python"
    put_back = "import shutil, site, sys; shutil.copy(sys.argv[1], site.getsitepackages()[0])"
    pip = [str(venv), "-m", "pip", "install", "--quiet"]
    pins = hashlib.sha256(" ".join((*EVE, *BUILD)).encode()).hexdigest()[:10]
    folder = _install(
        f"eve-0.7.10+eve-sqlalchemy-0.7.1+{pins}",  # all the pins would be too long a name
        [
            [sys.executable, "-m", "venv", "venv"],
            [str(venv), "-c", put_back, str(APP / "collections_abc.pth")],
            [*pip, *BUILD],
            [*pip, "--no-build-isolation", *EVE],
        ],
        f"{' and '.join(EVE[:2])} from PyPI",
    )
    return folder / venv


def items_api(python: Path, folder: Path, *defects: str) -> AbstractContextManager[Started]:
    planted = {"EVE_DEFECTS": ",".join(defects)}
    argv = [str(folder / "items.sqlite")]
    return serving_app(python, APP, folder, argv, "/items", env=planted)


def run(api: Started, tmp_path: Path, cases: str) -> tuple[int, dict[str, Any]]:
    return run_spec(SPEC, api, tmp_path, "--seed", SEED, "--cases", cases)


def items(api: Started) -> list[dict[str, Any]]:
    """The items the API holds (all of them: a run makes far fewer than a page)."""
    return listed(api, "/items", "_items", {"max_results": 100})


def sent_etag(found: dict[str, Any]) -> str:
    etag: str = found["calls"][0]["request_headers"]["If-Match"]
    return etag


def answered_etag(found: dict[str, Any]) -> str:
    etag: str = found["calls"][0]["response_headers"]["etag"].strip('"')
    return etag


@pytest.fixture(scope="module")
def correct_run(
    python: Path, tmp_path_factory: pytest.TempPathFactory
) -> tuple[int, dict[str, Any], list[dict[str, Any]]]:
    """`--cases all` against a correct Eve: exit status, result and the items left."""
    folder = tmp_path_factory.mktemp("eve-correct")
    with items_api(python, folder / "api") as api:
        status, result = run(api, folder, "all")
        return status, result, items(api)


@pytest.fixture(scope="module")
def unchecked_run(
    python: Path, tmp_path_factory: pytest.TempPathFactory
) -> tuple[int, dict[str, Any], list[dict[str, Any]]]:
    """`--cases negative` against an Eve that stores any qty: what its PATCH wrongly accepts
    moves the record's etag on."""
    folder = tmp_path_factory.mktemp("eve-unchecked")
    with items_api(python, folder / "api", "unchecked-qty") as api:
        status, result = run(api, folder, "negative")
        return status, result, items(api)


def test_a_correct_api_passes_every_case_and_keeps_no_item(
    correct_run: tuple[int, dict[str, Any], list[dict[str, Any]]],
) -> None:
    status, result, left = correct_run
    writes = ("create", "patch", "replace", "delete")
    assert_passed_clean(status, result, left, [f"verify {write} item" for write in writes])


def test_each_write_sends_the_etag_the_write_before_moved_on_to(
    correct_run: tuple[int, dict[str, Any], list[dict[str, Any]]],
) -> None:
    _status, result, _left = correct_run
    create, patch = (
        the_case(result, "create item / positive"),
        the_case(result, "patch item / positive"),
    )
    put, delete = (
        the_case(result, "replace item / positive"),
        the_case(result, "delete item / positive"),
    )
    assert sent_etag(patch) == json.loads(create["calls"][0]["response_body"])["_etag"]
    assert sent_etag(put) == answered_etag(patch) != sent_etag(patch)
    assert sent_etag(delete) == answered_etag(put) != sent_etag(put)


def test_negative_cases_are_refused_for_what_they_break_not_for_a_stale_etag(
    correct_run: tuple[int, dict[str, Any], list[dict[str, Any]]],
) -> None:
    _status, result, _left = correct_run
    writes = ("patch item", "replace item", "delete item")
    negative = [c for c in result["cases"] if must_refuse(c) and c["operation"] in writes]
    headers = {(c["negative_kind"], c["http_status"]) for c in negative if "If-Match" in c["case"]}
    assert headers == {("Mandatory Header", 428), ("Empty Header", 428)}
    by_key = [c for c in negative if c["negative_kind"] in ("Unknown Key", "InvalidValueInURLPath")]
    assert by_key and {c["http_status"] for c in by_key} == {404}  # no item has the key sent
    body = [c for c in negative if "If-Match" not in c["case"] and c not in by_key]
    assert len(body) > 15
    assert {c["http_status"] for c in body} == {422}, {c["case"]: c["http_status"] for c in body}


@pytest.mark.parametrize(
    ("defect", "cases", "caught", "said"),
    [
        ("lost-update", "positive", "verify patch item", "the write did not stick: $.name: sent"),
        ("lost-update", "positive", "verify replace item", "the write did not stick: $.qty: sent"),
        ("kept-delete", "positive", "verify delete item", "is still there after the delete"),
        ("dropped-field", "positive", "verify create item", "the write did not stick: $.qty: sent"),
        (
            "optional-if-match",
            "negative",
            "Mandatory Header If-Match",
            "the API accepted a call without the required header If-Match",
        ),
    ],
)
def test_each_planted_defect_is_caught_and_named(
    python: Path, tmp_path: Path, defect: str, cases: str, caught: str, said: str
) -> None:
    with items_api(python, tmp_path / "api", defect) as api:
        status, result = run(api, tmp_path, cases)
    assert status == 1
    assert_caught(result["cases"], caught, said)


def test_a_range_the_api_does_not_check_is_caught_and_named(
    unchecked_run: tuple[int, dict[str, Any], list[dict[str, Any]]],
) -> None:
    status, result, _left = unchecked_run
    assert status == 1
    for name, value in (
        ("create item / Invalid Value qty (above range)", 1001),
        ("create item / Invalid Value qty (below range)", -1),
        ("patch item / Invalid Value qty (above range)", 1001),  # the first of its chain
    ):
        found = the_case(result, name)
        assert found["status"] == "failed", found["message"]
        assert found["message"].startswith(f"the API accepted qty = {value} (Invalid Value)")


def test_cases_after_a_wrongly_accepted_update_send_the_current_etag(
    unchecked_run: tuple[int, dict[str, Any], list[dict[str, Any]]],
) -> None:
    _status, result, _left = unchecked_run
    stale = [c["id"] for c in result["cases"] if c["http_status"] == 412]
    assert stale == []
    # PUT stores the out-of-range qty as PATCH does: its cases must say so, not pass on a 412
    for bound, value in (("above", 1001), ("below", -1)):
        found = the_case(result, f"replace item / Invalid Value qty ({bound} range)")
        assert found["status"] == "failed" and f"accepted qty = {value}" in found["message"]


def test_the_item_a_wrongly_accepted_update_changed_is_deleted_at_the_end(
    unchecked_run: tuple[int, dict[str, Any], list[dict[str, Any]]],
) -> None:
    _status, result, left = unchecked_run
    assert result["cleanup_counts"]["not_deleted"] == 0, result["cleanup"]
    assert left == []
