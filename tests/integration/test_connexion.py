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

What it shows apitest gets right: a correct app passes every case (`--cases all`, 208 cases)
and keeps no book; each of its 187 refusals (400) names the very rule its case set out to break
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
from pathlib import Path
from typing import Any

import pytest

from ._thirdparty import Planted, edited_spec, failures
from ._validator_hunt import (
    CorrectRun,
    ValidatorHunt,
    answer_of,
    assert_an_unknown_defect_is_refused,
)

CONNEXION = (
    "connexion[uvicorn]==3.3.0",
    "uvicorn==0.55.0",
    "starlette==1.10.0",
    "jsonschema==4.26.0",  # the judge: Connexion validates every request with it
    "rfc3339-validator==0.1.4",  # without it jsonschema checks no `format: date-time`
    "pyyaml==6.0.4",  # serve.py reads openapi.yaml itself, to plant the lax defects
)
HUNT = ValidatorHunt("connexion", CONNEXION, "books.xml", noun="book", listing="books")


def refusal(case: dict[str, Any]) -> str:
    """What the app said refusing `case`: Connexion's problem detail."""
    detail: str = answer_of(case)["detail"]
    return detail


def test_a_correct_api_passes_every_case_and_keeps_no_book(hunt_correct_run: CorrectRun) -> None:
    HUNT.assert_correct_run(hunt_correct_run, 210)


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
    kind, _, name = case.removesuffix(" (fraction)").rpartition(" ")
    assert kind in ("Invalid Param", "Empty Param"), case
    return PARAM_RULES[name]


def test_every_negative_case_is_refused_for_the_rule_it_breaks(
    hunt_correct_run: CorrectRun,
) -> None:
    """Refused 400 for its own rule, not for one the case broke besides (it would pass while
    testing nothing); a key no book has, or one that is no number, is 404."""
    keyed, refused = HUNT.refusals(hunt_correct_run, 400, 189)
    assert len(keyed) == 6
    wrong = {
        f"{c['operation']} / {c['case']}": refusal(c)
        for c in refused
        if rule_broken(c["case"]) not in refusal(c)
    }
    assert not wrong, wrong


DEFECTS: list[Planted] = [
    HUNT.lax("lax-pages", "Invalid Value pages (above range)", "the API accepted pages = 5001"),
    HUNT.lax("lax-isbn", "Regex Mismatch isbn", "the API accepted isbn = "),
    *HUNT.common_defects(nested="publisher", nullable="price"),
    HUNT.lax(  # an item's own rule, broken in the first item of the list
        "lax-tag-length", "Length Violation tags[0] (over max)", "the API accepted tags[0] = "
    ),
    HUNT.lax(  # its over-max value must match the regex, or it tests nothing
        "lax-author-length", "Length Violation author (over max)", "the API accepted author = "
    ),
]


@pytest.mark.parametrize("planted", DEFECTS, ids=[defect for defect, _said, _kept in DEFECTS])
def test_each_planted_defect_is_caught_and_named(
    hunt_python: Path, tmp_path: Path, planted: Planted
) -> None:
    HUNT.assert_caught(hunt_python, tmp_path, planted)


def test_positive_values_a_regex_generates_keep_their_length(
    hunt_python: Path, tmp_path: Path
) -> None:
    """Without an example-value, the author is generated from its regex of nested open repeats
    and must keep its length of 1..60 as well."""

    def no_author_example(tree: Any) -> None:
        for author in tree.iterfind(".//property[@name='author']"):
            del author.attrib["example-value"]

    spec = edited_spec(HUNT.spec, tmp_path / "spec", no_author_example)
    with HUNT.serving(hunt_python, tmp_path / "api") as api:
        status, result = HUNT.run(api, tmp_path, "positive", spec)
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
    hunt_python: Path, tmp_path: Path
) -> None:
    """Where an empty tag is allowed, `tags=` (one empty tag) is a valid call: no case sends it
    as "0 values, min 1", and the run passes a correct app."""

    def empty_tags_allowed(tree: Any) -> None:
        (tag,) = tree.iterfind(".//argument[@name='tags']/content/structure/property")
        tag.set("length", "20")
        tag.set("emptiable-for", "Request[read]")

    spec = edited_spec(HUNT.spec, tmp_path / "spec", empty_tags_allowed)
    with HUNT.serving(hunt_python, tmp_path / "api", argv=["--empty-tag"]) as api:
        status, result = HUNT.run(api, tmp_path, "negative", spec)
        empty_tag = api.get("/books?tags=")
    assert empty_tag.status_code == 200, empty_tag.text  # one empty tag, as the document allows
    listing = [c["case"] for c in result["cases"] if c["operation"] == "list books"]
    assert "ArgMaxLength tags (4 values, max 3)" in listing
    assert not [case for case in listing if case.startswith(("ArgMinLength", "Empty Param tags"))]
    assert status == 0, failures(result)


def test_an_unknown_defect_is_refused(hunt_python: Path, tmp_path: Path) -> None:
    assert_an_unknown_defect_is_refused(HUNT, hunt_python, tmp_path)
