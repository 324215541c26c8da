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

What it shows apitest gets right: a correct app passes every case (`--cases all`, 160 cases)
and keeps no item; each of its 146 refusals (422) holds one error, of the very type and at the
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

import json
import re
from contextlib import AbstractContextManager
from datetime import UTC, datetime
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
    listed,
    on_each_write,
    pypi_command,
    run_spec,
    serving_app,
    update_lost,
)

FASTAPI = (
    "fastapi==0.165.0",
    "uvicorn==0.54.0",
    "pydantic==2.14.4",  # the judge: FastAPI validates every request with it
    "pydantic-core==2.50.5",
    "starlette==1.10.0",
)
APP = DATA / "thirdparty" / "fastapi"
SPEC = APP / "items.xml"
SEED = "3"
WRITES = ("create", "replace", "patch", "delete")
LAX_DATETIME = "Invalid Type released_at"


@pytest.fixture(scope="module")
def python() -> Path:
    """The Python of a virtualenv holding FASTAPI, made on first use."""
    return pypi_command(FASTAPI[0], "python", *FASTAPI[1:])


def items_api(python: Path, folder: Path, *defects: str) -> AbstractContextManager[Started]:
    planted = {"FASTAPI_DEFECTS": ",".join(defects)}
    return serving_app(python, APP, folder, [], "/items", env=planted)


def run(api: Started, tmp_path: Path, cases: str, spec: Path = SPEC) -> tuple[int, dict[str, Any]]:
    return run_spec(spec, api, tmp_path, "--seed", SEED, "--cases", cases)


def items(api: Started) -> list[dict[str, Any]]:
    """The items the API holds (all of them: a run makes far fewer than the largest page)."""
    return listed(api, "/items", "items", {"limit": 100})


def refusal(case: dict[str, Any]) -> list[tuple[str, list[Any]]]:
    """What the app said refusing `case`: each of FastAPI's errors, its type and place."""
    return [(error["type"], error["loc"]) for error in answer_of(case)["detail"]]


@pytest.fixture(scope="module")
def correct_run(python: Path, tmp_path_factory: pytest.TempPathFactory) -> CorrectRun:
    """`--cases all` against a correct app: exit status, result and the items left."""
    folder = tmp_path_factory.mktemp("fastapi-correct")
    serving = items_api(python, folder / "api")
    return correct_run_of(serving, lambda api: run(api, folder, "all"), items)


def test_the_spec_lints_clean() -> None:
    assert_lints_clean(SPEC)


def test_a_correct_api_passes_every_case_and_keeps_no_item(correct_run: CorrectRun) -> None:
    result = assert_a_correct_crud_run(correct_run, "item", WRITES, 160)
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
    correct_run: CorrectRun,
) -> None:
    """Refused 422 with one error, Pydantic's for its own rule at its own place, not for one
    the case broke besides (it would pass while testing nothing); a key no item has is 404."""
    _status, result, _left = correct_run
    negative = [c for c in result["cases"] if c["negative_kind"] is not None]
    unknown = {c["id"]: c["http_status"] for c in negative if c["case"].startswith("Unknown Key")}
    assert len(unknown) == 2 and set(unknown.values()) == {404}, unknown
    refused = [c for c in negative if not c["case"].startswith("Unknown Key")]
    assert len(refused) == 146
    assert {c["http_status"] for c in refused} == {422}
    wrong = {
        f"{c['operation']} / {c['case']}": refusal(c)
        for c in refused
        if refusal(c) != [rule_broken(c["operation"], c["case"])]
    }
    assert not wrong, wrong


def test_lax_mode_takes_a_number_for_a_datetime(python: Path, tmp_path: Path) -> None:
    """Without items.xml's `auto-skip-cases`, the three Invalid Type cases of released_at (a
    JSON number) fail on a correct app: Pydantic's lax mode reads the number as a Unix time
    and stores that moment. Nothing else fails."""

    def lax_cases_made(tree: Any) -> None:
        for operation in tree.iterfind(".//operation[@auto-skip-cases]"):
            del operation.attrib["auto-skip-cases"]

    spec = edited_spec(SPEC, tmp_path / "spec", lax_cases_made)
    with items_api(python, tmp_path / "api") as api:
        status, result = run(api, tmp_path, "negative", spec)
    assert status == 1
    lax = {f"{c['operation']} / {c['case']}": c for c in result["cases"] if c["status"] != "passed"}
    assert set(lax) == set(on_each_write("item", LAX_DATETIME, ""))
    for case in lax.values():
        assert case["message"].startswith("the API accepted released_at = "), case["message"]
        call = case["calls"][0]  # the write; a read-back or a cleanup follows it
        sent = json.loads(call["request_body"])["released_at"]
        assert isinstance(sent, int)
        moment = datetime.fromtimestamp(sent, UTC).isoformat().replace("+00:00", "Z")
        assert json.loads(call["response_body"])["released_at"] == moment


DEFECTS: list[Planted] = [
    (
        "lax-quantity",
        on_each_write(
            "item", "Invalid Value quantity (above range)", "the API accepted quantity = "
        ),
        0,
    ),
    (
        "lax-sku",
        on_each_write("item", "Regex Mismatch sku", "the API accepted sku = "),
        0,
    ),
    (
        "lax-limit",
        {"list items / Invalid Param limit (above range)": "the API accepted param limit='101'"},
        0,
    ),
    update_lost("item"),
    delete_kept("item"),
    (
        "dropped-field",
        {"get item / verify create item": "the write did not stick: $.supplier: sent {"},
        0,
    ),
    create_answered_200("item"),
]


@pytest.mark.parametrize(("defect", "said", "kept"), DEFECTS)
def test_each_planted_defect_is_caught_and_named(
    python: Path, tmp_path: Path, defect: str, said: dict[str, str], kept: int
) -> None:
    with items_api(python, tmp_path / "api", defect) as api:
        status, result = run(api, tmp_path, "all")
        left = items(api)
    assert_caught_alone(status, result, said, left, kept)


def test_an_unknown_defect_is_refused(python: Path, tmp_path: Path) -> None:
    """A misspelt defect would plant nothing and let the hunt pass unseen: serve.py exits."""
    with (
        pytest.raises(AssertionError, match="unknown defects: lax-quantiy"),
        items_api(python, tmp_path / "api", "lax-quantiy"),
    ):
        pass
