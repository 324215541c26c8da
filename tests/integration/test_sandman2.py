"""Against sandman2 1.2.3 (PyPI), which makes a REST resource of every table of a database: here
one SQLite table `book`, served by tests/data/thirdparty/sandman2/serve.py with defects planted
by name (SANDMAN2_DEFECTS), and books.xml, the spec written from sandman2's docs and service.py.

sandman2 is old: it pins SQLAlchemy 1.3.3 and Flask-SQLAlchemy 2.4.0, which need Flask 2.0 and
Werkzeug 2.0 (Flask-SQLAlchemy 2.4 reads `_app_ctx_stack.__ident_func__`, gone in Werkzeug 2.1),
so those are pinned beside it (SANDMAN2).

What it shows: a list answered in an envelope (`{"resources": [...]}`, its records found by the
list content's own path-config), a create answered 201 with the record, a PATCH answered 200
with it, a delete answered 204, an unknown id 404 `{"message": null}` and an id that is not an
integer Flask's HTML 404; a correct run passes every case and leaves no book, and each planted
defect (an update not stored, a delete that keeps the book, a create that drops a field, a list
without its envelope, a read of a missing book answered 200) is caught and named. What sandman2
does not check (types, nulls: SQLite stores what it is given, and a NOT NULL column sent null
is an unhandled 500) the spec skips; run unskipped, apitest says so of each, and undoes what it
made the API accept.

What it showed, now fixed:
- after a delete whose read-back answers 200 with a body that is no book (the API's 404 turned
  into 200 `{"message": null}`), the end-of-run sweep reported the book NOT deleted, though its
  own DELETE was answered 404 and the API held nothing: such an answer, with no record by its
  key, now tells neither way (engine/record_checks.check_gone, `Outcome.unsure`);
- a value read back as JSON null was said as Python's `None` (`sent 412, read None`): values
  are now said as JSON (verify/compare._show);
- a create answered as sandman2 documents for a book that already exists (204, no body) fails,
  rightly, but pointed at the spec's path-config, which was not at fault: it now says the
  answer had no body and no Location (engine/bookkeeping._nothing_made).
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import AbstractContextManager
from pathlib import Path
from typing import Any

import pytest

from ..support import DATA, assert_caught, loopback_client
from ._thirdparty import (
    Started,
    edited_spec,
    failures,
    listed,
    pypi_command,
    run_spec,
    serving_app,
    the_case,
    without_skips,
)

SANDMAN2 = (
    "sandman2==1.2.3",
    "sqlalchemy==1.3.3",  # sandman2 pins both
    "flask-sqlalchemy==2.4.0",
    "flask==2.0.3",  # Flask-SQLAlchemy 2.4 breaks on Flask 2.1+ / Werkzeug 2.1+
    "werkzeug==2.0.3",
    "flask-admin==1.6.1",  # sandman2 mounts its admin; 2.x wants Flask 3
    "wtforms==3.0.1",
    "flask-httpauth==4.8.1",
    "jinja2==3.1.6",
    "itsdangerous==2.2.0",
)
"""sandman2 and the dependencies it runs with on this Python, pinned."""

APP = DATA / "thirdparty" / "sandman2"
SPEC = APP / "books.xml"
EXAMPLE_BOOK = {"title": "Dune", "author": "Frank Herbert", "pages": 412, "rating": 4.5}
"""The book the spec's example values make: what its create sends where nothing varies it."""


def books_api(folder: Path, *defects: str) -> AbstractContextManager[Started]:
    python = pypi_command(SANDMAN2[0], "python", *SANDMAN2[1:])
    planted = {"SANDMAN2_DEFECTS": ",".join(defects)}
    return serving_app(python, APP, folder, [str(folder / "books.sqlite")], "/book/", planted)


def books(api: Started) -> list[dict[str, Any]]:
    """Every book the API holds."""
    return listed(api, "/book/", "resources")


