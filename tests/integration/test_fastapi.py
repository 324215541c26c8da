"""FastAPI 0.165 with Pydantic v2 (PyPI): a code-first app, and so an independent judge of the
negative cases apitest makes. tests/data/thirdparty/fastapi holds serve.py (a FastAPI app whose
Pydantic models carry a rule of every kind: string lengths, an anchored pattern, integer and
float ranges, a Literal enum, a boolean, a `datetime`, a nested model, a list of strings with
item constraints, a nullable member, extra members forbidden; query parameters with ge/le, a
Literal, a bool and a length; a required header with a length and a pattern; the items in
memory; defects planted by name in FASTAPI_DEFECTS) and items.xml, written from the models
rule for rule. FastAPI refuses a request its models do not allow with its default 422
`{"detail": [{"type", "loc", "msg", "input", "ctx"}]}` before the handler runs, each error
naming Pydantic's error type and where it was found: a case apitest calls a violation must be
refused for its own rule, and a positive one taken.

What it shows apitest gets right: a correct app passes every case (`--cases all`, 166 cases)
and keeps no item; each of its 149 refusals (422) holds one error, of the very type and at the
very place its case set out to break (Pydantic's `string_too_long` at `body.tags.0` for
`Length Violation tags[0] (over max)`), and a key no item has is 404; apitest's Invalid Type
sends text that is no number for a number or a boolean (never "5" or "true", which lax mode
takes) and a number for a string (which Pydantic v2 refuses). A range, a pattern or a query
parameter's maximum left out of a model, an update not stored, a delete that keeps the item, a
create that drops the nested supplier and a create answered 200 for 201 are each caught and
named, and fail nothing else.

What it shows of Pydantic v2 itself (kept out of the correct run): in its default lax mode a
JSON number is a valid `datetime` (seconds since the epoch), so the `Invalid Type released_at`
apitest makes, a number, is taken (201/200, the item's released_at 1970-...Z): items.xml skips
those three cases by `auto-skip-cases`, and a test here asserts the app takes them. A
`pattern` is searched, not matched whole (a Rust regex's `is_match`): `[A-Z]{3}-[0-9]{4}` takes
"xxABC-1234yy", so serve.py anchors each one.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest

from ._thirdparty import Planted
from ._validator_hunt import (
    CorrectRun,
    ValidatorHunt,
    answer_of,
    assert_a_number_is_read_as_a_moment,
    assert_an_unknown_defect_is_refused,
)

FASTAPI = (
    "fastapi==0.165.0",
    "uvicorn==0.54.0",
    "pydantic==2.14.4",  # the judge: FastAPI validates every request with it
    "pydantic-core==2.50.5",
    "starlette==1.10.0",
)
HUNT = ValidatorHunt("fastapi", FASTAPI, "items.xml", noun="item", listing="items")
LAX_DATETIME = "Invalid Type released_at"


def refusal(case: dict[str, Any]) -> list[tuple[str, list[Any]]]:
    """What the app said refusing `case`: each of FastAPI's errors, its type and place."""
    return [(error["type"], error["loc"]) for error in answer_of(case)["detail"]]


def test_a_correct_api_passes_every_case_and_keeps_no_item(hunt_correct_run: CorrectRun) -> None:
    result = HUNT.assert_correct_run(hunt_correct_run, 168)
    assert not [c for c in result["cases"] if c["case"] == LAX_DATETIME]  # (text) is made


WRONG_TYPE = {
    "quantity": "int_parsing",
    "price": "float_parsing",
    "active": "bool_parsing",
    "limit": "int_parsing",
    "offset": "int_parsing",
    "item_id": "int_parsing",
    "category": "literal_error",
    "supplier": "model_attributes_type",
    "tags": "list_type",
}
"""Pydantic's error type for a value of the wrong type (text that is no number, for a number),
by the member's name; any other member is a string: `string_type`."""
NULL_TYPE = {
    **WRONG_TYPE,
    "quantity": "int_type",
    "active": "bool_type",
    "released_at": "datetime_type",
}
"""Pydantic's error type for a `null`, by the member's name; else `string_type`."""
BOUND = {
    "above range": "less_than_equal",
    "below range": "greater_than_equal",
    "over max": "string_too_long",
    "under min": "string_too_short",
}
"""Pydantic's error type for a bound broken (a list's length: without `string_`)."""
CASE = re.compile(
    r"(?P<kind>Mandatory (Property|Header)|Null Value|Invalid Type|Invalid Value|Regex Mismatch"
    r"|Length Violation|Invalid Header|Empty Header|Invalid Param|Empty Param"
    r"|InvalidValueInURLPath) (?P<name>\S+)( \((?P<bound>[a-z ]+)\))?"
)


