"""Litestar 2.25 with msgspec 0.22 (PyPI): a code-first app, and so an independent judge of the
negative cases apitest makes. tests/data/thirdparty/litestar holds serve.py (a Litestar app
whose msgspec Structs carry a rule of every kind: string lengths, an anchored pattern, integer
and float ranges, a Literal enum, a boolean, a nullable member, a `datetime`, a nested Struct,
a list of strings with item constraints, unknown members forbidden; query parameters with
ge/le, a Literal and a length; a required header with a length and a pattern; the gadgets in
memory; defects planted by name in LITESTAR_DEFECTS) and gadgets.xml, written from the Structs
rule for rule. Litestar refuses a request its Structs and parameters do not allow with its
default 400 `{"status_code", "detail": "Validation failed for ...", "extra": [{"message",
"key", "source"}]}` before the handler runs, naming msgspec's message and where it was found
(a missing header: 400 with its own detail and no `extra`): a case apitest calls a violation
must be refused for its own rule, and a positive one taken.

What it shows apitest gets right: a correct app passes every case (`--cases all`, 173 cases)
and keeps no gadget; each of its 152 refusals (400) holds one error, msgspec's for the very rule
and at the very place its case set out to break ("Expected `str` of length <= 15" at
`tags[0]` for `Length Violation tags[0] (over max)`), and a key no gadget has, or one that is
no integer (no route matches it), is 404. A moment msgspec answers in another form (`Z` for
`+00:00`, microseconds written out) and a whole number answered as a float hold the write.
A range, a pattern, a header's pattern, a list item's length or a query parameter's maximum
left out, a name that takes null, an update not stored, a delete that keeps the gadget, a
create that drops the nested maker and a create answered 200 for 201 are each caught and
named, and fail nothing else.

What it found wrong in apitest, now mended (two false greens): an unanchored pattern passed.
msgspec (as Pydantic) SEARCHES a `pattern`, so an app whose pattern lacks ^...$ takes
"xAB-123y" for a code that must be `[A-Z]{2}-[0-9]{3}` whole; the Regex Mismatch value was
"!apitest!", which holds no match anywhere, so the search refused it too and the case passed.
It is now a match, a stray character and the match again ("EZ-242!EZ-242", plan/bad_values.py
`_match_with_a_stray`). And a `datetime` member that takes any text passed: its one case,
Invalid Type, sent a number, which a member typed `str` refuses too; `Invalid Type
released_at (text)` now sends text no moment reads (plan/cases.py `_MOMENTS`).

And a nullable member that refuses null passed: no case sent null where the spec's
`nullable-for` allows it (the positive case sends a string, Null Value goes only where null is
NOT allowed), so an app that forgot `| None` on `note` was green. `Null Allowed note` now sends
it, and the app must take it (plan/cases.py `_property_cases`, case_kinds.TAKEN).

What it shows of Litestar itself (kept out of the correct run): it converts a request with
msgspec's lax mode (`strict=False`), in which a JSON number is a valid `datetime` (seconds
since the epoch), so the `Invalid Type released_at` apitest makes, a number, is taken
(201/200, the gadget's released_at 1970-...Z): gadgets.xml skips those three cases by
`auto-skip-cases`, and a test here asserts the app takes them. A path variable that does not
parse as its declared type (`{gadget_id:int}`) is answered 404 by the router, not 400.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest

from ._thirdparty import Planted
from ._validator_hunt import (
    BOUNDS,
    CorrectRun,
    ValidatorHunt,
    answer_of,
    assert_a_number_is_read_as_a_moment,
    assert_an_unknown_defect_is_refused,
)

LITESTAR = (
    "litestar==2.25.0",
    "uvicorn==0.54.0",
    "msgspec==0.22.0",  # the judge: Litestar validates every request with it
)
HUNT = ValidatorHunt("litestar", LITESTAR, "gadgets.xml", noun="gadget", listing="items")
LAX_DATETIME = "Invalid Type released_at"
VALID = {"name": "Hand drill", "code": "AB-123", "weight": 800}
"""A gadget body every rule of the correct app allows."""


def test_a_correct_api_passes_every_case_and_keeps_no_gadget(hunt_correct_run: CorrectRun) -> None:
    result = HUNT.assert_correct_run(hunt_correct_run, 175)
    assert not [c for c in result["cases"] if c["case"] == LAX_DATETIME]  # (text) is made


TYPE = {
    "weight": "int",
    "limit": "int",
    "offset": "int",
    "price": "float",
    "active": "bool",
    "released_at": "datetime",
    "maker": "object",
    "tags": "array",
    "note": "str | null",
}
"""msgspec's name of the type a member or parameter takes, by its name; else `str`."""
REGEX = {
    "code": "^[A-Z]{2}-[0-9]{3}$",
    "maker.country": "^[A-Z]{2}$",
    "X-Request-Id": "^[a-z0-9-]+$",
}
CASE = re.compile(
    r"(?P<kind>Mandatory (Property|Header)|Null Value|Invalid Type|Invalid Value|Regex Mismatch"
    r"|Length Violation|Invalid Header|Empty Header|Invalid Param|Empty Param) (?P<name>\S+)"
    r"( \((?P<bound>[a-z ]+)\))?"
)
ENUM = "Invalid enum value 'apitest-[0-9a-f]{6}'"
"""msgspec's message for a Literal's value apitest made up (`apitest-<hex>`)."""


