"""Request data synthesis: shapes from the reference specs, constraints, reproducibility."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from collections.abc import Callable
from datetime import UTC, datetime, timedelta, timezone
from typing import Any

import pytest

from apitest.plan._values import ValueSource
from apitest.plan.bad_values import bad_value
from apitest.plan.data import MISSING, DataGenerator, NoRecordError
from apitest.plan.model import Violation
from apitest.zspec.conditions import DataPath, parse_data_path
from apitest.zspec.formats import render_java
from apitest.zspec.model import (
    Argument,
    Bounds,
    Content,
    Property,
    Resource,
    Structure,
    StructureGroup,
)
from apitest.zspec.scopes import parse_scopes
from apitest.zspec.values import generation_pattern, regex_error, runtime_regex

from ..support import LOC

POST_KEY = "trips/POST trips/positive"


def _body_content(trips: Resource, operation: str) -> Content:
    op = trips.operation(operation)
    assert op is not None and op.request_body is not None
    return op.request_body.contents[0]


def _destinations(path: DataPath) -> list[Any]:
    return ["Bali", "Lisbon"] if path.name == "destinations" else []


def _nothing(path: DataPath) -> list[Any]:
    return []


def _create_body(trips: Resource, seed: int = 7, key: str = POST_KEY) -> Any:
    gen = DataGenerator(seed).child(key)
    return gen.body(_body_content(trips, "POST trips"), "create", lookup=_destinations)


def _content(*props: Property, ref_name: str | None = None) -> Content:
    return Content(LOC, structure=Structure(LOC, properties=props, ref_name=ref_name))


# -- the reference specs ------------------------------------------------------------------------


def test_post_trips_body_has_the_spec_shape(trips: Resource) -> None:
    body = _create_body(trips)
    assert list(body) == ["trips"]
    assert isinstance(body["trips"], list) and len(body["trips"]) == 1
    trip = body["trips"][0]
    assert trip["trip_name"] == "Spring Break - John Doe"  # example-value wins
    assert trip["destination"] == "Bali"  # the Data Manager's pick, not invented
    assert "trip_id" not in trip  # include-for="Request[update],Response[read]"
    assert trip["no_of_days"] == 4 and isinstance(trip["no_of_days"], int)
    assert trip["trip_type"] in ("business", "leisure")
    for name in ("start_time", "end_time"):
        moment = datetime.fromisoformat(trip[name])
        assert moment.utcoffset() is not None
        assert 2027 <= moment.year <= 2030


def test_same_seed_and_key_give_the_same_body(trips: Resource) -> None:
    assert _create_body(trips, 11) == _create_body(trips, 11)


def test_another_key_or_seed_gives_other_generated_values(trips: Resource) -> None:
    def times(body: Any) -> tuple[str, str]:
        trip = body["trips"][0]
        return trip["start_time"], trip["end_time"]

    base = times(_create_body(trips, 11))
    assert times(_create_body(trips, 11, "trips/POST trips/other")) != base
    assert times(_create_body(trips, 12)) != base


def test_data_does_not_depend_on_the_hash_seed_of_the_process() -> None:
    script = (
        "from apitest.plan.data import DataGenerator\n"
        "from apitest.zspec.model import Location, Property\n"
        "prop = Property(Location('t.xml', 1), 'string', regex=r'[^a-z]{6}\\W{4}')\n"
        "print([DataGenerator(seed).child('k').scalar(prop) for seed in range(20)])\n"
    )
    outputs = {
        subprocess.run(
            [sys.executable, "-c", script], capture_output=True, text=True, check=True,
            env={**os.environ, "PYTHONHASHSEED": str(hash_seed)},
        ).stdout
        for hash_seed in (1, 2, 3)
    }  # fmt: skip
    assert len(outputs) == 1 and outputs.pop().count(",") >= 19


def test_child_streams_do_not_depend_on_sibling_order() -> None:
    prop = Property(LOC, "string")
    first = DataGenerator(5)
    a1 = first.child("a").scalar(prop)
    b1 = first.child("b").scalar(prop)
    second = DataGenerator(5)
    b2 = second.child("b").scalar(prop)
    second.scalar(prop)  # using the parent's own stream does not shift a child either
    a2 = second.child("a").scalar(prop)
    assert (a1, b1) == (a2, b2)
    assert a1 != b1
    assert DataGenerator(5).child("x").child("y").scalar(prop) == (
        DataGenerator(5).child("x/y").scalar(prop)
    )


def test_update_body_varies_values_and_keeps_keys(trips: Resource) -> None:
    """An update varies what the spec leaves free and keeps what it pins with example-value,
    but text it would resend as it was goes out marked, so its read-back shows it stuck."""
    created = _create_body(trips)
    gen = DataGenerator(7).child("trips/PUT trips/positive")
    updated = gen.body(
        _body_content(trips, "PUT trips"),
        "update",
        lookup=_destinations,
        keys={"trip_id": "123"},
        record_structure="trips",
        vary_from=created,
    )
    before, after = created["trips"][0], updated["trips"][0]
    assert after["trip_id"] == "123"  # the chain's record, verbatim
    assert after["trip_type"] != before["trip_type"]
    assert after["no_of_days"] == before["no_of_days"] == 4  # example-value wins (ZSPEC.md 8)
    assert before["trip_name"] == "Spring Break - John Doe"
    assert re.fullmatch(r"Spring Break - John Doe [0-9a-f]{6}", after["trip_name"])
    assert after["destination"] == before["destination"] == "Bali"  # path fields never vary


def test_keys_fill_trip_id_in_an_update_body(trips: Resource) -> None:
    gen = DataGenerator(3).child("update")
    content = _body_content(trips, "PUT trips")
    body = gen.body(content, "update", lookup=_destinations, keys={"trip_id": "987"},
                    record_structure="trips")  # fmt: skip
    assert body["trips"][0]["trip_id"] == "987"
    synthesised = gen.body(content, "update", lookup=_destinations)
    trip_id = synthesised["trips"][0]["trip_id"]
    assert trip_id != "987" and re.fullmatch(r"[0-9]{1,19}", trip_id)


def test_keys_apply_only_to_the_record_structure_and_included_properties() -> None:
    content = _content(Property(LOC, "string", name="id"), ref_name="other")
    body = DataGenerator(1).body(content, "update", lookup=_nothing, keys={"id": "K"},
                                 record_structure="trips")  # fmt: skip
    assert body["id"] != "K"
    hidden = Property(LOC, "string", name="id", include_for=parse_scopes("Request[update]"))
    body = DataGenerator(1).body(_content(hidden, ref_name="trips"), "delete", lookup=_nothing,
                                 keys={"id": "K"}, record_structure="trips")  # fmt: skip
    assert body == {}


def test_optional_path_property_without_a_record_is_left_out(trips: Resource) -> None:
    body = _create_body(trips)
    assert "destination" in body["trips"][0]
    gen = DataGenerator(7).child(POST_KEY)
    made_up: list[str] = []
    body = gen.body(_body_content(trips, "POST trips"), "create", lookup=_nothing, made_up=made_up)
    trip = body["trips"][0]
    assert isinstance(trip["destination"], str)  # required for create: synthesised instead
    assert 1 <= len(trip["destination"]) <= 60
    assert made_up == ["destination (destinations:$.destination_name)"]  # and said to be so
    optional = Property(LOC, "string", name="d", path=parse_data_path("destinations:$.x"))
    made_up.clear()
    body = DataGenerator(1).body(_content(optional), "create", lookup=_nothing, made_up=made_up)
    assert body == {} and made_up == []
    found = DataGenerator(1).body(
        _content(optional), "create", lookup=_destinations, made_up=made_up
    )
    assert found == {"d": "Bali"} and made_up == []


def test_list_property_with_a_path_gets_a_list_of_the_record_value() -> None:
    ids = Property(LOC, "collections", name="ids", path=parse_data_path("trips:$.trip_id"))
    body = DataGenerator(1).body(_content(ids), "delete", lookup=lambda path: ["41", "42"])
    assert body == {"ids": ["41"]}


# -- arguments ----------------------------------------------------------------------------------


def _argument(prop: Property | None, *, auto_dependency: bool = False) -> Argument:
    content = None if prop is None else _content(prop)
    return Argument(LOC, "ids", "param", content=content, auto_dependency=auto_dependency)


def test_argument_takes_the_record_from_the_lookup(trips: Resource) -> None:
    op = trips.operation("GET trip")
    assert op is not None
    value = DataGenerator(1).argument_value(op.arguments[0], lookup=lambda path: ["555", "666"])
    assert value == "555"


def test_auto_dependency_argument_without_records_raises() -> None:
    prop = Property(LOC, "string", path=parse_data_path("destinations:$.destination_name"))
    with pytest.raises(NoRecordError) as raised:
        DataGenerator(1).argument_value(_argument(prop, auto_dependency=True), lookup=_nothing)
    assert raised.value.path == prop.path
    assert str(raised.value) == (
        "no record of destinations to take $.destination_name from (auto-dependency)"
    )


def test_argument_without_records_or_shape_is_synthesised() -> None:
    prop = Property(LOC, "long_string", path=parse_data_path("trips:$.trip_id"))
    value = DataGenerator(1).argument_value(_argument(prop), lookup=_nothing)
    assert isinstance(value, str) and value.isdigit()
    bare = DataGenerator(1).argument_value(_argument(None), lookup=_nothing)
    assert isinstance(bare, str) and 1 <= len(bare) <= 20


def test_a_map_argument_its_structure_shapes_carries_what_the_structure_holds() -> None:
    """LoopBack's `?filter={json}`: built as a body would be, not `{}` whatever it declares."""
    limit = Property(LOC, "integer", name="limit", range=Bounds(1, 100), example_value="50")
    order = Property(LOC, "string", name="order", values=("id ASC", "id DESC"))
    shape = Structure(LOC, properties=(limit, order))
    prop = Property(LOC, "map", structure=shape)
    value = DataGenerator(1).argument_value(_argument(prop), lookup=_nothing)
    assert value["limit"] == 50 and value["order"] in ("id ASC", "id DESC")
    pinned = Property(LOC, "map", structure=shape, example_value='{"limit": 7}')
    assert DataGenerator(1).argument_value(_argument(pinned), lookup=_nothing) == {"limit": 7}


