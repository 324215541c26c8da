"""Connexion 3.3 (PyPI): an OpenAPI-first app, and so an independent judge of the negative
cases apitest makes. tests/data/thirdparty/connexion holds openapi.yaml (a books API with a
rule of every kind: string lengths, patterns, integer and number ranges, enums, a boolean, a
nested object, an array of strings, a `date-time`, required and read-only members, query
parameters of six types, one a delimited list, and a required header), serve.py (a Connexion
AsyncApp over that document, the books in memory; defects planted by name in
CONNEXION_DEFECTS) and books.xml, written from the document rule for rule. Connexion validates
every request against the document with jsonschema (Draft 4 with OpenAPI's `nullable`) and
refuses a bad one with 400 application/problem+json before the handler runs: a case apitest
calls a violation must be refused, and a positive one taken. `format: date-time` is judged too:
the virtualenv holds rfc3339-validator, without which jsonschema takes any string as a
date-time (apitest's datetimes, ISO-8601 with an offset, are RFC 3339).

What it shows apitest gets right: a correct app passes every case (`--cases all`, 199 cases)
and keeps no book; each of its 181 refusals (400) names the very rule its case set out to break
(a case refused for another reason would pass while testing nothing); a range, a pattern, a
length, a list item's length or a query parameter's maximum left out of the document, an update
not stored, a delete
that keeps the book, a create that drops the nested publisher and a create answered 200 for 201
are each caught and named, and fail nothing else.

What it found wrong in apitest, now mended (a test each):
- a false GREEN: a Length Violation (over max) of a property with a `regex` as well sent text
  that broke the regex too ("quartz 2d148d harbor ... quartzx" for an author that must be
  capitalised names), so an app that never checked the maximum refused it for the pattern and
  the case passed. Such a value now matches the regex (plan/bad_values._wrong_length);
- a false RED of positive data: where the `regex` has open repeats (`( [A-Z][A-Za-z.]*)*`) and
  no `example-value` is given, the generated value kept the regex and broke the `length` (the
  patch's author was 1,408 characters where 60 is the most): the repeats nest, and the cap
  meant for one repeat multiplied. The generator now halves the cap after a try too long;
- a false RED of ArgMinLength: for a delimited argument of `length="1,3"` it sent `tags=` as
  "0 values", which is one empty value on the wire (Connexion reads `[""]`): where an empty tag
  is allowed the correct app answered 200 and the case failed. No ArgMinLength is made for a
  minimum of 1: no values at all is the argument left out (Mandatory Param) or empty (Empty
  Param);
- a gap, a false GREEN in waiting: the rules of a list's items (a tag's length) had no case, so
  an app that never checked them passed. The first item of a list of scalars now gets the cases
  of its rules (`Length Violation tags[0] (over max)`, Invalid Type, Null Value, ...).

What it shows of Connexion 3.3 itself (kept out of the documents): a header is validated as
the string it arrives as, never coerced (spec-first/connexion#1931, open), so a header of
`type: integer` refuses every value, "'5' is not of type 'integer'"; the required header here
is a string. jsonschema's `multipleOf` on a float refuses 19.99 for 0.01 (19.99 / 0.01 is
1998.9999999999998), so a `decimal-place` has no faithful mirror, and none is declared.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from contextlib import AbstractContextManager
from pathlib import Path
from typing import Any

import pytest

from ..support import DATA
from ._thirdparty import (
    CorrectRun,
    Planted,
    Started,
    answer_of,
    assert_a_correct_crud_run,
    assert_caught_alone,
    assert_lints_clean,
    correct_run_of,
    create_answered_200,
    delete_kept,
    edited_spec,
    failures,
    listed,
    on_each_write,
    pypi_command,
    run_spec,
    serving_app,
    update_lost,
)

CONNEXION = (
    "connexion[uvicorn]==3.3.0",
    "uvicorn==0.55.0",
    "starlette==1.10.0",
    "jsonschema==4.26.0",  # the judge: Connexion validates every request with it
    "rfc3339-validator==0.1.4",  # without it jsonschema checks no `format: date-time`
    "pyyaml==6.0.4",  # serve.py reads openapi.yaml itself, to plant the lax defects
)
APP = DATA / "thirdparty" / "connexion"
SPEC = APP / "books.xml"
SEED = "3"
WRITES = ("create", "replace", "patch", "delete")


@pytest.fixture(scope="module")
def python() -> Path:
    """The Python of a virtualenv holding CONNEXION, made on first use."""
    return pypi_command(CONNEXION[0], "python", *CONNEXION[1:])


def books_api(
    python: Path, folder: Path, *defects: str, argv: Sequence[str] = ()
) -> AbstractContextManager[Started]:
    planted = {"CONNEXION_DEFECTS": ",".join(defects)}
    return serving_app(python, APP, folder, list(argv), "/books", env=planted)


def run(api: Started, tmp_path: Path, cases: str, spec: Path = SPEC) -> tuple[int, dict[str, Any]]:
    return run_spec(spec, api, tmp_path, "--seed", SEED, "--cases", cases)


def books(api: Started) -> list[dict[str, Any]]:
    """The books the API holds (all of them: a run makes far fewer than the largest page)."""
    return listed(api, "/books", "books", {"limit": 100})


def refusal(case: dict[str, Any]) -> str:
    """What the app said refusing `case`: Connexion's problem detail."""
    detail: str = answer_of(case)["detail"]
    return detail


