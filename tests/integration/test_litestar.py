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

What it shows apitest gets right: a correct app passes every case (`--cases all`, 167 cases)
and keeps no gadget; each of its 149 refusals (400) holds one error, msgspec's for the very rule
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

What it found wrong in apitest and left open (a FALSE GREEN, kept as a strict xfail, beside a
test showing the planted app is really defective): a nullable member that refuses null
passes: no case ever sends null where the spec's `nullable-for` allows it (the positive case
sends a string; plan/cases.py `_property_cases` makes only the Null Value case, for members
NOT nullable), so an app that forgot `| None` on `note` is green.

What it shows of Litestar itself (kept out of the correct run): it converts a request with
msgspec's lax mode (`strict=False`), in which a JSON number is a valid `datetime` (seconds
since the epoch), so the `Invalid Type released_at` apitest makes, a number, is taken
(201/200, the gadget's released_at 1970-...Z): gadgets.xml skips those three cases by
`auto-skip-cases`, and a test here asserts the app takes them. A path variable that does not
parse as its declared type (`{gadget_id:int}`) is answered 404 by the router, not 400.
"""

from __future__ import annotations

import json
import re
from contextlib import AbstractContextManager
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx
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
    posted,
    pypi_command,
    run_spec,
    serving_app,
    the_case,
    update_lost,
)

LITESTAR = (
    "litestar==2.25.0",
    "uvicorn==0.54.0",
    "msgspec==0.22.0",  # the judge: Litestar validates every request with it
)
APP = DATA / "thirdparty" / "litestar"
SPEC = APP / "gadgets.xml"
SEED = "3"
WRITES = ("create", "replace", "patch", "delete")
LAX_DATETIME = "Invalid Type released_at"
VALID = {"name": "Hand drill", "code": "AB-123", "weight": 800}
"""A gadget body every rule of the correct app allows."""


@pytest.fixture(scope="module")
def python() -> Path:
    """The Python of a virtualenv holding LITESTAR, made on first use."""
    return pypi_command(LITESTAR[0], "python", *LITESTAR[1:])


def gadgets_api(python: Path, folder: Path, *defects: str) -> AbstractContextManager[Started]:
    planted = {"LITESTAR_DEFECTS": ",".join(defects)}
    return serving_app(python, APP, folder, [], "/gadgets", env=planted)


def run(api: Started, tmp_path: Path, cases: str, spec: Path = SPEC) -> tuple[int, dict[str, Any]]:
    return run_spec(spec, api, tmp_path, "--seed", SEED, "--cases", cases)


def gadgets(api: Started) -> list[dict[str, Any]]:
    """The gadgets the API holds (all of them: a run makes far fewer than the largest page)."""
    return listed(api, "/gadgets", "items", {"limit": 100})


def post(api: Started, body: dict[str, Any]) -> httpx.Response:
    """A gadget created past apitest."""
    return posted(api, "/gadgets", body)


def refusal(case: dict[str, Any]) -> dict[str, Any]:
    """What the app said refusing `case`: Litestar's error body."""
    said: dict[str, Any] = answer_of(case)
    return said


@pytest.fixture(scope="module")
def correct_run(python: Path, tmp_path_factory: pytest.TempPathFactory) -> CorrectRun:
    """`--cases all` against a correct app: exit status, result and the gadgets left."""
    folder = tmp_path_factory.mktemp("litestar-correct")
    serving = gadgets_api(python, folder / "api")
    return correct_run_of(serving, lambda api: run(api, folder, "all"), gadgets)


def test_the_spec_lints_clean() -> None:
    assert_lints_clean(SPEC)


def test_a_correct_api_passes_every_case_and_keeps_no_gadget(correct_run: CorrectRun) -> None:
    result = assert_a_correct_crud_run(correct_run, "gadget", WRITES, 167)
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
BOUNDS: dict[str, tuple[float | None, float | None]] = {
    "weight": (1, 5000),
    "price": (0.0, 10000.0),
    "limit": (1, 100),
    "offset": (0, None),
    "name": (1, 40),
    "maker.name": (1, 40),
    "note": (None, 200),
    "tags": (1, 4),
    "tags[0]": (1, 15),
    "X-Request-Id": (8, 36),
    "q": (2, 40),
}
"""Each bound of serve.py as msgspec writes it (a float's with its `.0`)."""
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
    if bound.endswith("range"):
        return re.escape(f"Expected `{TYPE[name]}` {sign} {edge}")
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
    correct_run: CorrectRun,
) -> None:
    """Refused 400 with one error, msgspec's for its own rule at its own place, not for one the
    case broke besides (it would pass while testing nothing); a key no gadget has is 404, and
    so is one that is no integer (the router matches no route)."""
    _status, result, _left = correct_run
    negative = [c for c in result["cases"] if c["negative_kind"] is not None]
    by_key = {
        f"{c['operation']} / {c['case']}": (c["http_status"], refusal(c)["detail"])
        for c in negative
        if c["case"].endswith(" gadget_id")
    }
    assert len(by_key) == 6, by_key
    for name, (status, detail) in by_key.items():  # no route, or no such gadget
        said = "Not Found" if "InvalidValueInURLPath" in name else "no gadget has the id "
        assert status == 404 and detail.startswith(said), (name, detail)
    refused = [c for c in negative if not c["case"].endswith(" gadget_id")]
    assert len(refused) == 149
    assert {c["http_status"] for c in refused} == {400}
    wrong = {
        f"{c['operation']} / {c['case']}": refusal(c)
        for c in refused
        if not is_refused_for(refusal(c), c["operation"], c["case"])
    }
    assert not wrong, wrong


