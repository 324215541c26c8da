"""Does a body match its structure? (ZSPEC.md sections 3 and 4), on hand-built and real specs."""

from __future__ import annotations

from typing import Any

import pytest

from apitest.verify.shape import MAX_DEPTH, Mismatch, RawBody, ShapeReport, check_shape, check_value
from apitest.zspec.model import (
    Bounds,
    Content,
    Discriminator,
    DiscriminatorMapping,
    Property,
    Resource,
    Structure,
    StructureGroup,
)
from apitest.zspec.scopes import Category, Direction, parse_scopes

from ..support import LOC, TRIP


def prop(name: str | None, type_: str, **kw: Any) -> Property:
    return Property(LOC, type_, name=name, **kw)


def obj(*props: Property, name: str | None = None) -> Structure:
    return Structure(LOC, properties=props, name=name)


def shape(
    body: Any,
    structure: Structure | None = None,
    *,
    group: StructureGroup | None = None,
    direction: Direction = "response",
    category: Category = "read",
    strict: bool = False,
) -> ShapeReport:
    content = Content(LOC, encode="application/json", structure=structure, structure_group=group)
    return check_shape(body, content, direction=direction, category=category, strict=strict)


def one(value: Any, p: Property, direction: Direction = "response") -> list[str]:
    return [str(m) for m in check_value(value, p, direction=direction, category="read")]


# --- reports -------------------------------------------------------------------------------------
def test_mismatch_reads_as_path_expected_got() -> None:
    m = Mismatch("$.trips[0].no_of_days", "integer", "'4' (string)")
    assert str(m) == "$.trips[0].no_of_days: expected integer, got '4' (string)"


def test_report_is_ok_only_without_mismatches() -> None:
    assert ShapeReport((), ("a note",)).ok
    assert not ShapeReport((Mismatch("$", "x", "y"),), ()).ok


def test_content_without_structure_checks_nothing() -> None:
    report = shape({"anything": [1, 2]})
    assert report.ok and report.notes == ()


# --- types ---------------------------------------------------------------------------------------
def test_integer_rejects_strings_bools_floats_and_beyond_32_bits() -> None:
    p = prop("n", "integer")
    assert one(4, p) == []
    assert one("4", p) == ["$: expected integer, got '4' (string)"]
    assert one(True, p) == ["$: expected integer, got true (boolean)"]
    assert one(4.0, p) == ["$: expected integer, got 4.0 (number)"]
    assert one(2**31, p) == [f"$: expected integer (32-bit), got {2**31} (integer)"]
    assert one(-(2**31), p) == []


def test_long_takes_64_bits() -> None:
    p = prop("n", "long")
    assert one(2**40, p) == []
    assert len(one(2**63, p)) == 1
    assert len(one("5", p)) == 1


def test_double_boolean_and_string() -> None:
    assert one(3, prop("d", "double")) == [] and one(2.5, prop("d", "double")) == []
    assert one(False, prop("d", "double")) == ["$: expected double (a number), got false (boolean)"]
    assert one(1, prop("b", "boolean")) == ["$: expected boolean, got 1 (integer)"]
    assert one(7, prop("s", "string")) == ["$: expected string, got 7 (integer)"]


def test_any_and_file_accept_anything() -> None:
    assert one({"x": [1]}, prop("a", "any")) == []
    assert one(12, prop("f", "file")) == []


def test_long_string_as_integer_is_a_note_in_responses_and_a_mismatch_in_requests() -> None:
    s = obj(prop("id", "long_string"))
    answer = shape({"id": 123}, s)
    assert answer.ok
    assert answer.notes == ("$.id: long_string sent as a JSON integer",)
    sent = shape({"id": 123}, s, direction="request", category="create")
    assert [str(m) for m in sent.mismatches] == [
        "$.id: expected long_string (a string of digits), got 123 (integer)"
    ]


def test_long_string_must_be_digits() -> None:
    p = prop("id", "long_string")
    assert one("-42", p) == []
    assert one("12a", p) == ["$: expected long_string (a string of digits), got '12a' (string)"]
    assert len(one(True, p)) == 1


