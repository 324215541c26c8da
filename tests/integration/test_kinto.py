"""Against Kinto 26.5 (PyPI), a real JSON storage API with an envelope on every body, ids and
timestamps of its own, upserting PUT, merging PATCH, tombstone DELETE, paged lists, Basic auth
and its own error body: a correct Kinto passes every case with every write read back, and each
defect a reverse proxy plants in its answers fails the run with a message that names it."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from ..support import cli_env, run_cli
from ._kinto import (
    PAGED_BY_2,
    RECORDS,
    SEED,
    SPEC,
    Defect,
    Exchange,
    defective_proxy,
    kinto_server,
)
from ._kinto import records as kinto_records
from ._kinto import token as kinto_token
from ._thirdparty import case_named, without_skips

ID_PATTERN = re.compile(r"[a-zA-Z0-9][a-zA-Z0-9_-]*")
"""Kinto's record ids, as the spec's `id` URL variable declares them."""


@pytest.fixture
def kinto(tmp_path: Path) -> Iterator[str]:
    with kinto_server(tmp_path / "kinto") as url:
        yield url


@pytest.fixture(scope="module")
def shared_kinto(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """One Kinto for the planted defects, whose tests look at verdicts, not at what is left."""
    with kinto_server(tmp_path_factory.mktemp("kinto")) as url:
        yield url


def _run(url: str, folder: Path, spec: Path = SPEC) -> tuple[int, dict[str, Any], str]:
    report = folder / "report.json"
    done = run_cli(
        "run", str(spec), "--base-url", url + "/v1", "--seed", "5", "--report-dir", str(folder),
        "--json", str(report), "-q",
        env=cli_env(credentials=False, APITEST_TOKEN=kinto_token()),
    )  # fmt: skip
    result: dict[str, Any] = json.loads(report.read_text(encoding="utf-8"))
    return done.returncode, result, done.stdout + done.stderr


def _failed(result: dict[str, Any]) -> dict[str, str]:
    return {
        f"{c['operation']} / {c['case']}": c["message"]
        for c in result["cases"]
        if c["status"] != "passed"
    }


def _seeds_only(url: str) -> None:
    """Kinto holds the records it held before the run, as they were: nothing left behind."""
    fields = ("title", "author", "pages")
    held = [{k: v for k, v in r.items() if k in fields} for r in kinto_records(url)]
    left = sorted(held, key=lambda r: str(r["title"]))
    assert left == SEED


def test_a_correct_kinto_passes_every_case_with_its_writes_read_back(
    tmp_path: Path, kinto: str
) -> None:
    code, result, output = _run(kinto, tmp_path / "run")
    assert code == 0, _failed(result) or output[-3000:]
    statuses = {c["status"] for c in result["cases"]}
    assert statuses == {"passed"}
    for write in ("create book", "replace book", "patch book"):
        verify = case_named(result, f"get book / verify {write}")
        assert verify["calls"][0]["status"] == 200
        assert not any("not compared" in note for note in verify["notes"]), verify["notes"]
    gone = case_named(result, "get book / verify delete book")
    assert gone["calls"][0]["status"] == 404
    listed = case_named(result, "list books / positive")["calls"][0]
    assert "_limit=2" in listed["url"]
    assert "Next-Page" in json.dumps(listed["response_headers"])
    assert case_named(result, "list books / Missing Token")["calls"][0]["status"] == 401
    secret = kinto_token().split()[1]  # the Basic credentials reach no output
    assert secret not in output + json.dumps(result)
    assert all(secret not in p.read_text() for p in (tmp_path / "run").iterdir() if p.is_file())
    _seeds_only(kinto)


def test_kinto_takes_a_fraction_for_limit_which_the_spec_skips(
    tmp_path: Path, shared_kinto: str
) -> None:
    """colander's Integer (strict=False, its default) reads `_limit=0.5` as 0, and Kinto
    answers 200: books.xml skips the case and says why; made, it fails for that alone."""
    _code, result, _output = _run(shared_kinto, tmp_path / "run", without_skips(SPEC, tmp_path))
    assert _failed(result) == {
        "list books / Invalid Param _limit (fraction)": (
            "the API accepted param _limit='0.5' (Invalid Param) (answered 200)"
        )
    }


def test_an_invalid_url_key_breaks_the_declared_regex_so_an_upsert_refuses_it(
    tmp_path: Path, kinto: str
) -> None:
    """PUT creates a record at any well-formed unknown id (201): InvalidValueInURLPath must send
    an id the spec's regex calls invalid, which Kinto refuses (400), not a well-formed one it
    would store, failing a correct API and leaving a record behind."""
    _code, result, _output = _run(kinto, tmp_path / "run")
    for op in ("get book", "replace book", "patch book", "delete book"):
        call = case_named(result, f"{op} / InvalidValueInURLPath id")["calls"][0]
        sent = call["url"].rsplit("/", 1)[1]
        assert not ID_PATTERN.fullmatch(sent), sent
        assert call["status"] == 400, call
    _seeds_only(kinto)


def test_an_accepted_put_at_an_unknown_key_is_undone_by_deleting_what_it_made(
    tmp_path: Path, kinto: str
) -> None:
    """Without a regex any text is a well-formed id, so Kinto's PUT stores a record at the
    made-up id (201). The case fails (the spec's update made a record the case calls invalid),
    and the record it made is deleted at once: not the chain's record "restored" while the new
    one stays behind."""
    bare = tmp_path / "bare.xml"
    bare.write_text(
        SPEC.read_text(encoding="utf-8").replace(' regex="[a-zA-Z0-9][a-zA-Z0-9_-]*"', ""),
        encoding="utf-8",
    )
    code, result, _output = _run(kinto, tmp_path / "run", bare)
    assert code == 1
    case = case_named(result, "replace book / InvalidValueInURLPath id")
    assert case["status"] == "failed" and case["calls"][0]["status"] == 201
    assert any("removed at once" in note for note in case["notes"]), case["notes"]
    assert not any("restored" in note for note in case["notes"]), case["notes"]
    _seeds_only(kinto)


SORT_PARAM = (
    """\
      <argument name="_sort" location="param">
        <content>
          <encode type="text/plain"/>
          <structure>
            <property type="string" example-value="-title" emptiable-for="Request[read]"/>
          </structure>
        </content>
      </argument>
      <response status="200">
        <argument name="Next-Page"""
    + '"'
)