# -- scalars ------------------------------------------------------------------------------------


@pytest.mark.parametrize("regex", ["[0-9]{1,19}", "[A-Z]{2}-[0-9]{4}", "(foo|bar)baz?"])
def test_regex_values_full_match_for_many_seeds(regex: str) -> None:
    prop = Property(LOC, "string", regex=regex)
    for seed in range(200):
        value = DataGenerator(seed).scalar(prop)
        assert re.fullmatch(regex, value), (seed, value)


@pytest.mark.parametrize(
    "regex",
    [
        r"^[\p{L} .'-]{2,30}$",
        r"\p{Lu}\p{Ll}{2,8}",
        r"[[:alpha:]]{3}[[:digit:]]{2}",
        r"a*+b",
        r"(?>ab)+c",
    ],
)
def test_java_patterns_are_read_and_their_values_match_them(regex: str) -> None:
    """ZEST is Java, and its users write Java patterns: `\\p{L}` for names with accents,
    POSIX classes, possessive and atomic forms. Python's `re` refused them at load, failing the
    spec; the `regex` engine every check runs reads them, and values are made to match it."""
    assert regex_error(regex) is None
    prop = Property(LOC, "string", regex=regex)
    checked = runtime_regex(regex)
    for seed in range(100):
        value = DataGenerator(seed).scalar(prop)
        assert checked.fullmatch(value), (seed, value)
        miss = bad_value(
            Violation("Regex Mismatch", "x", "body", "set", "regex", ("x",), prop),
            DataGenerator(seed),
        )
        assert not checked.fullmatch(miss), (seed, miss)