@pytest.fixture(scope="module")
def correct_run(python: Path, tmp_path_factory: pytest.TempPathFactory) -> CorrectRun:
    """`--cases all` against a correct app: exit status, result and the books left."""
    folder = tmp_path_factory.mktemp("connexion-correct")
    serving = books_api(python, folder / "api")
    return correct_run_of(serving, lambda api: run(api, folder, "all"), books)


def test_the_spec_lints_clean() -> None:
    assert_lints_clean(SPEC)


def test_a_correct_api_passes_every_case_and_keeps_no_book(correct_run: CorrectRun) -> None:
    assert_a_correct_crud_run(correct_run, "book", WRITES, 199)


PARAM_RULES = {
    "limit": "is not of type 'integer'",
    "offset": "is not of type 'integer'",
    "genre": "is not one of ['fiction'",
    "q": "is too short",
    "in_print": "is not of type 'boolean'",
    "max_price": "is not of type 'number'",
    "published_after": "is not a 'date-time'",
    "tags": "should be non-empty",
}
"""What Connexion says of a query parameter's wrong or empty value, by its rule."""
CASE_RULES = (
    ("Mandatory Header X-Request-Id", "Missing header parameter 'X-Request-Id'"),
    ("Invalid Header X-Request-Id", "does not match '^[a-z0-9-]+$'"),
    ("Empty Header X-Request-Id", "'' is too short"),
    ("Mandatory Property", "is a required property"),
    ("Null Value", "None is not of type"),
    ("Invalid Type published_at (text)", "is not a 'date-time'"),
    ("Invalid Type", "is not of type"),
    ("Regex Mismatch", "does not match"),
    ("(above range)", "is greater than the maximum of"),
    ("(below range)", "is less than the minimum of"),
    ("(over max)", "is too long"),
    ("ArgMaxLength tags", "is too long"),
    ("Invalid Value", "is not one of"),
)


def rule_broken(case: str) -> str:
    """What Connexion's refusal says where a negative case named `case` breaks what it set out
    to break (the first rule of CASE_RULES its name holds, else its parameter's)."""
    if case.endswith("(under min)"):
        return "is too short" if "X-Request-Id" in case or " q " in case else "should be non-empty"
    for part, said in CASE_RULES:
        if part in case:
            return said
    kind, _, name = case.rpartition(" ")
    assert kind in ("Invalid Param", "Empty Param"), case
    return PARAM_RULES[name]