def _bound(name: str, bound: str) -> str:
    """msgspec's message for the bound `bound` ("above range", "under min", ...) of `name`."""
    low, high = BOUNDS[name]
    sign, edge = ("<=", high) if bound in ("above range", "over max") else (">=", low)
    if bound.endswith("range"):  # msgspec writes a float's bound with its `.0`
        shown = f"{edge}.0" if TYPE[name] == "float" else edge
        return re.escape(f"Expected `{TYPE[name]}` {sign} {shown}")
    of = "array" if name == "tags" else "str"
    return re.escape(f"Expected `{of}` of length {sign} {edge}")


def rule_broken(operation: str, case: str) -> dict[str, str]:
    """The one error (msgspec's message as a pattern, Litestar's key and source) of the refusal
    of a negative case named `case` that breaks just what it set out to break."""
    found = CASE.fullmatch(case)
    assert found, case
    kind, name, bound = found["kind"], found["name"], found["bound"]
    source = "header" if name == "X-Request-Id" else "body"
    source = "query" if operation == "list gadgets" else source
    key = "x_request_id" if name == "X-Request-Id" else name
    typed = TYPE.get(name, "str")
    if bound == "text":  # text where a moment belongs
        message = re.escape("Invalid RFC3339 encoded datetime")
    elif bound == "fraction":  # a fraction where a whole number belongs (text in a query)
        message = re.escape(f"Expected `{typed}`, got `{'str' if source == 'query' else 'float'}`")
    elif bound:
        message = _bound(name, bound)
    elif kind == "Mandatory Property":
        parent, _, last = name.rpartition(".")
        message, key = re.escape(f"Object missing required field `{last}`"), parent or "data"
    elif kind == "Null Value":
        message = re.escape(f"Expected `{typed}`, got `null`")
    elif kind in ("Regex Mismatch", "Invalid Header"):
        message = re.escape(f"Expected `str` matching regex '{REGEX[name]}'")
    elif kind == "Invalid Value" or (kind.endswith("Param") and name == "colour"):
        message = "Invalid enum value ''" if kind == "Empty Param" else ENUM
    elif kind in ("Empty Header", "Empty Param") and typed == "str":
        message = _bound(name, "under min")
    else:  # Invalid Type; Invalid / Empty Param of a number: text that is none
        message = re.escape(f"Expected `{typed}`, got `{'int' if typed[:3] == 'str' else 'str'}`")
    return {"message": message, "key": key, "source": source}


def is_refused_for(said: dict[str, Any], operation: str, case: str) -> bool:
    """Whether Litestar's refusal `said` holds exactly the error of the rule `case` broke."""
    if case.startswith("Mandatory Header"):
        missing = f"Missing required header parameter '{case.split()[-1]}' for path /gadgets"
        return said == {"status_code": 400, "detail": missing}
    (error,) = said.get("extra") or [{}]
    expected = rule_broken(operation, case)
    return (
        said["status_code"] == 400
        and re.fullmatch(expected.pop("message"), error.get("message", "")) is not None
        and {k: error.get(k) for k in expected} == expected
    )


def test_every_negative_case_is_refused_for_the_rule_it_breaks(
    hunt_correct_run: CorrectRun,
) -> None:
    """Refused 400 with one error, msgspec's for its own rule at its own place, not for one the
    case broke besides (it would pass while testing nothing); a key no gadget has is 404, and
    so is one that is no integer (the router matches no route)."""
    keyed, refused = HUNT.refusals(hunt_correct_run, 400, 154)
    assert len(keyed) == 6
    for case in keyed:  # no route, or no such gadget
        said = "Not Found" if "InvalidValueInURLPath" in case["case"] else "no gadget has the id "
        assert answer_of(case)["detail"].startswith(said), case
    wrong = {
        f"{c['operation']} / {c['case']}": answer_of(c)
        for c in refused
        if not is_refused_for(answer_of(c), c["operation"], c["case"])
    }
    assert not wrong, wrong


def test_lax_mode_takes_a_number_for_a_datetime(hunt_python: Path, tmp_path: Path) -> None:
    """Litestar converts a request with msgspec's lax mode (`strict=False`): without
    gadgets.xml's `auto-skip-cases`, its number for released_at is taken as a Unix time."""
    assert_a_number_is_read_as_a_moment(HUNT, hunt_python, tmp_path, "released_at")