@pytest.mark.parametrize(
    ("regex", "length"),
    [("[A-Z]{2}-[0-9]{3}", None), ("[a-z0-9-]+", Bounds(8, 36)), ("[0-9]+", Bounds(1, 4))],
)
def test_a_regex_miss_holds_a_match_within_its_length(regex: str, length: Bounds | None) -> None:
    """Text that holds a match but is none: an API that searches the pattern in the value
    takes it ("AB-123!AB-123" for `[A-Z]{2}-[0-9]{3}`, anchored at either end or neither),
    while it refused "!apitest!", which holds no match anywhere, and the case passed on an API
    that never matched the whole."""
    prop = Property(LOC, "string", regex=regex, length=length)
    violation = Violation("Regex Mismatch", "x", "body", "set", "regex", ("x",), prop)
    for seed in range(50):
        miss = bad_value(violation, DataGenerator(seed))
        assert re.search(regex, miss) and not re.fullmatch(regex, miss), (seed, miss)
        assert length is None or length.contains(len(miss)), (seed, miss)
        assert miss == miss.strip(), (seed, miss)  # HTTP strips a header's white space
        if length is None:  # room for the match twice: taken however a search is anchored
            assert re.match(regex, miss) and re.search(f"(?:{regex})$", miss), (seed, miss)


