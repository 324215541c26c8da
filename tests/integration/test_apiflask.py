"""APIFlask 3.1 with marshmallow 4 (PyPI): a code-first Flask app, and so an independent judge
of the negative cases apitest makes. tests/data/thirdparty/apiflask holds serve.py (an APIFlask
app whose marshmallow schemas carry a rule of every kind: validate.Length, validate.Range,
validate.OneOf and validate.Regexp, a Boolean, a nullable field (allow_none), a DateTime, a
Nested schema, a List of Strings with their own Length, unknown body fields refused; query
fields with a Range, a OneOf and a Length; a required header with a Length and a Regexp; the
widgets in memory; defects planted by name in APIFLASK_DEFECTS) and widgets.xml, written from
the schemas rule for rule. APIFlask refuses a request its schemas do not allow with its default
422 `{"detail": {LOCATION: {FIELD: [MESSAGE, ...]}}, "message": "Validation error"}` before the
view runs, naming marshmallow's messages and where each was found (a nested field's under its
parent, a list item's under its index): a case apitest calls a violation must be refused for
its own rule, and a positive one taken.

What it shows apitest gets right: a correct app passes every case (`--cases all`, 176 cases)
and keeps no widget; each of its 155 refusals (422) holds marshmallow's message for the very
rule and at the very place its case set out to break, and nothing else ("Length must be between
1 and 15." at `json.tags.0` for `Length Violation tags[0] (over max)`; an empty X-Request-Id
breaks its length and its pattern both, and is refused for both), and a key no widget has, or
one that is no integer (no route matches it), is 404. marshmallow answers a moment in its own
form (`+00:00`, microseconds written out) and a price of 10 as 10.0: the writes hold. A
range, a pattern, a OneOf, a length, a list item's length, a query parameter's maximum or a
header's pattern left out, a name that takes null, a pattern that lost its `$` (marshmallow's
Regexp matches at the start only: "JW-389!JW-389" is taken), an update not stored, a delete that
keeps the widget, a create that drops the nested maker and a create answered 200 for 201 are
each caught and named, and fail nothing else. None of marshmallow's coercions (an Integer takes
"5" and truncates 5.5, a Boolean takes "true" and 1) meets a case apitest makes: its Invalid
Type values are text no number or boolean reads, so the spec skips nothing.

What it found wrong in apitest, now mended: a pattern anchored at its END only passed. The
Regex Mismatch value was a match with a stray character appended ("AB-123!"), which a check
that searches `[A-Z]{2}-[0-9]{3}$` (a Pydantic, msgspec or JSON Schema `pattern` written without
`^`) refuses, while it takes "!AB-123". It is now the match, the stray and the match again
("JW-389!JW-389", plan/bad_values.py `_match_with_a_stray`), which a search takes however it
is anchored. And a nullable field that refused null passed (as in Litestar's hunt): no
case sent null where `nullable-for` allows it; `Null Allowed note` now does, and the app must
take it.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from ._thirdparty import Planted
from ._validator_hunt import (
    BOUNDS,
    CorrectRun,
    ValidatorHunt,
    answer_of,
    assert_an_unknown_defect_is_refused,
)

APIFLASK = (
    "apiflask==3.1.2",
    "flask==3.1.3",
    "werkzeug==3.1.9",  # serves it (run_simple)
    "marshmallow==4.4.0",  # the judge: APIFlask validates every request with it
    "webargs==8.7.1",
    "apispec==6.10.1",
    "flask-marshmallow==1.5.0",
)
HUNT = ValidatorHunt("apiflask", APIFLASK, "widgets.xml", noun="widget", listing="items")
VALID = {"name": "Hand drill", "code": "AB-123", "weight": 800}
"""A widget body every rule of the correct app allows."""


def test_a_correct_api_passes_every_case_and_keeps_no_widget(hunt_correct_run: CorrectRun) -> None:
    result = HUNT.assert_correct_run(hunt_correct_run, 178)
    made = {c["case"] for c in result["cases"]}
    assert {"Invalid Type released_at", "Invalid Type released_at (text)"} <= made  # none skipped


TYPE = {
    "weight": "integer",
    "limit": "integer",
    "offset": "integer",
    "price": "number",
    "active": "boolean",
    "released_at": "datetime",
    "tags": "list",
}
"""marshmallow's word (`Not a valid <word>.`) for the type a field takes, by its name; else
`string`."""
ONE_OF = "Must be one of: red, green, blue, black."
PATTERN = "String does not match expected pattern."
KINDS = (
    "Mandatory Property", "Mandatory Header", "Null Value", "Invalid Type", "Invalid Value",
    "Regex Mismatch", "Length Violation", "Invalid Header", "Empty Header", "Invalid Param",
    "Empty Param",
)  # fmt: skip


def _length(name: str) -> str:
    low, high = BOUNDS[name]
    if low is None:
        return f"Longer than maximum length {high}."
    return f"Length must be between {low} and {high}."


def _range(name: str) -> str:
    low, high = BOUNDS[name]
    if high is None:
        return f"Must be greater than or equal to {low}."
    return f"Must be greater than or equal to {low} and less than or equal to {high}."


def _case(case: str) -> tuple[str, str, str]:
    """The kind, the name and the bound ("over max", "text", ...; else "") of a case."""
    kind = next(k for k in KINDS if case.startswith(k + " "))
    name, _, bound = case.removeprefix(kind + " ").partition(" (")
    return kind, name, bound.rstrip(")")


def rule_broken(operation: str, case: str) -> dict[str, Any]:
    """APIFlask's whole error body refusing a negative case named `case` that breaks just what
    it set out to break: marshmallow's message at the field's place, and nothing else."""
    kind, name, bound = _case(case)
    location = "json"
    if name == "X-Request-Id":
        location = "headers"
    elif operation == "list widgets":
        location = "query"
    place = name.replace("[", ".").replace("]", "").split(".")  # tags[0] -> tags, 0
    if kind == "Mandatory Property" or kind == "Mandatory Header":
        messages = ["Missing data for required field."]
    elif kind == "Null Value":
        messages = ["Field may not be null."]
    elif kind in ("Regex Mismatch", "Invalid Header"):
        messages = [PATTERN]
    elif kind == "Empty Header":  # "" is too short, and no match of [a-z0-9-]+ either
        messages = [_length(name), PATTERN]
    elif name == "colour" and kind != "Invalid Type":  # its OneOf: made up, or ""
        messages = [ONE_OF]
    elif bound in ("over max", "under min") or (kind == "Empty Param" and name == "q"):
        messages = [_length(name)]
    elif bound in ("above range", "below range"):
        messages = [_range(name)]
    elif name == "maker":  # a Nested's wrong type is the schema's own error
        place, messages = ["maker", "_schema"], ["Invalid input type."]
    else:  # Invalid Type (a datetime's text too); Invalid / Empty Param of a number
        messages = [f"Not a valid {TYPE.get(name, 'string')}."]
    error: Any = messages
    for step in reversed(place):
        error = {step: error}
    return {"detail": {location: error}, "message": "Validation error"}


def test_every_negative_case_is_refused_for_the_rule_it_breaks(
    hunt_correct_run: CorrectRun,
) -> None:
    """Refused 422 with marshmallow's message for its own rule at its own place, and no other
    (one the case broke besides would let it pass while testing nothing); a key no widget has
    is 404, and so is one that is no integer (the router matches no route)."""
    keyed, refused = HUNT.refusals(hunt_correct_run, 422, 157)
    assert len(keyed) == 6
    for case in keyed:  # no route, or no such widget
        said = answer_of(case)
        words = "Not Found" if "InvalidValueInURLPath" in case["case"] else "no widget has the id "
        assert said["message"].startswith(words) and said["detail"] == {}, case
    wrong = {
        f"{c['operation']} / {c['case']}": (answer_of(c), rule_broken(c["operation"], c["case"]))
        for c in refused
        if answer_of(c) != rule_broken(c["operation"], c["case"])
    }
    assert not wrong, wrong


def test_a_moment_or_number_answered_in_another_form_holds_the_write(
    hunt_python: Path, tmp_path: Path
) -> None:
    """marshmallow answers `2024-03-01T17:30:00.5Z` as `2024-03-01T17:30:00.500000+00:00` and
    a price of 10 as 10.0: the same moment and number, so every read-back passes."""
    moment = "2024-03-01T17:30:00.5Z"
    sent, answer = HUNT.pinned_create(hunt_python, tmp_path, {"released_at": moment, "price": "10"})
    assert sent["released_at"] == moment
    assert (answer["released_at"], answer["price"]) == ("2024-03-01T17:30:00.500000+00:00", 10.0)


DEFECTS: list[Planted] = [
    HUNT.lax("lax-weight", "Invalid Value weight (above range)", "the API accepted weight = 5001"),
    HUNT.lax("lax-code", "Regex Mismatch code", "the API accepted code = "),
    HUNT.lax(  # marshmallow's Regexp without `$`: re.match takes "AB-123!"
        "start-anchored-code", "Regex Mismatch code", "the API accepted code = "
    ),
    # The Regex Mismatch value is the match, a stray and the match again ("JW-389!JW-389"), so
    # a check anchored at the end only takes it too (it was "AB-123!", which such a check
    # refuses, and the run was green).
    HUNT.lax("end-anchored-code", "Regex Mismatch code", "the API accepted code = "),
    HUNT.lax("lax-colour", "Invalid Value colour", "the API accepted colour = "),
    # marshmallow's default Integer truncates a fraction; only the fraction case sends one
    HUNT.lax(
        "truncating-weight", "Invalid Type weight (fraction)", "the API accepted weight = 1.5"
    ),
    (
        "lax-name-length",
        {
            **HUNT.on_each_write("Length Violation name (over max)", "the API accepted name = "),
            **HUNT.on_each_write("Length Violation name (under min)", "the API accepted name = "),
        },
        0,
    ),
    (
        "lax-tag-length",  # an item's own rule, broken in the first item of the list
        {
            **HUNT.on_each_write(
                "Length Violation tags[0] (over max)", "the API accepted tags[0] = "
            ),
            **HUNT.on_each_write(
                "Length Violation tags[0] (under min)", "the API accepted tags[0] = "
            ),
        },
        0,
    ),
    (
        "lax-request-id",  # a header schema's Regexp
        {"create widget / Invalid Header X-Request-Id": "the API accepted header X-Request-Id="},
        0,
    ),
    HUNT.lax("null-name", "Null Value name", "the API accepted name = null"),
    *HUNT.common_defects(nested="maker", nullable="note"),
    # Only Null Allowed sends the null `nullable-for` allows (the positive case sends text,
    # Null Value goes where null is not allowed): an app refusing it passed every case.
    HUNT.lax(
        "note-not-nullable", "Null Allowed note", "the API refused note = null (Null Allowed)"
    ),
]


@pytest.mark.parametrize("planted", DEFECTS, ids=[defect for defect, _said, _kept in DEFECTS])
def test_each_planted_defect_is_caught_and_named(
    hunt_python: Path, tmp_path: Path, planted: Planted
) -> None:
    HUNT.assert_caught(hunt_python, tmp_path, planted)


def test_two_defects_planted_are_real(hunt_python: Path, tmp_path: Path) -> None:
    """What "end-anchored-code" and "note-not-nullable" plant is a defect a client meets:
    the end-anchored check takes a code with text before a match, and the note refuses the
    null the spec allows; the correct app does neither. The end-anchored check refuses what
    apitest sent before ("AB-123!")."""
    before = {**VALID, "code": "!AB-123"}
    after = {**VALID, "code": "AB-123!"}
    with HUNT.serving(hunt_python, tmp_path / "correct") as api:
        assert HUNT.post(api, before).status_code == 422
        assert HUNT.post(api, after).status_code == 422
        assert HUNT.post(api, {**VALID, "note": None}).status_code == 201
    with HUNT.serving(hunt_python, tmp_path / "end", "end-anchored-code") as api:
        assert HUNT.post(api, before).status_code == 201
        assert HUNT.post(api, after).json()["detail"] == {"json": {"code": [PATTERN]}}
    with HUNT.serving(hunt_python, tmp_path / "not-nullable", "note-not-nullable") as api:
        refused = HUNT.post(api, {**VALID, "note": None})
    assert refused.status_code == 422
    assert refused.json()["detail"] == {"json": {"note": ["Field may not be null."]}}


def test_an_unknown_defect_is_refused(hunt_python: Path, tmp_path: Path) -> None:
    assert_an_unknown_defect_is_refused(HUNT, hunt_python, tmp_path)