@pytest.mark.parametrize(
    "value",
    [
        "2024-01-01T10:00:00Z", "2024-01-01T10:00:00+05:30", "2024-01-01T10:00:00.123-04:00",
        "2023-11-13T17:30:00",  # ZEST's own examples write date-times without an offset
    ],
)  # fmt: skip
def test_datetime_with_or_without_offset_passes(value: str) -> None:
    assert one(value, prop("t", "datetime")) == []


@pytest.mark.parametrize("value", ["2024-01-01", "20240101", "yesterday", 1700000000])
def test_datetime_garbage_fails(value: Any) -> None:
    [message] = one(value, prop("t", "datetime"))
    assert "expected ISO-8601 date-time" in message


def test_datetime_with_a_java_format() -> None:
    p = prop("t", "datetime", format="dd/MM/yyyy HH:mm")
    assert one("31/12/2024 23:59", p) == []
    assert one("2024-12-31T23:59:00Z", p) == [
        "$: expected a date-time in format dd/MM/yyyy HH:mm, got '2024-12-31T23:59:00Z' (string)"
    ]
    assert len(one("31/13/2024 23:59", p)) == 1  # no 13th month
    iso = prop("t", "datetime", format="yyyy-MM-dd'T'HH:mm:ss.SSSXXX")
    assert one("2024-05-06T07:08:09.123+05:30", iso) == []
    assert one("2024-05-06T07:08:09.123Z", iso) == []
    assert len(one("2024-05-06 07:08:09.123Z", iso)) == 1  # the literal T is required
    assert len(one("2024-05-06T07:08:09.12Z", iso)) == 1  # SSS is three digits
    rfc = prop("t", "datetime", format="yyyyMMddHHmmssZ")
    assert one("20240506070809+0530", rfc) == []
    assert len(one("20240506070809Z", rfc)) == 1


def test_date_must_be_a_real_calendar_date() -> None:
    p = prop("d", "date")
    assert one("2024-02-29", p) == []
    assert one("2023-02-29", p) == ["$: expected a real date yyyy-MM-dd, got '2023-02-29' (string)"]
    assert one("2024-2-1", p) == ["$: expected a date yyyy-MM-dd, got '2024-2-1' (string)"]


def test_a_date_with_a_java_format_is_checked_by_it() -> None:
    """As the generator writes it and the docs say: `MM/dd/yy` made '12/02/29', and the
    check wanted yyyy-MM-dd of it, as of every answer of an API that declares the format."""
    p = prop("d", "date", format="MM/dd/yy")
    assert one("12/02/29", p) == []
    assert one("2029-12-02", p) == [
        "$: expected a date in format MM/dd/yy, got '2029-12-02' (string)"
    ]


def test_type_mismatch_stops_further_checks() -> None:
    p = prop("n", "integer", range=Bounds(1, 5), values=("1", "2"))
    assert one("9", p) == ["$: expected integer, got '9' (string)"]


# --- scopes --------------------------------------------------------------------------------------
def test_required_for_the_category_makes_absence_a_mismatch() -> None:
    s = obj(prop("id", "string", required_for=parse_scopes("Response[read]")))
    report = shape({}, s, category="read")
    assert [str(m) for m in report.mismatches] == [
        "$.id: expected present (required for Response[read]), got absent"
    ]
    assert shape({}, s, category="create").ok  # not required in a create answer


def test_optional_property_may_be_absent() -> None:
    assert shape({}, obj(prop("id", "string"))).ok


def test_property_not_included_for_the_category_is_neither_expected_nor_flagged() -> None:
    p = prop(
        "id",
        "integer",
        include_for=parse_scopes("Request[update],Response[read]"),
        required_for=parse_scopes("Response[read,create]"),
    )
    report = shape({"id": "not a number"}, obj(p), category="create")
    assert report.ok and report.notes == ()
    assert shape({}, obj(p), category="create").ok
    assert not shape({"id": "not a number"}, obj(p), category="read").ok