def test_a_regex_miss_where_no_match_leaves_room_breaks_the_regex_only() -> None:
    """`length="6"` leaves no room beside a six-character match: the miss is text of that
    length that holds none."""
    prop = Property(LOC, "string", regex="[A-Z]{2}-[0-9]{3}", length=Bounds(6, 6))
    violation = Violation("Regex Mismatch", "x", "body", "set", "regex", ("x",), prop)
    assert bad_value(violation, DataGenerator(1)) == "!apite"


@pytest.mark.parametrize(
    ("java", "plain"),
    [
        (r"\p{L}+", "[A-Za-z\u00c0-\u00d6\u00d8-\u00f6\u00f8-\u00ff]+"),
        (r"[\p{Digit}_]", "[0-9_]"),
        (r"\P{Alpha}", "[^A-Za-z]"),
        (r"[[:upper:]]", "[A-Z]"),
        (r"[]a]", r"[\]a]"),
        (r"a++(?>b)", "a+(?:b)"),
        (r"[^\P{L}]", None),  # a negated class inside brackets: no sample of it
        (r"\p{javaLowerCase}", None),
    ],
)  # fmt: skip
def test_the_generation_pattern_samples_what_re_lacks(java: str, plain: str | None) -> None:
    assert generation_pattern(java) == plain


def test_a_long_string_whose_regex_takes_more_than_digits_is_still_an_id() -> None:
    """`[^ ]+` made 'Zbj-`"!|u', no long_string at all, which the API rightly refused."""
    prop = Property(LOC, "long_string", regex="[^ ]+")
    values = [DataGenerator(seed).scalar(prop) for seed in range(100)]
    assert all(value.isdigit() and re.fullmatch("[^ ]+", value) for value in values), values


def test_long_string_is_an_id_without_leading_zero() -> None:
    prop = Property(LOC, "long_string", regex="[0-9]{1,19}")
    for seed in range(100):
        value = DataGenerator(seed).scalar(prop)
        assert re.fullmatch("[1-9][0-9]{0,18}", value), value
        assert int(value) < 2**63
    plain = [DataGenerator(seed).scalar(Property(LOC, "long_string")) for seed in range(100)]
    assert all(re.fullmatch("[1-9][0-9]{0,18}", value) for value in plain)


@pytest.mark.parametrize(
    ("bounds", "low", "high"),
    [(Bounds(1, 100), 1, 100), (Bounds(None, 3), 0, 3), (Bounds(30, None), 30, 64),
     (Bounds(5, 5), 5, 5), (Bounds(2, 10**9), 2, 64), (None, 1, 20)],
)  # fmt: skip
def test_string_length_bounds_hold(bounds: Bounds | None, low: int, high: int) -> None:
    for seed in range(50):
        value = DataGenerator(seed).scalar(Property(LOC, "string", length=bounds))
        assert low <= len(value) <= high, (bounds, value)
        assert not value.endswith(" ")


def test_regex_and_length_hold_together() -> None:
    prop = Property(LOC, "string", regex="[a-z]+", length=Bounds(3, 5))
    values = [DataGenerator(seed).scalar(prop) for seed in range(100)]
    assert all(re.fullmatch("[a-z]{3,5}", value) for value in values)


def test_a_regex_of_nested_open_repeats_keeps_the_length_too() -> None:
    """A repeat inside a repeat multiplies the cap meant for one: a name list of up to 60
    characters came out at 1,408, a positive value a correct API refused."""
    names = "[A-Z][A-Za-z.]*( [A-Z][A-Za-z.]*)*"
    prop = Property(LOC, "string", regex=names, length=Bounds(1, 60))
    values = [DataGenerator(seed).scalar(prop) for seed in range(200)]
    assert [value for value in values if not 1 <= len(value) <= 60] == []
    assert all(re.fullmatch(names, value) for value in values)