def test_a_moment_or_number_answered_in_another_form_holds_the_write(
    hunt_python: Path, tmp_path: Path
) -> None:
    """msgspec answers `2024-03-01T17:30:00.5+00:00` as `2024-03-01T17:30:00.500000Z` and a
    price of 10 as 10.0: the same moment and number, so every read-back passes."""
    moment = "2024-03-01T17:30:00.5+00:00"
    sent, answer = HUNT.pinned_create(hunt_python, tmp_path, {"released_at": moment, "price": "10"})
    assert sent["released_at"] == moment
    assert (answer["released_at"], answer["price"]) == ("2024-03-01T17:30:00.500000Z", 10.0)


DEFECTS: list[Planted] = [
    HUNT.lax("lax-weight", "Invalid Value weight (above range)", "the API accepted weight = 5001"),
    HUNT.lax("lax-code", "Regex Mismatch code", "the API accepted code = "),
    HUNT.lax(  # an item's own rule, broken in the first item of the list
        "lax-tag-length", "Length Violation tags[0] (over max)", "the API accepted tags[0] = "
    ),
    (
        "lax-request-id",  # a Parameter's pattern: Litestar's, not a Struct's
        {"create gadget / Invalid Header X-Request-Id": ("the API accepted header X-Request-Id=")},
        0,
    ),
    HUNT.lax("null-name", "Null Value name", "the API accepted name = null"),
    *HUNT.common_defects(nested="maker", nullable="note"),
    # Only Null Allowed sends the null `nullable-for` allows (the positive case sends text,
    # Null Value goes where null is not allowed): an app refusing it passed every case.
    HUNT.lax(
        "note-not-nullable", "Null Allowed note", "the API refused note = null (Null Allowed)"
    ),
    # Taking the null is not all: an update that skips it leaves the note for good.
    (
        "null-note-kept",
        {
            f"{write} gadget / Null Allowed note": "the API took note = null (Null Allowed) but "
            "did not store it: get gadget still shows note = "
            for write in ("replace", "patch")
        },
        0,
    ),
    # A Regex Mismatch value holds a match ("EZ-242!EZ-242"), so an app that searches the
    # pattern takes it ("!apitest!", sent before, holds none: the unanchored app refused it
    # too and the run was green).
    HUNT.lax("unanchored-code", "Regex Mismatch code", "the API accepted code = "),
    # Only `Invalid Type released_at (text)` sends text that is no moment (the number of
    # `Invalid Type released_at` is refused by a member typed text too, and the run passed).
    HUNT.lax("text-released-at", f"{LAX_DATETIME} (text)", "the API accepted released_at = "),
]


@pytest.mark.parametrize("planted", DEFECTS, ids=[defect for defect, _said, _kept in DEFECTS])
def test_each_planted_defect_is_caught_and_named(
    hunt_python: Path, tmp_path: Path, planted: Planted
) -> None:
    HUNT.assert_caught(hunt_python, tmp_path, planted)


def test_three_defects_planted_are_real(hunt_python: Path, tmp_path: Path) -> None:
    """What "unanchored-code", "note-not-nullable" and "text-released-at" plant is a defect a
    client meets: the unanchored pattern takes a code with text around a match, the note
    refuses the null the spec allows, and released_at takes text that is no moment; the
    correct app does none of it."""
    around = {**VALID, "code": "xAB-123y"}
    no_moment = {**VALID, "released_at": "next tuesday"}
    with HUNT.serving(hunt_python, tmp_path / "correct") as api:
        assert HUNT.post(api, around).status_code == 400
        assert HUNT.post(api, {**VALID, "note": None}).status_code == 201
        assert HUNT.post(api, no_moment).json()["extra"] == [
            {"message": "Invalid RFC3339 encoded datetime", "key": "released_at", "source": "body"}
        ]
    with HUNT.serving(hunt_python, tmp_path / "text", "text-released-at") as api:
        assert HUNT.post(api, no_moment).json()["released_at"] == "next tuesday"
    with HUNT.serving(hunt_python, tmp_path / "unanchored", "unanchored-code") as api:
        assert HUNT.post(api, around).status_code == 201
    with HUNT.serving(hunt_python, tmp_path / "not-nullable", "note-not-nullable") as api:
        refused = HUNT.post(api, {**VALID, "note": None})
    assert refused.status_code == 400
    assert refused.json()["extra"] == [
        {"message": "Expected `str`, got `null`", "key": "note", "source": "body"}
    ]


def test_an_unknown_defect_is_refused(hunt_python: Path, tmp_path: Path) -> None:
    assert_an_unknown_defect_is_refused(HUNT, hunt_python, tmp_path)