def _listing_spec(folder: Path) -> Path:
    """The spec with the list as the read that verifies writes (auto-callback-get), paged by 2
    and sorted by title, descending, as its optional parameters exemplify."""
    text = SPEC.read_text(encoding="utf-8")
    text = text.replace(' name="get book" category="read" auto-callback-get="true"',
                        ' name="get book" category="read"')  # fmt: skip
    text = text.replace(' name="list books" category="read"',
                        ' name="list books" category="read" auto-callback-get="true"')  # fmt: skip
    text = text.replace('      <response status="200">\n        <argument name="Next-Page"',
                        SORT_PARAM)  # fmt: skip
    listing = folder / "listing.xml"
    listing.write_text(text, encoding="utf-8")
    return listing


def test_a_list_that_reads_writes_back_is_not_narrowed_by_its_optional_params(
    tmp_path: Path, kinto: str
) -> None:
    """The list read verifies the writes and exemplifies a page of 2 sorted by title,
    descending: sent on the read-back, they hid the run's "Dune" on page 2 of a correct Kinto.
    A read-back looks for the record, so it sends only what the read requires (and values
    taken from the record); the list's own positive case still pages."""
    listing = _listing_spec(tmp_path)
    code, result, output = _run(kinto, tmp_path / "run", listing)
    assert code == 0, _failed(result) or output[-3000:]
    for write in ("create book", "replace book", "patch book", "delete book"):
        call = case_named(result, f"list books / verify {write}")["calls"][0]
        assert "_limit" not in call["url"] and "_sort" not in call["url"], call["url"]
    positive = case_named(result, "list books / positive")["calls"][0]["url"]
    assert "_limit=2" in positive and "_sort=-title" in positive
    _seeds_only(kinto)


