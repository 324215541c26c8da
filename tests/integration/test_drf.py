"""Django REST framework 3.16 (PyPI), the framework many of our users' APIs are built on:
tests/data/thirdparty/drf (a ModelViewSet on a DefaultRouter, paged lists, serializer errors
by field, a unique title, DRF's TokenAuthentication on writes) under Django's own server.

What it showed: a Length Violation value of one character too many could end in a space,
which DRF's CharField trims (as many APIs do), leaving a valid value that it rightly took; and
a spec's example title went into every create, which its unique constraint refused. Where DRF
is lenient it is said, not hidden: its CharField takes a number as text, so ZEST's Invalid
Type case for the title fails, as it should for a spec that says the title is a string.

Uploads (documents.xml, multipart/form-data): DRF answers the file as the URL it serves it at,
renamed on a clash (`…/media/documents/apitest_H7Y2mwI.txt`), so comparing the bytes sent with
that failed every correct create and update ("the write did not stick: $.file"). A read-back
now asks only that the upload be shown (verify/compare.py), and says it did not compare it.

A `due` moment with a Java `format` (`dd-MM-yyyy HH:mm:ss Z`): DRF answers it in the server's
zone, so `02-06-2030 15:28:00 +0800` came back as `02-06-2030 02:28:00 -0500`, the same moment.
Such values were compared as text, and every correct write of one failed "the write did not
stick: $.due"; they are now compared as the moments the format writes (zspec/formats.parse_java).
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from contextlib import AbstractContextManager
from pathlib import Path
from typing import Any

import pytest

from ..support import DATA, assert_caught, cli_env, run_cli
from ._thirdparty import (
    DJANGO,
    Started,
    pypi_command,
    run_with_token,
    serving_app,
)

DRF = "djangorestframework==3.16.1"
APP = DATA / "thirdparty" / "drf"
SPEC = APP / "books.xml"
DOCUMENTS = APP / "documents.xml"
TOKEN = "5f0c1e2d3b4a59687766554433221100ffeeddcc"
LENIENT = {"Invalid Type title"}  # DRF's CharField takes 739170 as "739170"


def books_api(folder: Path, *defects: str) -> AbstractContextManager[Started]:
    python = pypi_command(DRF, "python", DJANGO)
    argv, planted = [str(folder / "db.sqlite3"), TOKEN], {"DRF_DEFECTS": ",".join(defects)}
    return serving_app(python, APP, folder, argv, "/books/", env=planted)


@pytest.fixture(scope="module")
def correct(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Started]:
    with books_api(tmp_path_factory.mktemp("drf") / "correct") as api:
        yield api


def run(api: Started, tmp_path: Path, *options: str) -> tuple[int, list[dict[str, Any]]]:
    status, result = run_with_token(SPEC, api, tmp_path, TOKEN, "--seed", "11", *options)
    cases: list[dict[str, Any]] = result["cases"]
    return status, cases


def failed(cases: list[dict[str, Any]]) -> dict[str, str]:
    return {f"{c['id']} {c['case']}": c["message"] for c in cases if c["status"] != "passed"}


def count(api: Started) -> int:
    found: int = api.get("/books/").json()["count"]
    return found


def test_a_correct_drf_api_passes_but_where_it_is_lenient(correct: Started, tmp_path: Path) -> None:
    before = count(correct)
    _, cases = run(correct, tmp_path)
    wrong = {c["case"] for c in cases if c["status"] != "passed"}
    assert wrong == LENIENT, failed(cases)
    assert all("the API accepted title = " in m for m in failed(cases).values())
    lengths = [c for c in cases if c["case"].startswith("Length Violation title")]
    assert len(lengths) == 4 and all(c["status"] == "passed" for c in lengths)
    tokens = [c for c in cases if c["case"] in ("Missing Token", "Invalid Token")]
    assert len(tokens) == 6 and all(c["http_status"] == 401 for c in tokens)
    creates = [
        c for c in cases
        if c["method"] == "POST" and (c["case"] == "positive" or c["kind"] == "data preparation")
    ]  # fmt: skip
    titles = [json.loads(c["calls"][-1]["request_body"])["title"] for c in creates]
    assert len(titles) == len(set(titles)) >= 2, titles  # unique: each create its own
    assert count(correct) == before  # left as found


def test_a_positive_run_passes_among_books_that_fill_more_than_a_page(
    correct: Started, tmp_path: Path
) -> None:
    """The list is paged by five; the writes are read back by their own URL, not found or
    missed on the list's first page."""
    with_old = [
        run_cli("run", str(SPEC), "--base-url", correct.url, "--cases", "positive",
                "--report-dir", str(tmp_path / f"seed{n}"), "--seed", str(n), "-q",
                env=cli_env(credentials=False, APITEST_TOKEN=TOKEN))
        for n in range(2)
    ]  # fmt: skip
    assert all(done.returncode == 0 for done in with_old), [d.stdout for d in with_old]
    status, cases = run(correct, tmp_path, "--cases", "positive")
    assert status == 0, failed(cases)


@pytest.mark.parametrize(
    ("defect", "case", "said"),
    [
        ("unchecked-pages", "Invalid Value pages (above range)", "the API accepted pages = 5001"),
        ("pages-as-text", "verify POST books", "$.pages: expected integer, got '"),
        ("lost-update", "verify PUT book", "the write did not stick: $."),
        ("open-writes", "Missing Token", "the API accepted a call without a token"),
    ],
)
def test_each_planted_defect_is_caught_and_named(
    tmp_path: Path, defect: str, case: str, said: str
) -> None:
    with books_api(tmp_path / "api", defect) as api:
        status, cases = run(api, tmp_path)
        left = count(api)
    assert status == 1
    assert_caught(cases, case, said)
    assert left == 0  # what the run made, accepted negative writes too, it deleted


def documents(api: Started) -> int:
    found: int = api.get("/documents/").json()["count"]
    return found


def test_uploads_are_read_back_as_the_api_shows_them(correct: Started, tmp_path: Path) -> None:
    status, result = run_with_token(DOCUMENTS, correct, tmp_path, TOKEN, "--seed", "11")
    cases: list[dict[str, Any]] = result["cases"]
    assert status == 0, failed(cases)
    for name in ("verify POST documents", "verify PUT document"):
        (check,) = [c for c in cases if c["case"] == name]
        shown = json.loads(check["calls"][-1]["response_body"])["file"]
        assert shown.startswith(f"{correct.url}/media/documents/apitest"), shown
        assert any(note.startswith("the upload (file) is shown") for note in check["notes"])
        assert "file" not in check["pacing"]["record_check"]["values"]
    assert documents(correct) == 0


def test_an_upload_the_read_does_not_show_is_caught(tmp_path: Path) -> None:
    with books_api(tmp_path / "api", "hidden-file") as api:
        status, result = run_with_token(
            DOCUMENTS, api, tmp_path, TOKEN, "--seed", "11", "--cases", "positive"
        )
    assert status == 1
    assert_caught(result["cases"], "verify POST documents", "$.file")