def test_null_only_where_nullable_for_allows() -> None:
    p = prop("kind", "string", nullable_for=parse_scopes("Response[read]"))
    assert shape({"kind": None}, obj(p), category="read").ok
    report = shape({"kind": None}, obj(p), category="update")
    assert [str(m) for m in report.mismatches] == ["$.kind: expected not null, got null"]


def test_undeclared_keys_are_notes_or_strict_mismatches() -> None:
    s = obj(prop("a", "string"))
    report = shape({"a": "x", "b": 1, "odd key": 2}, s)
    assert report.ok
    assert report.notes == (
        "$.b: not declared in the structure",
        "$['odd key']: not declared in the structure",
    )
    strict = shape({"a": "x", "b": 1}, s, strict=True)
    assert [str(m) for m in strict.mismatches] == [
        "$.b: expected no such key (not declared in the structure), got 1 (integer)"
    ]


def test_object_expected_where_structure_has_names() -> None:
    report = shape([1, 2], obj(prop("a", "string")))
    assert [str(m) for m in report.mismatches] == ["$: expected an object, got an array of 2 items"]
    assert not shape(None, obj(prop("a", "string"))).ok


# --- constraints ---------------------------------------------------------------------------------
def test_values_deny_allow_and_map_default() -> None:
    deny = prop("k", "string", values=("business", "leisure"))
    assert one("leisure", deny) == []
    assert one("fun", deny) == ["$: expected one of business, leisure, got 'fun' (string)"]
    allow = prop("k", "string", values=("a",), extra_value="allow")
    assert one("zzz", allow) == []
    mapped = prop("k", "string", values=("a", "b"), extra_value="map-default", default_value="b")
    assert one("zzz", mapped, direction="request") == []
    assert one("b", mapped) == []
    assert one("zzz", mapped) == ["$: expected one of a, b, or the default 'b', got 'zzz' (string)"]


def test_values_compare_in_the_type() -> None:
    ints = prop("n", "integer", values=("4", "8"))
    assert one(4, ints) == [] and len(one(5, ints)) == 1
    doubles = prop("d", "double", values=("1.5", "2"))
    assert one(2.0, doubles) == [] and one(2, doubles) == []
    flags = prop("b", "boolean", values=("true",))
    assert one(True, flags) == [] and len(one(False, flags)) == 1


def test_regex_is_a_full_match() -> None:
    p = prop("id", "string", regex="[0-9]{1,19}")
    assert one("12345", p) == []
    assert one("123abc", p) == ["$: expected a match of [0-9]{1,19}, got '123abc' (string)"]
    assert len(one("1" * 20, p)) == 1


def test_regex_is_skipped_with_a_note_on_huge_values() -> None:
    s = obj(prop("t", "string", regex="(a+)+$"))
    report = shape({"t": "a" * 10_001 + "!"}, s)
    assert report.ok
    assert report.notes == ("$.t: regex not checked on a value of 10,002 characters",)


def test_length_bounds_characters_and_items() -> None:
    p = prop("name", "string", length=Bounds(2, 4))
    assert one("abc", p) == []
    assert one("x", p) == ["$: expected length 2..4, got 'x' (1 character)"]
    assert one("abcde", p) == ["$: expected length 2..4, got 'abcde' (5 characters)"]
    items = prop("tags", "collections", length=Bounds(None, 2), content_types=("string",))
    assert one(["a", "b", "c"], items) == ["$: expected length at most 2, got an array of 3 items"]


def test_empty_string_or_array_in_a_response_passes_unless_length_min_above_zero() -> None:
    loose = obj(
        prop("s", "string", regex="[0-9]+", values=("1",)),
        prop("l", "collections", content_types=("string",)),
        prop("d", "datetime"),
    )
    assert shape({"s": "", "l": [], "d": ""}, loose).ok
    tight = obj(prop("s", "string", length=Bounds(1, 10)))
    assert [str(m) for m in shape({"s": ""}, tight).mismatches] == [
        "$.s: expected length 1..10, got '' (0 characters)"
    ]
    sent = shape({"s": ""}, loose, direction="request", category="create")
    assert not sent.ok  # in a request the regex still applies