def test_a_list_kinto_pages_is_read_through_by_its_next_page_header(tmp_path: Path) -> None:
    """Kinto set to page every list by 2 (`kinto.paginate_by`) names the next page in a
    `Next-Page` header. With the list verifying the writes, the delete's read-back reads every
    page before it calls the book gone (engine/paging.py), not only the first."""
    with kinto_server(tmp_path / "kinto", PAGED_BY_2) as url:
        code, result, output = _run(url, tmp_path / "run", _listing_spec(tmp_path))
        _seeds_only(url)
    assert code == 0, _failed(result) or output[-3000:]
    gone = case_named(result, "list books / verify delete book")
    assert "read 2 pages of the list, by the next link of each" in gone["notes"], gone
    assert "_token=" in gone["calls"][-1]["url"], gone["calls"]


DELETE_ALL = """\
    <operation method="delete" name="delete all books" category="delete">
      <response status="200">
        <content>
          <encode type="application/json"/>
          <structure-ref name="book_list"/>
        </content>
      </response>
      <response-ref name="unauthorized"/>
    </operation>
"""


def test_a_delete_that_addresses_no_record_is_never_sent(tmp_path: Path, kinto: str) -> None:
    """Kinto's DELETE on the records URL deletes every record of the collection. Declared
    first, it was run as a test and as the cleanup of the negative cases' record, and deleted
    the three records Kinto held before the run: a run never deletes data it did not create,
    so each of its cases is skipped, saying why, and the record's own delete cleans up."""
    text = SPEC.read_text(encoding="utf-8")
    list_op = '    <operation method="get" name="list books" category="read"'
    everything = tmp_path / "everything.xml"
    everything.write_text(text.replace(list_op, DELETE_ALL + list_op), encoding="utf-8")
    code, result, output = _run(kinto, tmp_path / "run", everything)
    assert code == 0, _failed(result) or output[-3000:]
    cases = [c for c in result["cases"] if c["operation"] == "delete all books"]
    assert cases and all(c["status"] == "skipped" and not c["calls"] for c in cases), cases
    assert "records this run did not create" in cases[0]["message"], cases[0]["message"]
    _seeds_only(kinto)


class LeaksDeletedIntoList(Defect):
    """A list that goes on showing the records deleted through it."""

    def __init__(self) -> None:
        self.gone: list[Any] = []

    def response(self, exchange: Exchange, sent: Exchange) -> None:
        if exchange.method == "DELETE" and exchange.status == 200 and _is_record(exchange.path):
            self.gone.append({**exchange.body["data"], "deleted": None, "title": "Gone"})
        elif exchange.method == "GET" and exchange.path == RECORDS and exchange.status == 200:
            exchange.body["data"] = [
                {k: v for k, v in record.items() if v is not None} for record in self.gone
            ] + exchange.body["data"]


def test_a_list_that_leaks_a_deleted_record_fails_the_delete_it_verifies(
    tmp_path: Path, kinto: str
) -> None:
    with defective_proxy(kinto, LeaksDeletedIntoList()) as proxy:
        code, result, _output = _run(proxy, tmp_path / "run", _listing_spec(tmp_path))
    assert code == 1
    failed = _failed(result)
    # the negative chain's cleanup delete, read back at the end of the run, fails as well
    assert set(failed) == {
        "list books / verify delete book",
        "delete book / record prepared for negative cases",
    }, failed
    assert (
        "is still there after the delete (list books answered 200 with it)"
        in (failed["list books / verify delete book"])
    )


class LosesCreateAnsweringTheList(Defect):
    """A create Kinto never sees, answered 201 with the collection's records."""

    def request(self, exchange: Exchange) -> None:
        if exchange.method == "POST":
            exchange.method, exchange.request_body = "GET", b""

    def response(self, exchange: Exchange, sent: Exchange) -> None:
        if sent.method == "POST" and exchange.status == 200:
            exchange.status = 201


def test_a_create_answered_with_records_it_did_not_make_deletes_none_of_them(
    tmp_path: Path, kinto: str
) -> None:
    """The records a wrongly accepted create's answer lists were taken as made by it and
    deleted at once: the three Kinto held before the run. A create makes what it sends (one
    record): an answer holding more is not taken as its making, and nothing is deleted."""
    with defective_proxy(kinto, LosesCreateAnsweringTheList()) as proxy:
        code, result, _output = _run(proxy, tmp_path / "run")
    assert code == 1
    failed = _failed(result)
    assert failed["create book / positive"].startswith("$.data: expected an object (map)")
    accepted = case_named(result, "create book / Mandatory Property data")
    assert accepted["status"] == "failed", accepted
    assert any("none is deleted" in note for note in accepted["notes"]), accepted["notes"]
    _seeds_only(kinto)