def test_every_negative_case_is_refused_for_the_rule_it_breaks(
    correct_run: CorrectRun,
) -> None:
    """Refused 400 for its own rule, not for one the case broke besides (it would pass while
    testing nothing); a key no book has, or one that is no number, is 404."""
    _status, result, _left = correct_run
    negative = [c for c in result["cases"] if c["negative_kind"] is not None]
    by_key = {c["id"]: c["http_status"] for c in negative if c["case"].endswith(" book_id")}
    assert len(by_key) == 6 and set(by_key.values()) == {404}, by_key
    refused = [c for c in negative if not c["case"].endswith(" book_id")]
    assert len(refused) == 181
    assert {c["http_status"] for c in refused} == {400}
    wrong = {
        f"{c['operation']} / {c['case']}": refusal(c)
        for c in refused
        if rule_broken(c["case"]) not in refusal(c)
    }
    assert not wrong, wrong


DEFECTS: list[Planted] = [
    (
        "lax-pages",
        on_each_write("book", "Invalid Value pages (above range)", "the API accepted pages = 5001"),
        0,
    ),
    (
        "lax-isbn",
        on_each_write("book", "Regex Mismatch isbn", "the API accepted isbn = "),
        0,
    ),
    (
        "lax-limit",
        {"list books / Invalid Param limit (above range)": "the API accepted param limit='101'"},
        0,
    ),
    update_lost("book"),
    delete_kept("book"),
    (
        "dropped-field",
        {"get book / verify create book": "the write did not stick: $.publisher: sent {"},
        0,
    ),
    create_answered_200("book"),
    (
        "lax-tag-length",  # an item's own rule, broken in the first item of the list
        on_each_write("book", "Length Violation tags[0] (over max)", "the API accepted tags[0] = "),
        0,
    ),
    (
        "lax-author-length",  # its over-max value must match the regex, or it tests nothing
        on_each_write("book", "Length Violation author (over max)", "the API accepted author = "),
        0,
    ),
]


@pytest.mark.parametrize(("defect", "said", "kept"), DEFECTS)
def test_each_planted_defect_is_caught_and_named(
    python: Path, tmp_path: Path, defect: str, said: dict[str, str], kept: int
) -> None:
    with books_api(python, tmp_path / "api", defect) as api:
        status, result = run(api, tmp_path, "all")
        left = books(api)
    assert_caught_alone(status, result, said, left, kept)


def test_positive_values_a_regex_generates_keep_their_length(python: Path, tmp_path: Path) -> None:
    """Without an example-value, the author is generated from its regex of nested open repeats
    and must keep its length of 1..60 as well."""

    def no_author_example(tree: Any) -> None:
        for author in tree.iterfind(".//property[@name='author']"):
            del author.attrib["example-value"]

    spec = edited_spec(SPEC, tmp_path / "spec", no_author_example)
    with books_api(python, tmp_path / "api") as api:
        status, result = run(api, tmp_path, "positive", spec)
    authors = [
        json.loads(call["request_body"])["author"]
        for c in result["cases"]
        if c["case"] == "positive" and c["method"] in ("POST", "PUT", "PATCH")
        for call in c["calls"]
    ]
    assert len(authors) == 3
    assert [len(author) for author in authors if not 1 <= len(author) <= 60] == []
    assert status == 0, failures(result)


def test_a_list_of_one_empty_value_is_not_sent_as_a_list_of_none(
    python: Path, tmp_path: Path
) -> None:
    """Where an empty tag is allowed, `tags=` (one empty tag) is a valid call: no case sends it
    as "0 values, min 1", and the run passes a correct app."""

    def empty_tags_allowed(tree: Any) -> None:
        (tag,) = tree.iterfind(".//argument[@name='tags']/content/structure/property")
        tag.set("length", "20")
        tag.set("emptiable-for", "Request[read]")

    spec = edited_spec(SPEC, tmp_path / "spec", empty_tags_allowed)
    with books_api(python, tmp_path / "api", argv=["--empty-tag"]) as api:
        status, result = run(api, tmp_path, "negative", spec)
        empty_tag = api.get("/books?tags=")
    assert empty_tag.status_code == 200, empty_tag.text  # one empty tag, as the document allows
    listing = [c["case"] for c in result["cases"] if c["operation"] == "list books"]
    assert "ArgMaxLength tags (4 values, max 3)" in listing
    assert not [case for case in listing if case.startswith(("ArgMinLength", "Empty Param tags"))]
    assert status == 0, failures(result)