def test_range_on_numbers() -> None:
    p = prop("n", "integer", range=Bounds(1, 365))
    assert one(365, p) == []
    assert one(0, p) == ["$: expected a value in range 1..365, got 0 (integer)"]
    assert one(-1.5, prop("d", "double", range=Bounds(0, None))) == [
        "$: expected a value in range at least 0, got -1.5 (number)"
    ]


def test_decimal_place_bounds_digits_after_the_point() -> None:
    p = prop("price", "double", decimal_place=2)
    assert one(1.25, p) == [] and one(3, p) == [] and one(1e20, p) == []
    assert one(1.255, p) == [
        "$: expected at most 2 digits after the decimal point, got 1.255 (number) with 3 after "
        "the point"
    ]
    assert len(one(1e-7, p)) == 1
    whole = prop("count", "double", decimal_place=0)
    assert one(573.0, whole) == [] and one(1.50, p) == []  # Jackson writes a double 573 "573.0"
    assert len(one(573.5, whole)) == 1


def test_long_values_are_clipped_in_messages() -> None:
    [message] = one("x" * 5000, prop("n", "integer"))
    assert len(message) < 200 and "5,000 characters" in message


# --- nesting -------------------------------------------------------------------------------------
def test_collections_of_objects_name_the_item_path() -> None:
    item = obj(prop("n", "integer"))
    s = obj(prop("rows", "collections", structure=item))
    report = shape({"rows": [{"n": 1}, {"n": "2"}, None]}, s)
    assert [str(m) for m in report.mismatches] == [
        "$.rows[1].n: expected integer, got '2' (string)",
        "$.rows[2]: expected an object, got null",
    ]


def test_collections_of_scalar_content_types() -> None:
    p = prop("ids", "collections", content_types=("integer",), values=("1", "2"))
    assert one([1, 2], p) == []
    assert one([1, "x", 3], p) == [
        "$[1]: expected integer, got 'x' (string)",
        "$[2]: expected one of 1, 2, got 3 (integer)",
    ]
    assert one(["whatever", 1], prop("x", "collections", content_types=("text/plain",))) == []


def test_map_checked_against_its_structure() -> None:
    details = obj(prop("trip_id", "long_string", required_for=parse_scopes("Response[create]")))
    s = obj(prop("details", "map", structure=details))
    assert shape({"details": {"trip_id": "9"}}, s, category="create").ok
    report = shape({"details": {}}, s, category="create")
    assert [str(m) for m in report.mismatches] == [
        "$.details.trip_id: expected present (required for Response[create]), got absent"
    ]
    assert not shape({"details": [1]}, s).ok


def test_map_with_a_nameless_structure_shapes_every_entry() -> None:
    s = obj(prop("counts", "map", structure=obj(prop(None, "integer"))))
    report = shape({"counts": {"a": 1, "b": "2"}}, s)
    assert [str(m) for m in report.mismatches] == ["$.counts.b: expected integer, got '2' (string)"]


def test_nameless_structure_means_the_body_is_that_scalar() -> None:
    s = obj(prop(None, "integer", range=Bounds(1, 3)))
    assert shape(2, s).ok
    assert [str(m) for m in shape("2", s).mismatches] == ["$: expected integer, got '2' (string)"]
    assert [str(m) for m in shape(9, s).mismatches] == [
        "$: expected a value in range 1..3, got 9 (integer)"
    ]


def test_recursive_reference_is_accepted_unexpanded() -> None:
    node = obj(
        prop("name", "string"),
        prop("children", "collections", structure=Structure(LOC, recursive_ref="r.node")),
    )
    report = shape({"name": "a", "children": [{"name": 5}, "junk"]}, node)
    assert report.ok and report.notes == ()


def test_nesting_is_capped() -> None:
    inner = obj(prop("leaf", "integer"))
    body: Any = {"leaf": "deep"}
    for _ in range(MAX_DEPTH + 5):
        inner = obj(prop("x", "map", structure=inner))
        body = {"x": body}
    report = shape(body, inner)
    assert report.ok
    assert any(f"nested deeper than {MAX_DEPTH} levels" in note for note in report.notes)