def test_lax_mode_takes_a_number_for_a_datetime(python: Path, tmp_path: Path) -> None:
    """Without gadgets.xml's `auto-skip-cases`, the three Invalid Type cases of released_at (a
    JSON number) fail on a correct app: msgspec's lax mode, which Litestar converts requests
    with, reads the number as a Unix time and stores that moment. Nothing else fails."""

    def lax_cases_made(tree: Any) -> None:
        for operation in tree.iterfind(".//operation[@auto-skip-cases]"):
            del operation.attrib["auto-skip-cases"]

    spec = edited_spec(SPEC, tmp_path / "spec", lax_cases_made)
    with gadgets_api(python, tmp_path / "api") as api:
        status, result = run(api, tmp_path, "negative", spec)
    assert status == 1
    lax = {f"{c['operation']} / {c['case']}": c for c in result["cases"] if c["status"] != "passed"}
    assert set(lax) == set(on_each_write("gadget", LAX_DATETIME, ""))
    for case in lax.values():
        assert case["message"].startswith("the API accepted released_at = "), case["message"]
        call = case["calls"][0]  # the write; a read-back or a cleanup follows it
        sent = json.loads(call["request_body"])["released_at"]
        assert isinstance(sent, int)
        moment = datetime.fromtimestamp(sent, UTC).isoformat().replace("+00:00", "Z")
        assert json.loads(call["response_body"])["released_at"] == moment


def test_a_moment_or_number_answered_in_another_form_holds_the_write(
    python: Path, tmp_path: Path
) -> None:
    """msgspec answers `2024-03-01T17:30:00.5+00:00` as `2024-03-01T17:30:00.500000Z` and a
    price of 10 as 10.0: the same moment and number, so every read-back passes."""
    sent = {"released_at": "2024-03-01T17:30:00.5+00:00", "price": "10"}

    def pinned(tree: Any) -> None:
        for name, value in sent.items():
            for prop in tree.iterfind(f".//property[@name='{name}']"):
                prop.set("example-value", value)

    spec = edited_spec(SPEC, tmp_path / "spec", pinned)
    with gadgets_api(python, tmp_path / "api") as api:
        status, result = run(api, tmp_path, "positive", spec)
    assert status == 0, failures(result)
    (made,) = the_case(result, "create gadget / positive")["calls"]
    answer = json.loads(made["response_body"])
    assert json.loads(made["request_body"])["released_at"] == sent["released_at"]
    assert (answer["released_at"], answer["price"]) == ("2024-03-01T17:30:00.500000Z", 10.0)
    assert "10.0" in made["response_body"]
    verified = [c for c in result["cases"] if c["kind"] == "operation validation"]
    assert [c["status"] for c in verified] == ["passed"] * 4


DEFECTS: list[Planted] = [
    (
        "lax-weight",
        on_each_write(
            "gadget", "Invalid Value weight (above range)", "the API accepted weight = 5001"
        ),
        0,
    ),
    (
        "lax-code",
        on_each_write("gadget", "Regex Mismatch code", "the API accepted code = "),
        0,
    ),
    (
        "lax-tag-length",  # an item's own rule, broken in the first item of the list
        on_each_write(
            "gadget", "Length Violation tags[0] (over max)", "the API accepted tags[0] = "
        ),
        0,
    ),
    (
        "lax-limit",
        {
            "list gadgets / Invalid Param limit (above range)": (
                "the API accepted param limit='101'"
            )
        },
        0,
    ),
    (
        "lax-request-id",  # a Parameter's pattern: Litestar's, not a Struct's
        {"create gadget / Invalid Header X-Request-Id": ("the API accepted header X-Request-Id=")},
        0,
    ),
    (
        "null-name",
        on_each_write("gadget", "Null Value name", "the API accepted name = null"),
        0,
    ),
    update_lost("gadget"),
    delete_kept("gadget"),
    (
        "dropped-field",
        {"get gadget / verify create gadget": "the write did not stick: $.maker: sent {"},
        0,
    ),
    create_answered_200("gadget"),
]