@pytest.mark.parametrize(
    ("kind", "bounds", "low", "high"),
    [("integer", Bounds(1, 365), 1, 365), ("integer", None, 1, 1000),
     ("integer", Bounds(-10, -5), -10, -5), ("integer", Bounds(5000, None), 5000, 2**31 - 1),
     ("long", None, 1, 10**12), ("long", Bounds(2**40, 2**41), 2**40, 2**41)],
)  # fmt: skip
def test_integer_range_bounds_hold(kind: str, bounds: Bounds | None, low: int, high: int) -> None:
    for seed in range(100):
        value = DataGenerator(seed).scalar(Property(LOC, kind, range=bounds))
        assert isinstance(value, int) and not isinstance(value, bool)
        assert low <= value <= high


def test_unsatisfiable_range_gives_a_value_instead_of_raising() -> None:
    assert DataGenerator(1).scalar(Property(LOC, "integer", range=Bounds(10, 5))) == 10


def test_double_respects_range_and_decimal_places() -> None:
    prop = Property(LOC, "double", range=Bounds(1.5, 2.5), decimal_place=1)
    for seed in range(100):
        value = DataGenerator(seed).scalar(prop)
        assert isinstance(value, float) and 1.5 <= value <= 2.5
        assert round(value, 1) == value


def test_example_and_values_are_converted_to_the_type() -> None:
    gen = DataGenerator(1)
    assert gen.scalar(Property(LOC, "integer", example_value="4")) == 4
    assert gen.scalar(Property(LOC, "double", example_value="2.5")) == 2.5
    assert gen.scalar(Property(LOC, "boolean", example_value="True")) is True
    assert gen.scalar(Property(LOC, "collections", example_value="[1, 2]")) == [1, 2]
    assert gen.scalar(Property(LOC, "map", example_value='{"a": 1}')) == {"a": 1}
    assert gen.scalar(Property(LOC, "integer", values=("7", "8"))) == 7
    assert gen.scalar(Property(LOC, "string", values=("b", "a"))) == "b"


def test_bad_example_falls_through_to_the_next_preference() -> None:
    gen = DataGenerator(1)
    assert gen.scalar(Property(LOC, "integer", example_value="four", values=("9",))) == 9
    generated = gen.scalar(Property(LOC, "integer", example_value="x", range=Bounds(1, 3)))
    assert generated in (1, 2, 3)
    assert isinstance(gen.scalar(Property(LOC, "boolean", example_value="yes")), bool)


def test_vary_from_picks_another_value() -> None:
    gen = DataGenerator(1)
    pick = Property(LOC, "string", values=("a", "b", "c"))
    assert all(gen.scalar(pick, vary_from="a") in ("b", "c") for _ in range(20))
    only = Property(LOC, "string", values=("a",))
    assert gen.scalar(only, vary_from="a") == "a"  # no other valid value: any valid one
    flag = Property(LOC, "boolean")
    assert all(gen.scalar(flag, vary_from=True) is False for _ in range(20))
    free = Property(LOC, "integer", range=Bounds(1, 365))
    assert gen.scalar(free, vary_from=4) != 4


def test_example_value_wins_over_varying() -> None:
    """A pinned value (a flag that shapes the answer) stays pinned in an update (ZSPEC.md 8)."""
    gen = DataGenerator(1)
    pinned = Property(LOC, "string", values=("a", "b", "c"), example_value="a")
    assert all(gen.scalar(pinned, vary_from="a") == "a" for _ in range(20))
    flag = Property(LOC, "boolean", example_value="true")
    assert gen.scalar(flag, vary_from=True) is True
    number = Property(LOC, "integer", example_value="4", range=Bounds(1, 365))
    assert gen.scalar(number, vary_from=9) == 4


def test_datetime_and_date_defaults() -> None:
    gen = DataGenerator(9)
    moment = datetime.fromisoformat(gen.scalar(Property(LOC, "datetime")))
    assert moment.utcoffset() is not None
    assert re.fullmatch(r"\d{4}-\d{2}-\d{2}", gen.scalar(Property(LOC, "date")))