def test_raw_body_is_one_mismatch_at_the_root() -> None:
    report = shape(RawBody("<html>" + "x" * 200), obj(prop("a", "string")))
    [mismatch] = report.mismatches
    assert mismatch.path == "$" and mismatch.expected == "a JSON body"
    assert mismatch.actual.startswith("not JSON: <html>xxx") and len(mismatch.actual) < 110
    assert shape(RawBody("<html>")).ok  # nothing declared, nothing to check


# --- structure groups ----------------------------------------------------------------------------
CAR = obj(prop("wheels", "integer", required_for=parse_scopes("Response[read]")), name="car")
BOAT = obj(prop("sails", "integer", required_for=parse_scopes("Response[read]")), name="boat")


def group(type_: Any, *members: Structure, disc: Discriminator | None = None) -> StructureGroup:
    return StructureGroup(LOC, type_, members, discriminator=disc)


def test_one_of_needs_exactly_one_match() -> None:
    g = group("one-of", CAR, BOAT)
    assert shape({"wheels": 4}, group=g).ok
    both = shape({"wheels": 4, "sails": 2}, group=g)
    [mismatch] = both.mismatches
    assert "matches more than one of car, boat" in str(mismatch)
    closest = shape({"wheels": "four"}, group=g)
    assert [str(m) for m in closest.mismatches] == [
        "$.wheels: expected integer, got 'four' (string)"
    ]


def test_one_of_with_a_discriminator_picks_the_member() -> None:
    car = obj(prop("kind", "string"), prop("wheels", "integer"), name="car")
    boat = obj(prop("kind", "string"), prop("sails", "integer"), name="boat")
    disc = Discriminator(
        LOC,
        "kind",
        (DiscriminatorMapping(LOC, "car", car), DiscriminatorMapping(LOC, "boat", boat)),
    )
    g = group("one-of", car, boat, disc=disc)
    assert shape({"kind": "car", "wheels": 4}, group=g).ok  # both match; the discriminator picks
    assert not shape({"kind": "car", "wheels": 4}, group=group("one-of", car, boat)).ok
    report = shape({"kind": "boat", "sails": "many"}, group=g)
    assert [str(m) for m in report.mismatches] == ["$.sails: expected integer, got 'many' (string)"]


def test_any_of_needs_at_least_one() -> None:
    g = group("any-of", CAR, BOAT)
    assert shape({"wheels": 4, "sails": 2}, group=g).ok
    assert not shape({"legs": 2}, group=g).ok


def test_all_of_needs_every_member_and_judges_keys_against_all() -> None:
    g = group("all-of", CAR, BOAT)
    report = shape({"wheels": 4, "sails": 2}, group=g)
    assert report.ok and report.notes == ()
    missing = shape({"wheels": 4, "extra": 1}, group=g)
    assert [str(m) for m in missing.mismatches] == [
        "$.sails: expected present (required for Response[read]), got absent"
    ]
    assert missing.notes == ("$.extra: not declared in the structure",)
    assert not shape("text", group=g).ok


def test_array_of_takes_a_list_of_members() -> None:
    g = group("array-of", CAR, BOAT)
    assert shape([{"wheels": 4}, {"sails": 1}], group=g).ok
    report = shape([{"wheels": 4}, {"legs": 2}], group=g)
    assert report.mismatches and all(m.path.startswith("$[1]") for m in report.mismatches)
    [not_list] = shape({"wheels": 4}, group=g).mismatches
    assert not_list.path == "$" and not_list.expected.startswith("an array")


def test_group_inside_a_collection() -> None:
    s = obj(prop("fleet", "collections", structure_group=group("one-of", CAR, BOAT)))
    assert shape({"fleet": [{"wheels": 4}, {"sails": 3}]}, s).ok
    report = shape({"fleet": [{"wheels": "x"}]}, s)
    assert [m.path for m in report.mismatches] == ["$.fleet[0].wheels"]


# --- the reference spec --------------------------------------------------------------------------
def _trip_content(trips: Resource, op_name: str, status: int) -> Content:
    op = trips.operation(op_name)
    assert op is not None
    response = op.response_for(status)
    assert response is not None
    return response.contents[0]


