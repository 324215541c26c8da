"""Against SAFRS 3.2 (PyPI safrs), the JSON:API server a Flask app generates from SQLAlchemy
models: tests/data/thirdparty/safrs/serve.py exposes a Person and a Book whose `author` is a
many-to-one relationship to a person, over SQLite, with defects planted by name (model hooks, a
SQLAlchemy event, a Flask `before_request` hook). people.xml and books.xml are written from
SAFRS's wiki and the swagger it generates.

SAFRS's conventions, where they are its own (where they differ from the Flask-Restless-NG app
of tests/integration/_jsonapi.py, which answers a PATCH 204, puts the status in `status`, links
an author through `relationships` and shows the linkage unasked): the routes end in a slash
(/api/Books/{BookId}/); the type is the class name ("Book") and the collection the table name
("Books"); every answer, errors too, is application/vnd.api+json; an error is `{"errors":
[{"title", "detail", "code"}]}`, the HTTP status in `code` (JSON:API's own member is `status`);
a create answers 201 with the record and a `Location` of the collection with a query
(`/api/People/?PersonId=1`), not the record's URL; a PATCH answers 200 with the record, a
DELETE 204; a wrong `type` in a PATCH is 403. A foreign key is an attribute too (`author_id`),
which is how a create names a book's author: a `relationships` member in a create makes SAFRS
create the related record (a person without a name: 409), not link the one named. A book's
`relationships.author.data` is null unless the read asks `include=author`. The relationship's
own URL, /Books/{BookId}/author, answers the author's whole document, and its PATCH answers the
author's document where the author changed but the resource identifier sent where it did not.
SAFRS is lenient: a number for a text attribute is stored as text, the swagger's int32 bounds
and `minimum: 1` are not checked, `page[limit]` and `page[offset]` that are no numbers (or
empty) fall back to their defaults, and a relationship PATCH without `data` clears the
relationship; an `attributes` that is not an object is a 500.

What it shows apitest gets right: the vendor media type both ways, the `data` envelope and the
string ids; a correct SAFRS passes every positive case and keeps nothing; an update that is not
stored, a delete that keeps the record, a create that drops an attribute and an author that is
not linked are each caught and named; the relationship's answers, another resource's document,
are not taken for books (the book's later calls address the book made); the optional
`include=author` is sent by the read's own case, not by its read-backs; with `--cases all`,
what fails is SAFRS's own leniency, each case saying what the API accepted, and SAFRS's 500s
are errors.

What it showed, now fixed: a value a body property takes from another record
(`path="people:$.id"`) was sent with the JSON type it has there, not the type the property
declares: `author_id`, an integer in SAFRS's swagger, went out as the string "2", and the
read-back failed a correct SAFRS ("sent "2", read 2"). It is now sent as the declared type
(plan/_bodies._as_declared). books.xml still declares it `long_string`, as it did to get past
that, at a cost: its Invalid Type case sends a JSON integer, which SAFRS rightly takes.

And an update whose every value was an example-value resent what the create sent, so a PATCH
that stored nothing passed its read-back: free text is now marked (plan/_values._has_room).
And a list's `page[limit]` could not be held to what the answer's `meta.limit` says: a
parameter compared as text, so `RESPONSE:$.body.meta.limit != REQUEST:$.params['page[limit]']`
held on every answer of a correct SAFRS. A header's or parameter's value is now read as the
number it is compared with (zspec/conditions/_evaluate.WireText).

Still open (an xfail below, with its diagnosis): a relationship set through its own URL (a
body `{"data": {"type", "id"}}` that is not the book) is never compared with the book read
back, so a PATCH that stores nothing is not caught; its read-back is skipped, saying nothing
was verified (it passed, claiming a check it never made, before).
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from lxml import etree

from apitest.engine.validation import UNVERIFIED_UPDATE

from ..support import DATA, assert_caught, loopback_client
from ._thirdparty import (
    Started,
    edited_spec,
    emptied,
    failures,
    listed,
    must_refuse,
    plant,
    pypi_command,
    run_spec,
    serving_app,
    the_case,
)

SAFRS = "safrs==3.2.0"
ALSO = ("flask==3.1.3", "flask-sqlalchemy==3.1.1", "sqlalchemy==2.1.9", "werkzeug==3.1.9")
"""What SAFRS 3.2 needs (it asks Flask >= 3.1.3, Flask-SQLAlchemy >= 3.1.1, SQLAlchemy >=
2.0.48), pinned at the releases it was tried with."""
APP = DATA / "thirdparty" / "safrs"
MEDIA_TYPE = "application/vnd.api+json"
KINDS = ("Books", "People")
VERIFIES = [
    f"verify {write}"
    for write in (
        "create person",
        "update person",
        "delete person",
        "create book",
        "update book",
        "set book author",
        "delete book",
    )
]


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Started]:
    """One SAFRS server for the module; each test plants its defects with `plant`."""
    python = pypi_command(SAFRS, "python", *ALSO)
    folder = tmp_path_factory.mktemp("safrs") / "server"
    with serving_app(python, APP, folder, [str(folder)], "/api/swagger.json") as api:
        yield api


@pytest.fixture
def safrs(server: Started) -> Iterator[Started]:
    """The module's server with no defect planted, emptied of books and people after the test
    (a kept delete leaves records, which the next test must not meet)."""
    plant(server)
    yield server
    emptied(
        server, (f"/api/{kind}/{record['id']}/" for kind in KINDS for record in held(server, kind))
    )
    assert held(server, "Books") == held(server, "People") == []


def held(api: Started, kind: str) -> list[dict[str, Any]]:
    """The books or people SAFRS holds, read past apitest."""
    return listed(api, f"/api/{kind}/", "data", {"page[limit]": 1000})


def make_person(api: Started, name: str) -> str:
    """A person made past apitest: its id."""
    body = {"data": {"type": "Person", "attributes": {"name": name}}}
    with loopback_client() as http:
        made = http.post(
            f"{api.url}/api/People/", content=json.dumps(body), headers={"Content-Type": MEDIA_TYPE}
        )
    assert made.status_code == 201, made.text
    found: str = made.json()["data"]["id"]
    return found


def left(api: Started) -> list[dict[str, Any]]:
    return held(api, "Books") + held(api, "People")


def run(api: Started, tmp_path: Path, cases: str, specs: Path = APP) -> tuple[int, dict[str, Any]]:
    return run_spec(specs, api, tmp_path, "--seed", "3", "--cases", cases, under="/api")


def variant(folder: Path, change: Callable[[Any], None]) -> Path:
    """The specs in `folder`, books.xml changed by `change` (given its parsed tree)."""
    edited_spec(APP / "books.xml", folder, change)
    (folder / "people.xml").write_bytes((APP / "people.xml").read_bytes())
    return folder


def attribute(tree: Any, name: str) -> Any:
    (found,) = tree.xpath(f"//structure[@ref-name='book_attributes']/property[@name='{name}']")
    return found


def request_of(result: dict[str, Any], name: str) -> tuple[dict[str, str], Any]:
    call = the_case(result, name)["calls"][0]
    headers = {key.lower(): value for key, value in call["request_headers"].items()}
    return headers, json.loads(call["request_body"] or "null")


UNCOMPARED = "verify set book author"
"""The relationship PATCH's read-back: what it sends (`{"data": {"type", "id"}}`) is not the
book, so nothing it sent is held to the book read back, and the case is skipped, saying so."""


def test_a_correct_run_passes_every_positive_case_and_leaves_nothing(
    safrs: Started, tmp_path: Path
) -> None:
    """Bodies go as JSON:API documents in the vendor media type, asked for in `Accept`; the
    book names its author by the person's id; the relationship's PATCH, naming the author the
    book has, is answered with the identifier it sent (SAFRS's "nothing changed"); the
    author's document the relationship's GET answers is no book: the book's later calls
    address the book made. SAFRS's `Location` names the collection, which nothing needs."""
    theirs = [make_person(safrs, f"before {n}") for n in range(3)]  # people's ids pass books'
    status, result = run(safrs, tmp_path, "positive")
    assert status == 0, failures(result)
    not_passed = {c["case"]: c for c in result["cases"] if c["status"] != "passed"}
    assert list(not_passed) == [UNCOMPARED], list(not_passed)  # see the test of its variant
    assert not_passed[UNCOMPARED]["message"] == UNVERIFIED_UPDATE
    done = [c["case"] for c in result["cases"] if c["kind"] == "operation validation"]
    assert sorted(done) == sorted(VERIFIES)  # people's and books' chains interleave
    assert result["cleanup_counts"] == {"deleted": 0, "not_deleted": 0}
    assert [person["id"] for person in left(safrs)] == theirs
    for write in ("create person", "update person", "create book", "set book author"):
        headers, body = request_of(result, f"{write} / positive")
        assert headers["content-type"] == MEDIA_TYPE
        assert headers["accept"].startswith(MEDIA_TYPE)
        assert set(body) == {"data"}
    _headers, book = request_of(result, "create book / positive")
    person = json.loads(
        the_case(result, "create person / record for books")["calls"][0]["response_body"]
    )
    assert book["data"]["attributes"]["author_id"] == person["data"]["id"]
    linked = the_case(result, "set book author / positive")["calls"][0]
    assert json.loads(linked["response_body"]) == json.loads(linked["request_body"])
    made = the_case(result, "create book / positive")["calls"][0]
    book_id = json.loads(made["response_body"])["data"]["id"]
    assert book_id != person["data"]["id"]  # so that a mix-up would show
    assert made["response_headers"]["location"].endswith("/api/Books/?BookId=" + book_id)
    for later in ("get book author", "update book", "set book author", "delete book"):
        assert f"/Books/{book_id}/" in the_case(result, f"{later} / positive")["calls"][0]["url"]
    read = the_case(result, "get book / positive")["calls"][0]
    assert "include=author" in read["url"]  # so the answer links the author, as SAFRS does
    shown = json.loads(read["response_body"])["data"]["relationships"]["author"]["data"]
    assert shown == {"type": "Person", "id": person["data"]["id"]}
    verify = the_case(result, "get book / verify create book")["calls"][0]
    assert "include" not in verify["url"]  # a read-back sends no optional parameter


@pytest.mark.parametrize(
    ("defect", "caught"),
    [
        (
            "lost-update",
            [
                ("verify update person", "the write did not stick: $.attributes.name: sent "),
                ("verify update book", "the write did not stick: $.attributes.title: sent "),
            ],
        ),
        (
            "kept-delete",
            [
                ("verify delete person", "is still there after the delete"),
                ("verify delete book", "is still there after the delete"),
            ],
        ),
        (
            "dropped-attribute",
            [
                ("verify create person", "the write did not stick: $.attributes.email: sent "),
                ("verify create book", "the write did not stick: $.attributes.year: sent "),
            ],
        ),
        (
            "unlinked-author",
            [("verify create book", "the write did not stick: $.attributes.author_id: sent ")],
        ),
    ],
)
def test_each_planted_defect_is_caught_and_named(
    safrs: Started, tmp_path: Path, defect: str, caught: list[tuple[str, str]]
) -> None:
    plant(safrs, defect)
    status, result = run(safrs, tmp_path, "positive")
    kept = left(safrs)
    assert status == 1
    for case, said in caught:
        assert_caught(result["cases"], case, said)
    assert result["cleanup_counts"]["not_deleted"] == len(kept)
    assert bool(kept) == (defect == "kept-delete")


LENIENT = {
    *(
        (op, f"Invalid Type data.attributes.{name}")
        for op in ("create person", "update person")
        for name in ("name", "email")
    ),
    *(
        (op, case)
        for op in ("list people", "list books")
        for case in (
            "Invalid Param page[offset]",
            "Invalid Param page[offset] (fraction)",
            "Empty Param page[offset]",
            "Invalid Param page[limit]",
            "Invalid Param page[limit] (fraction)",
            "Empty Param page[limit]",
            "Empty Param sort",
        )
    ),
    *(
        (op, case)
        for op in ("create book", "update book")
        for case in (
            "Invalid Type data.attributes.title",
            "Invalid Value data.attributes.year (above range)",
            "Invalid Value data.attributes.year (below range)",
            "Invalid Type data.attributes.year (fraction)",  # 1.5 for the integer year
            "Invalid Type data.attributes.author_id",  # apitest's: see the integer author_id
        )
    ),
    ("set book author", "Mandatory Property data"),  # taken for null: the author is unlinked
}
"""The negative cases a correct SAFRS fails, each for what it accepts (all but author_id's
Invalid Type its own leniency: that one sends the integer SAFRS wants, see as_integer)."""
CRASHES = {
    (op, f"{kind} data.attributes")
    for op in ("create person", "update person", "create book", "update book")
    for kind in ("Invalid Type", "Null Value")
}
"""The negative cases SAFRS answers 500: an `attributes` that is no object."""


def test_with_every_case_only_safrs_leniency_fails_and_its_crashes_err(
    safrs: Started, tmp_path: Path
) -> None:
    """`--cases all`: every other negative case is refused with a declared 400, 403, 404 or 409
    in SAFRS's error document; what the API wrongly accepted was undone, nothing is left."""
    status, result = run(safrs, tmp_path, "all")
    cases = result["cases"]
    failed = {(c["operation"], c["case"]): c for c in cases if c["status"] == "failed"}
    erred = {(c["operation"], c["case"]): c for c in cases if c["status"] == "error"}
    assert status == 1
    assert set(failed) == LENIENT, failures(result)
    assert all(c["message"].startswith("the API accepted") for c in failed.values())
    _headers, wrong = request_of(result, "create book / Invalid Type data.attributes.author_id")
    assert isinstance(wrong["data"]["attributes"]["author_id"], int)  # the type SAFRS wants
    assert set(erred) == CRASHES, failures(result)
    assert {c["http_status"] for c in erred.values()} == {500}
    refused = [c for c in cases if must_refuse(c) and c["status"] == "passed"]
    assert len(refused) > 50
    assert {c["http_status"] for c in refused} == {400, 403, 404, 409}
    assert [c["case"] for c in cases if c["status"] == "skipped"] == [UNCOMPARED]
    assert result["cleanup_counts"] == {"deleted": 0, "not_deleted": 0}
    assert left(safrs) == []


def as_integer(tree: Any) -> None:
    """author_id as SAFRS's swagger has it: an integer, from 1 to int32's maximum."""
    author = attribute(tree, "author_id")
    author.set("type", "integer")
    author.set("range", "1,2147483647")


def test_an_integer_taken_from_a_string_id_is_sent_as_an_integer(
    safrs: Started, tmp_path: Path
) -> None:
    specs = variant(tmp_path / "spec", as_integer)
    status, result = run(safrs, tmp_path, "positive", specs)
    _headers, book = request_of(result, "create book / positive")
    assert isinstance(book["data"]["attributes"]["author_id"], int), book
    assert status == 0, failures(result)


def pinned_by_examples(tree: Any) -> None:
    """A title and a year given as examples, as a user copies them from the docs."""
    attribute(tree, "title").set("example-value", "The Hunting of the Snark")
    attribute(tree, "year").set("example-value", "1876")


def test_an_update_not_stored_is_caught_where_its_values_are_examples(
    safrs: Started, tmp_path: Path
) -> None:
    specs = variant(tmp_path / "spec", pinned_by_examples)
    plant(safrs, "lost-update")
    _status, result = run(safrs, tmp_path, "positive", specs)
    assert_caught(result["cases"], "verify update book", "the write did not stick")


def linked_by_its_url(tree: Any) -> None:
    """A book made without an author, who is linked by the relationship's own PATCH (the
    relationship's GET, which answers 404 for a book without an author, left out)."""
    attribute(tree, "author_id").set("include-for", "Response[read,create,update]")
    (read,) = tree.xpath("//operation[@name='get book author']")
    read.getparent().remove(read)


def test_an_author_linked_by_the_relationship_url_passes_on_a_correct_api(
    safrs: Started, tmp_path: Path
) -> None:
    """SAFRS answers a PATCH that changes the author with the author's document."""
    specs = variant(tmp_path / "spec", linked_by_its_url)
    status, result = run(safrs, tmp_path, "positive", specs)
    assert status == 0, failures(result)
    answer = json.loads(the_case(result, "set book author / positive")["calls"][0]["response_body"])
    assert set(answer["data"]) >= {"type", "id", "attributes"}
    assert left(safrs) == []
    # what the PATCH sent (`{"data": {"type", "id"}}`) is not the book: its read-back claims
    # no check it did not make
    verify = the_case(result, "get book / verify set book author")
    assert (verify["status"], verify["message"]) == ("skipped", UNVERIFIED_UPDATE)


@pytest.mark.xfail(
    strict=True,
    reason="engine read-back (verify/compare via sent_records): a request body that is not "
    'the record (`{"data": {"type": "Person", "id"}}`, a JSON:API relationship) is '
    "never compared with the record read back; the verify case is skipped, saying nothing "
    "was verified, so a relationship PATCH that stores nothing is not caught and the run "
    "exits 0 (ZSPEC has no way to say which member of the book the relationship sets)",
)
def test_an_author_the_relationship_url_does_not_link_is_caught(
    safrs: Started, tmp_path: Path
) -> None:
    specs = variant(tmp_path / "spec", linked_by_its_url)
    plant(safrs, "reflected-author")
    status, result = run(safrs, tmp_path, "positive", specs)
    assert status == 1
    assert the_case(result, "get book / verify set book author")["status"] == "failed"


def held_to_its_page_limit(tree: Any) -> None:
    """The list's answer held to the page size it was asked for, as SAFRS echoes it."""
    (content,) = tree.xpath("//operation[@name='list books']/response[@status='200']/content")
    condition = "RESPONSE:$.body.meta.limit != REQUEST:$.params['page[limit]']"
    etree.SubElement(content, "error", condition=condition)


def test_a_list_is_held_to_the_page_limit_it_asked(safrs: Started, tmp_path: Path) -> None:
    specs = variant(tmp_path / "spec", held_to_its_page_limit)
    status, result = run(safrs, tmp_path, "positive", specs)
    assert status == 0, failures(result)
    plant(safrs, "ignored-page-limit")
    (tmp_path / "ignored").mkdir()
    status, result = run(safrs, tmp_path / "ignored", "positive", specs)
    assert the_case(result, "list books / positive")["status"] == "failed"