def test_java_format_renders() -> None:
    moment = datetime(
        2027, 3, 14, 9, 30, 5, 123000, tzinfo=timezone(timedelta(hours=5, minutes=30))
    )
    assert render_java("dd/MM/yyyy HH:mm", moment) == "14/03/2027 09:30"
    assert render_java("yyyy-MM-dd'T'HH:mm:ss.SSSXXX", moment) == "2027-03-14T09:30:05.123+05:30"
    assert render_java("yyMMdd HHmm Z 'o''clock'", moment) == "270314 0930 +0530 o'clock"
    utc = moment.replace(tzinfo=UTC)
    assert render_java("HH:mmXXX", utc) == "09:30Z"
    value = DataGenerator(2).scalar(Property(LOC, "datetime", format="dd/MM/yyyy HH:mm"))
    parsed = datetime.strptime(value, "%d/%m/%Y %H:%M")
    assert 2027 <= parsed.year <= 2030


def test_file_and_any() -> None:
    gen = DataGenerator(1)
    assert gen.scalar(Property(LOC, "file")) == ("apitest.txt", b"apitest upload\n", "text/plain")
    assert isinstance(gen.scalar(Property(LOC, "any")), str)


# -- structures ---------------------------------------------------------------------------------


def test_collections_respect_item_count_and_content_type() -> None:
    items = Property(LOC, "collections", name="n", content_types=("integer",), length=Bounds(3, 5))
    body = DataGenerator(1).body(_content(items), "create", lookup=_nothing)
    assert len(body["n"]) == 3 and all(isinstance(item, int) for item in body["n"])
    plain = Property(LOC, "collections", name="s")
    body = DataGenerator(1).body(_content(plain), "create", lookup=_nothing)
    assert len(body["s"]) == 1 and isinstance(body["s"][0], str)


def test_recursive_structure_is_left_out() -> None:
    inner = Structure(LOC, recursive_ref="node")
    node = Structure(LOC, ref_name="node", properties=(
        Property(LOC, "string", name="label", example_value="x"),
        Property(LOC, "map", name="child", structure=inner),
        Property(LOC, "collections", name="children", structure=inner),
    ))  # fmt: skip
    body = DataGenerator(1).body(Content(LOC, structure=node), "create", lookup=_nothing)
    assert body == {"label": "x"}


def test_deep_nesting_is_capped() -> None:
    structure = Structure(LOC, properties=(Property(LOC, "string", name="leaf"),))
    for _ in range(20):
        structure = Structure(
            LOC, properties=(Property(LOC, "map", name="n", structure=structure),)
        )
    body = DataGenerator(1).body(Content(LOC, structure=structure), "create", lookup=_nothing)
    depth = 0
    while isinstance(body, dict) and "n" in body:
        body, depth = body["n"], depth + 1
    assert 1 <= depth <= 9
    assert "leaf" not in body  # the cap cut the chain before the leaf 20 levels down


def test_structure_groups() -> None:
    a = Structure(LOC, properties=(Property(LOC, "string", name="a", example_value="A"),))
    b = Structure(LOC, properties=(Property(LOC, "string", name="b", example_value="B"),))
    gen = DataGenerator(1)

    def body(kind: Any) -> Any:
        group = StructureGroup(LOC, kind, (a, b))
        return gen.body(Content(LOC, structure_group=group), "create", lookup=_nothing)

    assert body("one-of") == {"a": "A"}
    assert body("any-of") == {"a": "A"}
    assert body("all-of") == {"a": "A", "b": "B"}
    assert body("array-of") == [{"a": "A"}]


def test_nameless_structure_yields_its_scalar() -> None:
    content = _content(Property(LOC, "integer", example_value="12"))
    assert DataGenerator(1).body(content, "create", lookup=_nothing) == 12
    assert DataGenerator(1).body(Content(LOC), "create", lookup=_nothing) is None


def test_missing_is_not_none() -> None:
    assert MISSING is not None
    assert repr(MISSING) == "MISSING"