def _read(trips: Resource, body: Any) -> ShapeReport:
    content = _trip_content(trips, "GET trip", 200)
    return check_shape(body, content, direction="response", category="read")


def test_reference_read_body_passes(trips: Resource) -> None:
    report = _read(trips, {"trips": [TRIP]})
    assert report.ok and report.notes == ()


def test_reference_no_of_days_as_a_string_names_its_path(trips: Resource) -> None:
    report = _read(trips, {"trips": [{**TRIP, "no_of_days": "4"}]})
    assert [str(m) for m in report.mismatches] == [
        "$.trips[0].no_of_days: expected integer, got '4' (string)"
    ]


def test_reference_trip_name_may_be_absent_and_trip_type_null_in_a_read(trips: Resource) -> None:
    trip = {k: v for k, v in TRIP.items() if k != "trip_name"}
    assert _read(trips, {"trips": [{**trip, "trip_type": None}]}).ok


def test_reference_values_deny_and_regex_and_length(trips: Resource) -> None:
    bad = {**TRIP, "trip_type": "cruise", "trip_id": "12x", "destination": "D" * 61}
    report = _read(trips, {"trips": [bad]})
    assert sorted(m.path for m in report.mismatches) == [
        "$.trips[0].destination",
        "$.trips[0].trip_id",
        "$.trips[0].trip_type",
    ]
    messages = "\n".join(str(m) for m in report.mismatches)
    assert "expected one of business, leisure, got 'cruise' (string)" in messages
    assert "expected length 1..60" in messages
    assert "long_string (a string of digits), got '12x'" in messages


def test_reference_trip_type_null_is_not_allowed_in_a_create_request(trips: Resource) -> None:
    post = trips.operation("POST trips")
    assert post is not None and post.request_body is not None
    body = {"trips": [{**TRIP, "trip_type": None}]}
    report = check_shape(
        body, post.request_body.contents[0], direction="request", category="create"
    )
    assert [str(m) for m in report.mismatches] == [
        "$.trips[0].trip_type: expected not null, got null"
    ]


def test_reference_create_answer_with_details(trips: Resource) -> None:
    content = _trip_content(trips, "POST trips", 201)
    body = {
        "code": "SUCCESS",
        "message": "Trip Created",
        "status": "success",
        "details": {"trip_id": "42"},
    }
    assert check_shape(body, content, direction="response", category="create").ok
    wrong = {**body, "message": "Trip Made"}
    report = check_shape(wrong, content, direction="response", category="create")
    assert [str(m) for m in report.mismatches] == [
        "$.message: expected one of Trip Created, got 'Trip Made' (string)"
    ]


def test_a_plain_text_body_of_one_value_is_that_value_checked_as_text() -> None:
    """S3's GetObject answers the object's text (`text/plain`, one nameless property): the
    body is that value, not a JSON document, and a number type must read as a number."""

    def text(body: str, value: Property, encode: str = "text/plain") -> ShapeReport:
        content = Content(LOC, encode, structure=obj(value))
        return check_shape(RawBody(body), content, direction="response", category="read")

    assert text("sample e6be10", prop(None, "string", length=Bounds(1, 200))).ok
    assert text("42", prop(None, "integer", range=Bounds(1, 100)), "text/csv").ok
    [too_long] = text("x" * 9, prop(None, "string", length=Bounds(1, 4))).mismatches
    assert too_long.path == "$" and "length" in too_long.expected
    [not_a_number] = text("forty", prop(None, "integer")).mismatches
    assert not_a_number.expected == "integer"
    # an object in a text type, or a JSON type, is still judged as a document
    named = Content(LOC, "text/plain", structure=obj(prop("a", "string")))
    assert check_shape(RawBody("x"), named, direction="response", category="read").mismatches
    json_value = Content(LOC, "application/json", structure=obj(prop(None, "string")))
    [no_json] = check_shape(
        RawBody("x"), json_value, direction="response", category="read"
    ).mismatches
    assert no_json.expected == "a JSON body"
