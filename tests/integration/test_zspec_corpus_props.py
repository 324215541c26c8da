"""The property rules of ZEST's reference (tests/data/zspec/property-*.xml), run for real.

One small Starlette app on 127.0.0.1 answers every corpus file: a POST records what apitest
sent and answers it back (through a per-path mutation the test sets, to make a defect on
demand), a GET serves a byte stream. Each test asserts what the runner does with the form:
what it sends, and which answers it passes or fails, and that `lint` finds nothing to say.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Iterator
from datetime import datetime
from email.parser import BytesParser
from pathlib import Path
from typing import Any

import pytest
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from apitest.auth.credentials import Credentials
from apitest.auth.profiles import AuthConfig, Profile
from apitest.demo import DemoServer
from apitest.engine.events import NullListener
from apitest.engine.policy import CallPolicy
from apitest.engine.runner import RunSettings, run_plan
from apitest.plan.graph import PlanOptions, build_plan
from apitest.results import CaseResult, RunResult
from apitest.zspec.loader import load_catalog

from ..support import DATA, run_cli

CORPUS = DATA / "zspec"
SENT: dict[str, list[Any]] = {}
MUTATE: dict[str, Callable[[Any], Any]] = {}
STREAM = {"size": 8}
AUTH = AuthConfig({"default": Profile("default", Credentials())})


async def _post(request: Request) -> Response:
    kind = request.path_params["kind"]
    raw = await request.body()
    media = request.headers.get("content-type", "")
    if media.startswith("multipart/"):
        message = BytesParser().parsebytes(f"Content-Type: {media}\r\n\r\n".encode() + raw)
        body: Any = {
            part.get_param("name", header="content-disposition"): (
                part.get_filename(),
                part.get_payload(decode=True),
            )
            for part in message.get_payload()  # type: ignore[union-attr]
        }
        answer: Any = {"title": body["title"][1].decode()}
    else:
        body = answer = json.loads(raw)
    SENT.setdefault(kind, []).append(body)
    return JSONResponse(MUTATE.get(kind, lambda value: value)(answer), status_code=201)


async def _stream(request: Request) -> Response:
    return Response(bytes(range(200, 200 + STREAM["size"])), media_type="application/octet-stream")


APP = Starlette(
    routes=[Route("/stream", _stream), Route("/{kind}", _post, methods=["POST", "GET"])]
)


@pytest.fixture(scope="module")
def base_url() -> Iterator[str]:
    server = DemoServer()
    server.app = APP
    with server:
        yield server.root_url


@pytest.fixture(autouse=True)
def _fresh() -> Iterator[None]:
    SENT.clear()
    MUTATE.clear()
    STREAM["size"] = 8
    yield


def _run(
    name: str, base_url: str, tmp_path: Path, cases: str = "positive", *, strict: bool = False
) -> RunResult:
    catalog = load_catalog([CORPUS / f"property-{name}.xml"])
    plan = build_plan(catalog, PlanOptions(seed=11, cases=cases))  # type: ignore[arg-type]
    settings = RunSettings(
        base_url=base_url,
        auth=AUTH,
        ledger_path=tmp_path / "ledger.jsonl",
        policy=CallPolicy(strict=strict),
    )
    return run_plan(catalog, plan, settings, NullListener())


def _tests_of(result: RunResult) -> list[CaseResult]:
    return [case for case in result.cases if case.kind == "test"]


def _only(result: RunResult) -> CaseResult:
    [case] = [case for case in _tests_of(result) if "/" not in case.case]
    return case


@pytest.mark.parametrize("path", sorted(CORPUS.glob("property-*.xml")), ids=lambda p: p.stem)
def test_lint_is_silent_on_the_official_forms(path: Path) -> None:
    done = run_cli("lint", str(path))
    assert done.returncode == 0, done.stdout + done.stderr
    assert "no problems" in done.stdout, done.stdout
    assert "unknown" not in done.stdout + done.stderr


# --- value-condition ---------------------------------------------------------------------------
def test_value_condition_orders_what_is_sent_and_passes_a_right_answer(
    base_url: str, tmp_path: Path
) -> None:
    case = _only(_run("value-condition", base_url, tmp_path))
    assert case.status == "passed", (case.message, case.details)
    [body] = SENT["value-condition"]
    end = datetime.fromisoformat(body["end_time"])
    assert end > datetime.fromisoformat(body["start_time"])
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d[+-]\d\d:\d\d", body["end_time"])
    assert body["budget"] > 100


def test_value_condition_fails_an_answer_that_breaks_it(base_url: str, tmp_path: Path) -> None:
    def swap(answer: dict[str, Any]) -> dict[str, Any]:
        return {**answer, "end_time": "2020-01-01T00:00:00+05:30", "budget": 50}

    MUTATE["value-condition"] = swap
    case = _only(_run("value-condition", base_url, tmp_path))
    assert case.status == "failed"
    text = " ".join(case.details)
    assert "$.end_time: expected a value >" in text and "value-condition" in text
    assert "$.budget: expected a value > 100" in text


# --- condition-for-request / -response, extend-property -----------------------------------------
def test_condition_for_request_leaves_out_what_does_not_apply(
    base_url: str, tmp_path: Path
) -> None:
    MUTATE["condition-for"] = lambda answer: {**answer, "activities": True}
    case = _only(_run("condition-for", base_url, tmp_path))
    [body] = SENT["condition-for"]
    assert body["trip_type"] == "leisure" and "company" not in body
    # answered without the conditional member (required, but only for business trips): passes
    assert case.status == "passed", (case.message, case.details)


def test_condition_for_response_requires_the_member_where_it_holds(
    base_url: str, tmp_path: Path
) -> None:
    MUTATE["condition-for"] = lambda answer: {**answer, "trip_type": "business", "activities": []}
    case = _only(_run("condition-for", base_url, tmp_path))
    assert case.status == "failed"
    assert any("$.company: expected present" in d for d in case.details), case.details


@pytest.mark.parametrize(
    ("trip_type", "activities", "passes"),
    [("leisure", True, True), ("leisure", ["hiking"], False), ("business", ["hiking"], True),
     ("business", True, False)],
)  # fmt: skip
def test_extend_property_is_chosen_by_its_condition_for_response(
    base_url: str, tmp_path: Path, trip_type: str, activities: Any, passes: bool
) -> None:
    def answer(sent: dict[str, Any]) -> dict[str, Any]:
        extra = {"company": "Zylker"} if trip_type == "business" else {}
        return {**sent, "trip_type": trip_type, "activities": activities, **extra}

    MUTATE["condition-for"] = answer
    case = _only(_run("condition-for", base_url, tmp_path))
    assert (case.status == "passed") is passes, (case.message, case.details)


# --- name-regex --------------------------------------------------------------------------------
def test_name_regex_keys_sent_match_and_a_bad_key_fails(base_url: str, tmp_path: Path) -> None:
    case = _only(_run("name-regex", base_url, tmp_path))
    assert case.status == "passed", (case.message, case.details)
    [body] = SENT["name-regex"]
    assert body["labels"] and all(re.fullmatch("[a-z]{2,8}", key) for key in body["labels"])

    MUTATE["name-regex"] = lambda answer: {"labels": {"Bad Key!": "x"}}
    case = _only(_run("name-regex", base_url, tmp_path))
    assert case.status == "failed"
    assert any("a key matching [a-z]{2,8}" in d for d in case.details), case.details


# --- extra-property ----------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("custom", "strict", "passes"),
    [
        ({"custom-colour": "blue", "custom-x": "y"}, True, True),  # declared by the pattern
        ({"custom-colour": 5}, False, False),  # the pattern's type holds even without --strict
        ({"custom-colour": "a" * 21}, False, False),  # and its length
        ({"Custom-Colour": "blue"}, True, False),  # the pattern does not take it: undeclared
        ({"Custom-Colour": "blue"}, False, True),  # ... a note only, without --strict
    ],
)
def test_extra_property_judges_the_keys_its_name_regex_takes(
    base_url: str, tmp_path: Path, custom: dict[str, Any], strict: bool, passes: bool
) -> None:
    MUTATE["extra-property"] = lambda answer: {**answer, **custom}
    case = _only(_run("extra-property", base_url, tmp_path, strict=strict))
    assert (case.status == "passed") is passes, (case.message, case.details)
    key = next(iter(custom))
    assert passes or any(key in detail for detail in case.details), case.details


# --- invalid-value -----------------------------------------------------------------------------
def test_invalid_value_map_default_plans_no_refusal_of_broken_values(
    base_url: str, tmp_path: Path
) -> None:
    catalog = load_catalog([CORPUS / "property-invalid-value.xml"])
    plan = build_plan(catalog, PlanOptions(seed=11, cases="negative"))
    names = {step.name for chain in plan.chains for step in chain.steps}
    nickname = {name for name in names if "nickname" in name}
    assert nickname == {
        "POST invalid-value / Mandatory Property nickname",
        "POST invalid-value / Invalid Type nickname",
        "POST invalid-value / Null Value nickname",
    }  # no Regex Mismatch, no Length Violation: those values would be mapped, not refused
    assert "POST invalid-value / Invalid Value seats (above range)" in names


@pytest.mark.parametrize(("nickname", "passes"), [("GUEST-1", True), ("NOT VALID", False)])
def test_invalid_value_map_default_accepts_the_default_in_answers(
    base_url: str, tmp_path: Path, nickname: str, passes: bool
) -> None:
    MUTATE["invalid-value"] = lambda answer: {**answer, "nickname": nickname}
    case = _only(_run("invalid-value", base_url, tmp_path))
    assert (case.status == "passed") is passes, (case.message, case.details)


# --- pick-value, expression: kept, no runner meaning --------------------------------------------
@pytest.mark.parametrize(
    ("name", "attribute", "value"),
    [("pick-value", "pick_value", "first"), ("expression", "expression", "$.no_of_days - 1")],
)
def test_kept_but_inert_attributes_load_and_run(
    base_url: str, tmp_path: Path, name: str, attribute: str, value: str
) -> None:
    catalog = load_catalog([CORPUS / f"property-{name}.xml"])
    props = catalog.resources[0].components.structures["trip"].properties
    assert value in [getattr(prop, attribute) for prop in props]
    case = _only(_run(name, base_url, tmp_path))
    assert case.status == "passed", (case.message, case.details)
    assert SENT[name]


# --- file-meta ---------------------------------------------------------------------------------
def test_file_meta_upload_fits_the_declared_name_extension_and_size(
    base_url: str, tmp_path: Path
) -> None:
    case = _only(_run("file-meta", base_url, tmp_path))
    assert case.status == "passed", (case.message, case.details)
    [body] = SENT["file-meta"]
    filename, content = body["attachment"]
    assert re.fullmatch(r"[a-z]{3,8}\.pdf", filename)
    assert 0 < len(content) <= 10


# --- composite-structure-groups -----------------------------------------------------------------
def test_composite_groups_send_one_merged_member_and_check_answers(
    base_url: str, tmp_path: Path
) -> None:
    case = _only(_run("composite-structure-groups", base_url, tmp_path))
    assert case.status == "passed", (case.message, case.details)
    [body] = SENT["composite"]
    assert set(body) == {"person_name", "email"}
    assert re.fullmatch(r"[a-z]{3,8}@example\.com", body["email"])

    MUTATE["composite"] = lambda answer: {"company_name": "Zylker", "phone": "+123456789"}
    assert _only(_run("composite-structure-groups", base_url, tmp_path)).status == "passed"
    MUTATE["composite"] = lambda answer: {"person_name": "Ann"}  # no contact member at all
    failed = _only(_run("composite-structure-groups", base_url, tmp_path))
    assert failed.status == "failed"
    assert failed.message.startswith("$.email: expected present")  # the closest combination


# --- stream ------------------------------------------------------------------------------------
@pytest.mark.parametrize(("size", "passes"), [(8, True), (16, True), (40, False)])
def test_stream_answer_is_bytes_with_a_checked_size(
    base_url: str, tmp_path: Path, size: int, passes: bool
) -> None:
    STREAM["size"] = size
    case = _only(_run("stream", base_url, tmp_path))
    assert (case.status == "passed") is passes, (case.message, case.details)
    if not passes:
        assert "a stream of at most 16 bytes, got 40 bytes" in case.message


# --- datetime format ---------------------------------------------------------------------------
def test_datetime_sample_format_and_offsetless_answers(base_url: str, tmp_path: Path) -> None:
    case = _only(_run("datetime-format", base_url, tmp_path))
    assert case.status == "passed", (case.message, case.details)
    [body] = SENT["datetime-format"]
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d[+-]\d\d:\d\d", body["end_time"])
    start = datetime.fromisoformat(body["start_time"])
    assert datetime.fromisoformat(body["end_time"]) > start  # start_* before end_*

    def reference_forms(answer: dict[str, Any]) -> dict[str, Any]:
        return {"start_time": "2023-11-13T17:30:00", "end_time": "2023-11-13T19:30:00+05:30"}

    MUTATE["datetime-format"] = reference_forms
    case = _only(_run("datetime-format", base_url, tmp_path))
    assert case.status == "passed", (case.message, case.details)
    MUTATE["datetime-format"] = lambda answer: {**answer, "end_time": "2023-11-13 19:30"}
    case = _only(_run("datetime-format", base_url, tmp_path))
    assert case.status == "failed" and "yyyy-MM-dd'T'HH:mm:ss+/-hh:mm" in case.message