def spec_variant(tmp_path: Path, edit: str) -> Path:
    """A copy of books.xml in `tmp_path`/spec with `edit` made: "unskipped" drops every
    auto-skip-cases, "not-unique" lets the create send the example book as it is."""

    if edit == "unskipped":
        return without_skips(SPEC, tmp_path / "spec")

    def not_unique(tree: Any) -> None:
        (title,) = tree.xpath("//structure[@ref-name='book']/property[@name='title']")
        del title.attrib["unique-for"]

    return edited_spec(SPEC, tmp_path / "spec", not_unique)


@pytest.fixture(scope="module")
def missing_is_200(
    tmp_path_factory: pytest.TempPathFactory,
) -> Iterator[tuple[dict[str, Any], list[dict[str, Any]]]]:
    """One positive run where a read of a missing book answers 200 `{"message": null}`: its
    result, and the books left."""
    folder = tmp_path_factory.mktemp("sandman2-missing")
    with books_api(folder / "api", "missing-is-200") as api:
        _, result = run_spec(SPEC, api, folder, "--seed", "3", "--cases", "positive")
        yield result, books(api)


@pytest.fixture(scope="module")
def dropped_field(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, Any]]:
    """One positive run where the create stores the book without its pages."""
    folder = tmp_path_factory.mktemp("sandman2-dropped")
    with books_api(folder / "api", "dropped-field") as api:
        _, result = run_spec(SPEC, api, folder, "--seed", "3", "--cases", "positive")
        yield result


@pytest.fixture(scope="module")
def existing_book(
    tmp_path_factory: pytest.TempPathFactory,
) -> Iterator[tuple[dict[str, Any], list[dict[str, Any]], dict[str, Any]]]:
    """One positive run whose create sends the example book after the API got it from the
    test: its result, the books left, and the book the test made."""
    folder = tmp_path_factory.mktemp("sandman2-existing")
    spec = spec_variant(folder, "not-unique")
    with books_api(folder / "api") as api:
        with loopback_client() as http:
            made = http.post(f"{api.url}/book/", json=EXAMPLE_BOOK)
        assert made.status_code == 201, made.text
        _, result = run_spec(spec, api, folder, "--seed", "3", "--cases", "positive")
        yield result, books(api), made.json()


def test_a_correct_run_passes_every_case_and_leaves_no_book(tmp_path: Path) -> None:
    with books_api(tmp_path / "api") as api:
        status, result = run_spec(SPEC, api, tmp_path, "--seed", "3", "--cases", "all")
        left = books(api)
    assert status == 0, failures(result)
    cases = result["cases"]
    assert cases and all(c["status"] == "passed" for c in cases), failures(result)
    tested = {f"{c['operation']} / {c['case']}": c for c in cases}
    for operation in ("create book", "list books", "get book", "update book", "delete book"):
        assert f"{operation} / positive" in tested, operation
    for write in ("create", "update", "delete"):
        assert f"get book / verify {write} book" in tested, write
    assert tested["get book / verify delete book"]["http_status"] == 404
    refused = [c for c in cases if c["case"].startswith("Mandatory Property")]
    assert {c["http_status"] for c in refused} == {400} and len(refused) == 2
    # an id that is not an integer misses sandman2's route: Flask's HTML 404, declared so
    off_route = [c for c in cases if c["case"] == "InvalidValueInURLPath id"]
    assert {c["http_status"] for c in off_route} == {404} and len(off_route) == 3
    assert result["cleanup_counts"] == {"deleted": 0, "not_deleted": 0}
    assert left == []


@pytest.mark.parametrize(
    ("defect", "case", "said", "left"),
    [
        ("lost-update", "verify update book", "the write did not stick: $.title: sent ", 0),
        ("kept-delete", "verify delete book", "is still there after the delete", 1),
        ("dropped-field", "verify create book", "the write did not stick: $.pages: sent 412", 0),
    ],
)
def test_each_planted_defect_is_caught_by_its_read_back(
    tmp_path: Path, defect: str, case: str, said: str, left: int
) -> None:
    """And the book a kept delete left is the one the sweep reports NOT deleted."""
    with books_api(tmp_path / "api", defect) as api:
        status, result = run_spec(SPEC, api, tmp_path, "--seed", "3", "--cases", "positive")
        kept = books(api)
    assert status == 1
    assert_caught(result["cases"], case, said)
    assert len(failures(result)) == 1, failures(result)  # that case alone
    assert len(kept) == left
    assert result["cleanup_counts"]["not_deleted"] == left