def rule_broken(operation: str, case: str) -> tuple[str, list[Any]]:
    """The one error (Pydantic's type, FastAPI's `loc`) of the refusal of a negative case named
    `case` that breaks just what it set out to break."""
    found = CASE.fullmatch(case)
    assert found, case
    kind, name, bound = found["kind"], found["name"], found["bound"]
    where = {"X-Request-Id": "header", "item_id": "path"}.get(name)
    where = where or ("query" if operation == "list items" else "body")
    place = [int(part) if part.isdigit() else part for part in re.split(r"[.\[\]]+", name) if part]
    loc = [where, *place]
    if bound == "text":  # text where a moment belongs
        said = "datetime_from_date_parsing"
    elif bound == "fraction":  # a fraction where a whole number belongs (text in a query)
        said = "int_parsing" if where == "query" else "int_from_float"
    elif bound:
        said = BOUND[bound].removeprefix("string_") if name == "tags" else BOUND[bound]
    elif kind.startswith("Mandatory"):
        said = "missing"
    elif kind == "Null Value":
        said = NULL_TYPE.get(name, "string_type")
    elif kind in ("Regex Mismatch", "Invalid Header"):
        said = "string_pattern_mismatch"
    elif kind in ("Empty Header", "Empty Param") and name in ("X-Request-Id", "q"):
        said = "string_too_short"
    else:  # Invalid Type, Invalid Value (of the Literal), Invalid / Empty Param, the URL's
        said = WRONG_TYPE.get(name, "string_type")
    return said, loc


def test_every_negative_case_is_refused_for_the_rule_it_breaks(
    hunt_correct_run: CorrectRun,
) -> None:
    """Refused 422 with one error, Pydantic's for its own rule at its own place, not for one
    the case broke besides (it would pass while testing nothing); a key no item has is 404."""
    unknown, refused = HUNT.refusals(
        hunt_correct_run, 422, 151, lambda case: case["case"].startswith("Unknown Key")
    )
    assert len(unknown) == 2
    wrong = {
        f"{c['operation']} / {c['case']}": refusal(c)
        for c in refused
        if refusal(c) != [rule_broken(c["operation"], c["case"])]
    }
    assert not wrong, wrong


def test_lax_mode_takes_a_number_for_a_datetime(hunt_python: Path, tmp_path: Path) -> None:
    """Pydantic's lax mode reads a number for released_at as a Unix time: without items.xml's
    `auto-skip-cases`, the number is taken."""
    assert_a_number_is_read_as_a_moment(HUNT, hunt_python, tmp_path, "released_at")


DEFECTS: list[Planted] = [
    HUNT.lax(
        "lax-quantity", "Invalid Value quantity (above range)", "the API accepted quantity = "
    ),
    HUNT.lax("lax-sku", "Regex Mismatch sku", "the API accepted sku = "),
    *HUNT.common_defects(nested="supplier", nullable="price"),
]


@pytest.mark.parametrize("planted", DEFECTS, ids=[defect for defect, _said, _kept in DEFECTS])
def test_each_planted_defect_is_caught_and_named(
    hunt_python: Path, tmp_path: Path, planted: Planted
) -> None:
    HUNT.assert_caught(hunt_python, tmp_path, planted)


def test_an_unknown_defect_is_refused(hunt_python: Path, tmp_path: Path) -> None:
    assert_an_unknown_defect_is_refused(HUNT, hunt_python, tmp_path)