def _is_record(path: str) -> bool:
    return re.fullmatch(re.escape(RECORDS) + r"/[^/]+", path) is not None


def _record_read(exchange: Exchange) -> bool:
    return exchange.method == "GET" and _is_record(exchange.path) and exchange.status == 200


class DropsAField(Defect):
    """A read that loses `pages`."""

    def response(self, exchange: Exchange, sent: Exchange) -> None:
        if _record_read(exchange):
            exchange.body["data"].pop("pages", None)


class ChangesOnRead(Defect):
    """A read that shows another title than the one stored."""

    def response(self, exchange: Exchange, sent: Exchange) -> None:
        if _record_read(exchange) and "title" in exchange.body["data"]:
            exchange.body["data"]["title"] += " (2nd ed.)"


class OkInsteadOfCreated(Defect):
    def response(self, exchange: Exchange, sent: Exchange) -> None:
        if exchange.method == "POST" and exchange.status == 201:
            exchange.status = 200


class LosesPatch(Defect):
    """A PATCH Kinto never sees, answered as if it had merged the sent data."""

    def request(self, exchange: Exchange) -> None:
        if exchange.method == "PATCH":
            exchange.method, exchange.request_body = "GET", b""

    def response(self, exchange: Exchange, sent: Exchange) -> None:
        data = json.loads(sent.request_body or b"{}").get("data") if sent.method == "PATCH" else 0
        if isinstance(data, dict) and exchange.status == 200:
            exchange.body["data"].update(data)


class IgnoresDelete(Defect):
    """A DELETE Kinto never sees, answered with a tombstone."""

    def request(self, exchange: Exchange) -> None:
        if exchange.method == "DELETE" and _is_record(exchange.path):
            exchange.method = "GET"

    def response(self, exchange: Exchange, sent: Exchange) -> None:
        if sent.method == "DELETE" and exchange.status == 200:
            data = exchange.body["data"]
            exchange.body = {"data": {"id": data["id"], "last_modified": data["last_modified"],
                                      "deleted": True}}  # fmt: skip


class DropsETag(Defect):
    """A record read without the ETag its preconditions (If-Match) need."""

    def response(self, exchange: Exchange, sent: Exchange) -> None:
        if exchange.method == "GET" and _is_record(exchange.path):
            exchange.headers = {k: v for k, v in exchange.headers.items() if k.lower() != "etag"}


class WrongErrorBody(Defect):
    """Errors without errno, their code a string."""

    def response(self, exchange: Exchange, sent: Exchange) -> None:
        if exchange.status >= 400 and isinstance(exchange.body, dict):
            exchange.body.pop("errno", None)
            exchange.body["code"] = str(exchange.body.get("code"))


DEFECTS: list[tuple[Defect, str, str]] = [
    (DropsAField(), "get book / verify create book",
     "the write did not stick: $.pages: sent "),
    (ChangesOnRead(), "get book / verify replace book",
     "the write did not stick: $.title: sent \"Dune "),  # the example, marked
    (OkInsteadOfCreated(), "create book / positive", "status 200 is not declared for create book"),
    (LosesPatch(), "get book / verify patch book", "the write did not stick: $."),
    (IgnoresDelete(), "get book / verify delete book", "the books record (id="),
    (DropsETag(), "get book / verify create book", "header ETag: expected present"),
    (WrongErrorBody(), "create book / Missing Token",
     "error response 401 does not match its structure: $.code: expected integer"),
]  # fmt: skip


@pytest.mark.parametrize(
    ("defect", "case", "message"), DEFECTS, ids=[type(d[0]).__name__ for d in DEFECTS]
)
def test_a_planted_defect_fails_the_run_naming_it(
    tmp_path: Path, shared_kinto: str, defect: Defect, case: str, message: str
) -> None:
    with defective_proxy(shared_kinto, defect) as proxy:
        code, result, _output = _run(proxy, tmp_path / "run")
    assert code == 1
    failed = _failed(result)
    assert case in failed, failed
    assert failed[case].startswith(message), failed[case]
