"""The verdict of one call (ZSPEC.md section 7): the reference specs and hand-built operations."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import pytest

from apitest.verify.shape import RawBody
from apitest.verify.verdict import (
    Expectation,
    Observed,
    governing_error,
    is_error_response,
    judge,
    pick_content,
)
from apitest.zspec.conditions import parse_condition
from apitest.zspec.model import (
    Content,
    ErrorCondition,
    Operation,
    Property,
    Resource,
    Response,
    Structure,
)
from apitest.zspec.scopes import parse_scopes

from ..support import LOC, TRIP

JSON = "application/json"

CREATED = {
    "code": "SUCCESS",
    "message": "Trip Created",
    "status": "success",
    "details": {"trip_id": "98765"},
}
NOT_FOUND = {"code": "NOT_FOUND", "message": "no such trip", "status": "error"}


def _op(resource: Resource, name: str) -> Operation:
    op = resource.operation(name)
    assert op is not None
    return op


def seen(status: int, body: Any, content_type: str | None = JSON, **kw: Any) -> Observed:
    return Observed(status=status, headers=kw.pop("headers", {}), body=body,
                    content_type=content_type, **kw)  # fmt: skip


def cond(text: str) -> ErrorCondition:
    return ErrorCondition(LOC, parse_condition(text))


def content(*props: Property, encode: str | None = JSON, error: str | None = None) -> Content:
    return Content(
        LOC,
        encode=encode,
        structure=Structure(LOC, properties=props),
        error=cond(error) if error else None,
    )


def op_with(*responses: Response, error: str | None = None) -> Operation:
    return Operation(
        LOC,
        "GET things",
        "get",
        "read",
        "/things",
        error=cond(error) if error else None,
        responses=responses,
    )


# --- the reference spec --------------------------------------------------------------------------
def test_read_of_a_valid_trip_passes(trips: Resource) -> None:
    verdict = judge(_op(trips, "GET trip"), seen(200, {"trips": [TRIP]}), "success")
    assert verdict.passed and verdict.message == "" and verdict.details == ()
    assert verdict.response is not None and verdict.response.name == "get_one_success"
    assert not verdict.is_error


def test_create_answer_with_details_passes(trips: Resource) -> None:
    verdict = judge(_op(trips, "POST trips"), seen(201, CREATED), "success")
    assert verdict.passed and verdict.response is not None and verdict.response.status == 201


def test_create_answer_with_an_integer_id_passes_with_a_note(trips: Resource) -> None:
    body = {**CREATED, "details": {"trip_id": 98765}}
    verdict = judge(_op(trips, "POST trips"), seen(201, body), "success")
    assert verdict.passed
    assert verdict.notes == ("$.details.trip_id: long_string sent as a JSON integer",)


def test_wrong_type_names_the_path_and_counts_the_rest(trips: Resource) -> None:
    one = judge(
        _op(trips, "GET trip"), seen(200, {"trips": [{**TRIP, "no_of_days": "4"}]}), "success"
    )
    assert not one.passed
    assert one.message == "$.trips[0].no_of_days: expected integer, got '4' (string)"
    assert one.details == (one.message,)
    bad = {**TRIP, "no_of_days": "4", "trip_type": "cruise", "start_time": "2025-03-01 09:00"}
    three = judge(_op(trips, "GET trip"), seen(200, {"trips": [bad]}), "success")
    assert three.message.endswith("(and 2 more)") and len(three.details) == 3
    assert three.message.startswith("$.trips[0].")


def test_missing_optional_and_null_nullable_pass_in_a_read(trips: Resource) -> None:
    trip = {k: v for k, v in TRIP.items() if k != "trip_name"}
    verdict = judge(
        _op(trips, "GET trip"), seen(200, {"trips": [{**trip, "trip_type": None}]}), "success"
    )
    assert verdict.passed, verdict.message


def test_not_found_is_an_error_response(trips: Resource) -> None:
    op = _op(trips, "GET trip")
    negative = judge(op, seen(404, NOT_FOUND), "error")
    assert negative.passed and negative.is_error
    assert negative.response is not None and negative.response.name == "not_found"
    positive = judge(op, seen(404, NOT_FOUND), "success")
    assert not positive.passed and positive.is_error
    assert positive.message == "expected a 2xx success, got 404 (declared as not_found)"


def test_error_response_must_match_its_structure(trips: Resource) -> None:
    verdict = judge(_op(trips, "GET trip"), seen(404, {**NOT_FOUND, "message": 404}), "error")
    assert not verdict.passed and verdict.is_error
    assert verdict.message == (
        "error response 404 does not match its structure: "
        "$.message: expected string, got 404 (integer)"
    )
    assert verdict.details == ("$.message: expected string, got 404 (integer)",)


def test_error_condition_on_a_200(trips: Resource) -> None:
    op = _op(trips, "GET trip")
    body = {"status": "error", "code": "INVALID_DATA"}
    positive = judge(op, seen(200, body), "success")
    assert not positive.passed and positive.is_error
    assert positive.message == "the error condition `$.status == 'error'` holds on a 200 response"
    negative = judge(op, seen(200, body), "error")
    assert negative.passed and negative.is_error


def test_error_bent_into_a_success_status_must_still_fit_that_status_structure(
    trips: Resource,
) -> None:
    """error-200 style: PUT declares 200 as {code: SUCCESS, ...}; an error body under 200 is an
    error by the condition, but its shape is not what the spec declares for 200."""
    op = _op(trips, "PUT trips")
    body = {"status": "error", "code": "INVALID_DATA", "message": "bad"}
    verdict = judge(op, seen(200, body), "error")
    assert verdict.is_error and not verdict.passed
    assert verdict.message.startswith("error response 200 does not match its structure: $.code")


def test_undeclared_status_fails_either_way(trips: Resource) -> None:
    op = _op(trips, "GET trip")
    expectations: tuple[Expectation, ...] = ("success", "error")
    for expect in expectations:
        verdict = judge(op, seen(418, {"teapot": True}), expect)
        assert not verdict.passed and verdict.response is None
        assert verdict.message == (
            "status 418 is not declared for GET trip (declared: 200, 401, 403, 404)"
        )


def test_an_undeclared_404_to_a_key_no_record_has_says_how_to_declare_it(
    trips: Resource,
) -> None:
    op = _op(trips, "POST trips")
    assert 404 not in {response.status for response in op.responses}
    missing = seen(404, {"code": "NOT_FOUND", "message": "no trip", "status": "error"})
    for case in ("Unknown Key", "InvalidValueInURLPath"):
        verdict = judge(op, missing, "error", case=case)
        assert not verdict.passed and verdict.response is None
        assert verdict.message.endswith(
            f"; no record has the key the {case} case sent, which is what a 404 says: declare "
            'it (<response status="404"/>), or leave the case out (auto-skip-cases)'
        ), verdict.message
    # any other case's undeclared 404 says nothing of keys
    other = judge(op, missing, "error", case="Invalid Type").message
    assert other.startswith("status 404 is not declared for POST trips (declared: ")
    assert other.endswith(")"), other


def test_an_undeclared_redirect_says_where_it_goes_and_names_a_trailing_slash(
    trips: Resource,
) -> None:
    op = _op(trips, "GET trip")
    url = "http://127.0.0.1:1/api/v1/trips/7"
    to_slash = seen(301, None, None, headers={"location": "/api/v1/trips/7/"}, url=url)
    message = judge(op, to_slash, "success").message
    assert message.endswith(
        "; it redirects to /api/v1/trips/7/: apitest follows no redirect, since the call the "
        "spec describes is the one tested; the API serves this path with a trailing slash: "
        "write the <url path> with one"
    ), message
    elsewhere = seen(302, None, None, headers={"Location": "https://login.example/"}, url=url)
    assert judge(op, elsewhere, "success").message.endswith(
        "redirects to https://login.example/: apitest follows no redirect, since the call the "
        "spec describes is the one tested"
    )
    assert judge(op, seen(304, None, None, url=url), "success").message == (
        "status 304 is not declared for GET trip (declared: 200, 401, 403, 404)"
    )


def test_accepted_request_fails_a_negative_case(trips: Resource) -> None:
    verdict = judge(_op(trips, "POST trips"), seen(201, CREATED), "error")
    assert not verdict.passed and not verdict.is_error
    assert verdict.message == "expected an error response, got 201: the API accepted the request"


def test_strict_turns_undeclared_keys_into_failures(trips: Resource) -> None:
    observed = seen(200, {"trips": [{**TRIP, "rating": 5}]})
    loose = judge(_op(trips, "GET trip"), observed, "success")
    assert loose.passed
    assert loose.notes == ("$.trips[0].rating: not declared in the structure",)
    strict = judge(_op(trips, "GET trip"), observed, "success", strict=True)
    assert not strict.passed and strict.message.startswith("$.trips[0].rating: expected no such")


def test_non_json_body_fails_with_what_came(trips: Resource) -> None:
    verdict = judge(
        _op(trips, "GET trip"), seen(200, RawBody("<html>oops</html>"), "text/html"), "success"
    )
    assert not verdict.passed
    assert verdict.message == "$: expected a JSON body, got not JSON: <html>oops</html>"
    assert any("content type text/html is not declared for 200" in n for n in verdict.notes)


def test_non_json_error_body_still_counts_as_an_error(trips: Resource) -> None:
    verdict = judge(_op(trips, "GET trip"), seen(401, RawBody("denied"), "text/plain"), "error")
    assert verdict.is_error and not verdict.passed
    assert "error response 401 does not match its structure" in verdict.message


def test_a_body_in_a_media_type_its_response_does_not_declare_fails() -> None:
    """JSON:API's answers must be application/vnd.api+json: the same body as application/json
    fits the structure, yet breaks the declared contract, in a positive case and a negative
    one alike. No body, or no Content-Type, leaves nothing to hold to the declared type."""
    vendor = "application/vnd.api+json"
    prop = Property(LOC, "string", name="a")
    op = op_with(
        Response(LOC, 200, contents=(content(prop, encode=vendor),)),
        Response(LOC, 404, contents=(content(prop, encode=vendor),)),
    )
    assert judge(op, seen(200, {"a": "x"}, vendor), "success").passed
    verdict = judge(op, seen(200, {"a": "x"}, JSON), "success")
    assert not verdict.passed
    assert verdict.message == (f"content type {JSON} is not declared for 200 (declared: {vendor})")
    error = judge(op, seen(404, {"a": "x"}, JSON), "error")
    assert not error.passed and error.is_error
    assert (
        error.message
        == f"error response 404: content type {JSON} is not declared for 404 (declared: {vendor})"
    )
    assert judge(op, seen(200, {"a": "x"}, None), "success").passed
    wrong_body = judge(op, seen(200, {"a": 1}, JSON), "success")
    assert wrong_body.message.startswith("$.a: expected string")  # the body's fault first
    assert f"content type {JSON} is not declared for 200" in " ".join(wrong_body.notes)


# --- hand-built operations -----------------------------------------------------------------------
OK_RESPONSE = Response(LOC, 200, name="ok", contents=(content(Property(LOC, "string", name="a")),))
BAD_RESPONSE = Response(LOC, 400, name="bad", contents=(content(),))
SERVER_RESPONSE = Response(LOC, 500, name="boom", contents=(content(),))


def test_required_for_response_absent_fails_a_positive_case() -> None:
    required = Property(LOC, "string", name="id", required_for=parse_scopes("Response[read]"))
    op = op_with(Response(LOC, 200, contents=(content(required),)))
    verdict = judge(op, seen(200, {}), "success")
    assert not verdict.passed
    assert verdict.message == "$.id: expected present (required for Response[read]), got absent"


def test_an_unexpected_error_response_fails_positive_and_negative_cases() -> None:
    """ZEST: the declared answer to an unhandled error is a failure, never a pass."""
    crash = Response(LOC, 500, name="InternalError", unexpected_error=True, contents=(content(),))
    op = op_with(OK_RESPONSE, BAD_RESPONSE, crash, error="$.status == 'error'")
    wanted = (
        "the API answered its declared unexpected-error response (500 InternalError): "
        "an unhandled error fails the case, positive or negative"
    )
    for expect in ("success", "error"):
        verdict = judge(op, seen(500, {"status": "error"}), expect)  # type: ignore[arg-type]
        assert not verdict.passed and verdict.is_error, expect
        assert verdict.message == wanted and verdict.response is crash
    unnamed = op_with(OK_RESPONSE, Response(LOC, 500, unexpected_error=True))
    message = judge(unnamed, seen(500, {}), "error").message
    assert message.startswith("the API answered its declared unexpected-error response (500):")
    assert is_error_response(op, seen(500, {}))
    # the declared 4xx still passes a negative case beside it
    assert judge(op, seen(400, {}), "error").passed


def test_an_unexpected_error_response_covers_no_other_status() -> None:
    catch_all = Response(LOC, 599, name="other", unexpected_error=True)
    op = op_with(OK_RESPONSE, catch_all)
    negative = judge(op, seen(409, {"x": 1}), "error")
    assert not negative.passed and negative.is_error and negative.response is None
    assert negative.message == "status 409 is not declared for GET things (declared: 200, 599)"
    positive = judge(op, seen(409, {"x": 1}), "success")
    assert not positive.passed
    assert positive.message == negative.message
    assert is_error_response(op, seen(409, None))
    assert not is_error_response(op, seen(204, None))  # an undeclared 2xx is no error by a flag


def test_a_declared_5xx_is_not_a_rejection() -> None:
    op = op_with(OK_RESPONSE, SERVER_RESPONSE)
    verdict = judge(op, seen(500, {}), "error")
    assert verdict.is_error and not verdict.passed
    assert verdict.message == (
        "expected an error response (a 4xx, or one whose error condition holds), "
        "got 500 (declared as boom)"
    )
    flagged = op_with(OK_RESPONSE, SERVER_RESPONSE, error="$.status == 'error'")
    assert judge(flagged, seen(500, {"status": "error"}), "error").passed


def test_content_level_condition_governs_over_the_operation_level() -> None:
    own = content(encode=JSON, error="$.ok == false")
    op = op_with(Response(LOC, 200, contents=(own,)), error="$.status == 'error'")
    assert governing_error(op, own) is own.error
    assert governing_error(op, None) is op.error
    assert governing_error(op, content()) is op.error
    passes = judge(op, seen(200, {"status": "error", "ok": True}), "success")
    assert passes.passed and not passes.is_error
    fails = judge(op, seen(200, {"ok": False}), "success")
    assert fails.message == "the error condition `$.ok == false` holds on a 200 response"


def test_condition_sees_headers_params_request_and_records() -> None:
    for text, observed in [
        ("RESPONSE:$.headers.x-error == 'yes'", seen(200, {}, headers={"X-Error": "yes"})),
        ("REQUEST:$.params.mode == 'dry'", seen(200, {}, params={"mode": "dry"})),
        ("REQUEST:$.n > 3", seen(200, {}, request_body={"n": 5})),
        ("STATUS == 200", seen(200, {})),
    ]:
        op = op_with(OK_RESPONSE, error=text)
        assert is_error_response(op, observed), text
        assert not judge(op, observed, "success").passed, text

    calls: list[str] = []

    def records(name: str) -> Sequence[Any]:
        calls.append(name)
        return [{"id": "7"}]

    op = op_with(OK_RESPONSE, error="trips:$.id == '7'")
    assert judge(op, seen(200, {}), "error", records=records).passed
    assert calls == ["trips"]
    assert not judge(op, seen(200, {}), "error").passed  # no records: the condition fails


def test_condition_on_a_non_json_body_does_not_crash() -> None:
    op = op_with(Response(LOC, 200), error="$.status == 'error'")
    verdict = judge(op, seen(200, RawBody("not json")), "success")
    assert verdict.passed  # no content declared: nothing to check, condition finds nothing


def test_is_error_response() -> None:
    op = op_with(OK_RESPONSE, BAD_RESPONSE, error="$.status == 'error'")
    assert not is_error_response(op, seen(200, {"a": "x"}))
    assert is_error_response(op, seen(200, {"status": "error"}))
    assert is_error_response(op, seen(400, {}))
    assert is_error_response(op, seen(503, {}))  # undeclared non-2xx
    assert not is_error_response(op, seen(204, None))  # undeclared 2xx, condition not holding


def test_pick_content_by_media_type() -> None:
    json_c = content(encode="application/json")
    xml_c = content(encode="application/xml; charset=utf-8")
    bare = content(encode=None)
    both = Response(LOC, 200, contents=(json_c, xml_c))
    assert pick_content(both, "application/xml") is xml_c
    assert pick_content(both, "application/json") is json_c
    assert pick_content(both, "text/html") is json_c  # else the first
    assert pick_content(both, None) is json_c
    assert pick_content(Response(LOC, 200, contents=(json_c, bare)), "text/csv") is bare
    assert pick_content(Response(LOC, 200, contents=(content(encode="text/*"),)), "text/csv")
    assert pick_content(Response(LOC, 200), JSON) is None


@pytest.mark.parametrize(
    ("status", "body", "expect", "passed"),
    [
        (200, {"a": "x"}, "success", True),
        (200, {"a": 1}, "success", False),
        (400, {}, "error", True),
        (400, {}, "success", False),
        (200, {"a": "x"}, "error", False),
    ],
)
def test_verdict_table(status: int, body: Any, expect: Expectation, passed: bool) -> None:
    verdict = judge(op_with(OK_RESPONSE, BAD_RESPONSE), seen(status, body), expect)
    assert verdict.passed is passed
    assert (verdict.message == "") is passed