@pytest.mark.parametrize(("defect", "said", "kept"), DEFECTS)
def test_each_planted_defect_is_caught_and_named(
    python: Path, tmp_path: Path, defect: str, said: dict[str, str], kept: int
) -> None:
    with gadgets_api(python, tmp_path / "api", defect) as api:
        status, result = run(api, tmp_path, "all")
        left = gadgets(api)
    assert_caught_alone(status, result, said, left, kept)


def test_the_three_defects_planted_below_are_real(python: Path, tmp_path: Path) -> None:
    """What the three tests below plant is a defect a client meets: the unanchored pattern
    takes a code with text around a match, the note refuses the null the spec allows, and
    released_at takes text that is no moment; the correct app does none of it."""
    around = {**VALID, "code": "xAB-123y"}
    no_moment = {**VALID, "released_at": "next tuesday"}
    with gadgets_api(python, tmp_path / "correct") as api:
        assert post(api, around).status_code == 400
        assert post(api, {**VALID, "note": None}).status_code == 201
        assert post(api, no_moment).json()["extra"] == [
            {"message": "Invalid RFC3339 encoded datetime", "key": "released_at", "source": "body"}
        ]
    with gadgets_api(python, tmp_path / "text", "text-released-at") as api:
        assert post(api, no_moment).json()["released_at"] == "next tuesday"
    with gadgets_api(python, tmp_path / "unanchored", "unanchored-code") as api:
        assert post(api, around).status_code == 201
    with gadgets_api(python, tmp_path / "not-nullable", "note-not-nullable") as api:
        refused = post(api, {**VALID, "note": None})
    assert refused.status_code == 400
    assert refused.json()["extra"] == [
        {"message": "Expected `str`, got `null`", "key": "note", "source": "body"}
    ]


def test_an_unanchored_pattern_is_caught(python: Path, tmp_path: Path) -> None:
    """A Regex Mismatch value holds a match ("EZ-242!EZ-242"): an app that searches the
    pattern takes it. "!apitest!", which it sent before, holds no match, so the
    unanchored app refused it too and the run was green."""
    with gadgets_api(python, tmp_path / "api", "unanchored-code") as api:
        status, result = run(api, tmp_path, "all")
    assert_caught_alone(
        status,
        result,
        on_each_write("gadget", "Regex Mismatch code", "the API accepted code = "),
    )


@pytest.mark.xfail(
    strict=True,
    reason="apitest false green: no case sends null where `nullable-for` allows it "
    "(plan/cases.py _property_cases makes Null Value cases for members not nullable only; "
    "the positive case sends a string), so an app that refuses the null passes",
)
def test_a_nullable_member_that_refuses_null_is_caught(python: Path, tmp_path: Path) -> None:
    with gadgets_api(python, tmp_path / "api", "note-not-nullable") as api:
        status, result = run(api, tmp_path, "all")
    assert status == 1, "no case sent note = null, which the spec allows"
    assert all("note" in message for message in failures(result).values()), failures(result)


def test_a_datetime_taken_as_any_text_is_caught(python: Path, tmp_path: Path) -> None:
    """Without the lax skip (which concerns a number only), so that every case of
    released_at's type is made: the app refuses a number, and takes any text, which
    `Invalid Type released_at (text)` sends (no case sent text before, and the run passed)."""

    def lax_cases_made(tree: Any) -> None:
        for operation in tree.iterfind(".//operation[@auto-skip-cases]"):
            del operation.attrib["auto-skip-cases"]

    spec = edited_spec(SPEC, tmp_path / "spec", lax_cases_made)
    with gadgets_api(python, tmp_path / "api", "text-released-at") as api:
        status, result = run(api, tmp_path, "all", spec)
    assert_caught_alone(
        status,
        result,
        on_each_write("gadget", f"{LAX_DATETIME} (text)", "the API accepted released_at = "),
    )


def test_an_unknown_defect_is_refused(python: Path, tmp_path: Path) -> None:
    """A misspelt defect would plant nothing and let the hunt pass unseen: serve.py exits."""
    with (
        pytest.raises(AssertionError, match="unknown defects: lax-wieght"),
        gadgets_api(python, tmp_path / "api", "lax-wieght"),
    ):
        pass