def test_a_list_without_its_envelope_fails_the_list_read(tmp_path: Path) -> None:
    with books_api(tmp_path / "api", "bare-list") as api:
        status, result = run_spec(SPEC, api, tmp_path, "--seed", "3", "--cases", "positive")
    assert status == 1
    listed = the_case(result, "list books / positive")
    assert listed["status"] == "failed"
    assert listed["message"] == "$: expected an object, got an array of 1 item"
    assert list(failures(result)) == [listed["id"]]


def test_a_missing_book_read_as_200_fails_the_delete_read_back(
    missing_is_200: tuple[dict[str, Any], list[dict[str, Any]]],
) -> None:
    result, left = missing_is_200
    check = the_case(result, "get book / verify delete book")
    assert check["status"] == "failed" and check["http_status"] == 200
    assert check["message"].startswith("$.id: expected present (required for Response[read])")
    assert left == []  # the book was deleted all the same


def test_the_sweep_does_not_call_a_book_the_api_no_longer_holds_not_deleted(
    missing_is_200: tuple[dict[str, Any], list[dict[str, Any]]],
) -> None:
    result, left = missing_is_200
    assert left == []
    assert result["cleanup_counts"]["not_deleted"] == 0, result["cleanup"]


def test_a_dropped_field_is_named_with_what_was_sent_and_read_as_json(
    dropped_field: dict[str, Any],
) -> None:
    check = the_case(dropped_field, "get book / verify create book")
    assert check["status"] == "failed"
    assert check["message"] == "the write did not stick: $.pages: sent 412, read null"


def test_what_sandman2_does_not_check_fails_unskipped_and_is_undone(tmp_path: Path) -> None:
    """Types and nulls: a wrong type is stored (SQLite), a NOT NULL column sent null is an
    unhandled 500, a `limit` that is no number too. Each is named; every positive case still
    passes, and what the API accepted is undone at once."""
    spec = spec_variant(tmp_path, "unskipped")
    with books_api(tmp_path / "api") as api:
        status, result = run_spec(spec, api, tmp_path, "--seed", "3", "--cases", "all")
        left = books(api)
    assert status == 1
    positives = [c for c in result["cases"] if c["case"] == "positive" or c["kind"] != "test"]
    assert all(c["status"] == "passed" for c in positives), failures(result)
    crash = "the API answered its declared unexpected-error response (500 crash)"
    assert the_case(result, "create book / Null Value title")["message"].startswith(crash)
    assert the_case(result, "list books / Invalid Param limit")["message"].startswith(crash)
    accepted = the_case(result, "create book / Invalid Type pages")
    assert accepted["message"].startswith("the API accepted pages = ")
    assert "the record it made was removed at once" in " ".join(accepted["notes"])
    assert left == []


def test_a_create_of_a_book_that_exists_fails_and_leaves_that_book_alone(
    existing_book: tuple[dict[str, Any], list[dict[str, Any]], dict[str, Any]],
) -> None:
    """sandman2 answers 204 with no body, and makes nothing, for a create identical to a
    record it holds: the run has no book of its own, so it changes and deletes none."""
    result, left, before = existing_book
    create = the_case(result, "create book / positive")
    assert create["status"] == "failed" and create["http_status"] == 204
    assert create["message"] == (
        "create book answered 204 with no body and no Location header: nothing in the answer "
        "shows a record it made"
    )
    for write in ("update book / positive", "delete book / positive"):
        assert the_case(result, write)["status"] == "skipped", write
    assert left == [before]