@pytest.mark.parametrize("seed", range(40))
def test_generated_trips_end_after_they_start_in_creates_and_updates(
    seed: int, trips: Resource
) -> None:
    """An honest API refuses a trip that ends before it starts (the reference service does):
    each record's end_* follows its start_*, in a create and in the update that varies both
    (issue 18, item 7)."""
    created = _create_body(trips, seed)
    updated = DataGenerator(seed).child("trips/PUT trips/positive").body(
        _body_content(trips, "PUT trips"), "update", lookup=_destinations, keys={"trip_id": "1"},
        record_structure="trips", vary_from=created,
    )  # fmt: skip
    for body in (created, updated):
        trip = body["trips"][0]
        start, end = (datetime.fromisoformat(trip[name]) for name in ("start_time", "end_time"))
        assert end > start, trip


def test_a_unique_property_gets_a_value_of_its_own_in_each_body() -> None:
    """`unique-for`: the example alone went into every create, and a correct API refuses the
    second one. The example keeps its form (an address stays an address) with a mark of its
    own; where the mark does not fit its length, or the text must match a regex, the value is
    made fresh; an enumeration can only give its own values."""
    unique = parse_scopes("Request[create]")
    props = (
        Property(LOC, "string", name="name", example_value="Bali", unique_for=unique),
        Property(LOC, "string", name="email", example_value="jo@example.com", unique_for=unique),
        Property(LOC, "string", name="code", example_value="AB", length=Bounds(1, 4),
                 unique_for=unique),
        Property(LOC, "string", name="slug", example_value="ab", regex="[a-z]{12}",
                 unique_for=unique),
        Property(LOC, "string", name="kind", values=("x", "y"), unique_for=unique),
        Property(LOC, "string", name="note", example_value="same"),
        Property(LOC, "integer", name="count", range=Bounds(1, 10**6)),
    )  # fmt: skip
    content = Content(LOC, "application/json", structure=Structure(LOC, props))
    one, two = (
        DataGenerator(4).child(key).body(content, "create", lookup=_destinations)
        for key in ("a", "b")
    )
    assert re.fullmatch(r"Bali [0-9a-f]{6}", one["name"]) and one["name"] != two["name"]
    assert re.fullmatch(r"jo-[0-9a-f]{6}@example\.com", one["email"])
    assert one["email"] != two["email"]
    assert 1 <= len(one["code"]) <= 4 and one["code"] != "AB"
    assert re.fullmatch("[a-z]{12}", one["slug"]) and one["slug"] != two["slug"]
    assert one["kind"] == two["kind"] == "x"
    assert one["note"] == two["note"] == "same"  # not unique: the example, as before
    update = DataGenerator(4).child("a").body(content, "update", lookup=_destinations)
    assert update["name"] == "Bali"  # unique for creates only
    # another run with the same seed: its own unique values, and every other value again
    again = DataGenerator(4, run="r2").child("a").body(content, "create", lookup=_destinations)
    assert again["name"] != one["name"] and again["slug"] != one["slug"]
    assert again["email"] != one["email"] and again["note"] == one["note"]
    assert again["count"] == one["count"]


def test_a_value_taken_from_a_record_is_sent_as_the_property_declares_it() -> None:
    """JSON:API ids are text: an integer property naming that record sends the number; text
    that is no number, or a property typed as text, is sent as the record holds it."""
    person = parse_data_path("people:$.id")

    def found(value: Any) -> Callable[[DataPath], list[Any]]:
        return lambda path: [value] if path == person else []

    props = (
        Property(LOC, "integer", name="author_id", path=person),
        Property(LOC, "long_string", name="author_ref", path=person),
        Property(LOC, "boolean", name="flag", path=person),
    )
    body = DataGenerator(1).body(_content(*props), "create", lookup=found("2"))
    assert (body["author_id"], body["author_ref"], body["flag"]) == (2, "2", "2")
    body = DataGenerator(1).body(_content(*props), "create", lookup=found("true"))
    assert (body["author_id"], body["flag"]) == ("true", True)


def test_a_value_from_a_regex_is_never_a_dot_segment_where_the_pattern_allows_another() -> None:
    """`[A-Za-z0-9_.-]+` (Airflow's connection_id) made "..": a dot segment in a URL path,
    which clients remove, so the record's update and delete went to the collection (405)."""
    made = {ValueSource(seed, "k").from_regex("[.a]", None, 5) for seed in range(30)}
    assert made == {"a"}
    only_dots = {ValueSource(seed, "k").from_regex("[.]{1,2}", None, 5) for seed in range(5)}
    assert only_dots <= {".", ".."}  # where the pattern allows nothing else, it is kept
