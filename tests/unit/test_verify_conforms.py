"""The compiled clean check (`verify/conforms.py`) agrees with the full walk on every body.

`check_shape` skips the walk when the compiled check says a body is clean, so a clean verdict
where the walk would report a mismatch or a note would hide it. Hypothesis builds random
structures (every type, constraint and scope the walk acts on, nested collections and maps)
and bodies near them (mostly right, often wrong in one place), and the two must agree exactly.
"""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from apitest.verify.conforms import clean_check
from apitest.verify.shape import MAX_DEPTH, check_shape
from apitest.verify.value_checks import REGEX_LIMIT
from apitest.zspec.model import Bounds, Content, Property, Structure, StructureGroup
from apitest.zspec.scopes import ALL, CATEGORIES, Category, Direction, parse_scopes

from ..support import LOC

SCALARS = ("string", "long_string", "integer", "long", "double", "boolean", "date", "datetime")
NAMES = ("id", "name", "days", "tags", "extra", "price")
SCOPES = ("all", "none", "Response[read]", "Response[create,update]", "Request[create]")


def _scopes() -> st.SearchStrategy[Any]:
    return st.sampled_from(SCOPES).map(parse_scopes)


@st.composite
def _constraints(draw: st.DrawFn, kind: str) -> dict[str, Any]:
    found: dict[str, Any] = {}
    if kind in ("string", "long_string", "collections") and draw(st.booleans()):
        low = draw(st.integers(0, 3))
        found["length"] = Bounds(float(low), float(low + draw(st.integers(0, 4))))
    if kind in ("string", "integer") and draw(st.booleans()):
        found["values"] = ("a", "bb", "1", "2") if kind == "string" else ("1", "2", "3")
        found["extra_value"] = draw(st.sampled_from(("deny", "allow", "map-default")))
        found["default_value"] = draw(st.sampled_from((None, "a", "2")))
    if kind in ("string", "long_string") and draw(st.booleans()):
        found["regex"] = draw(st.sampled_from(("[a-z]+", "[0-9]{1,3}", "b.*")))
    if kind in ("integer", "long", "double") and draw(st.booleans()):
        found["range"] = Bounds(-5.0, 10.0)
    if kind == "double" and draw(st.booleans()):
        found["decimal_place"] = draw(st.integers(0, 2))
    if found and draw(st.integers(0, 4)) == 0:  # ZEST's invalid-value: the default stands in
        found["invalid_value"] = "map-default"
        found["default_value"] = draw(st.sampled_from(("a", "2", "ZZZ")))
    if kind == "map" and draw(st.integers(0, 3)) == 0:
        found["name_regex"] = draw(st.sampled_from(("[a-z]+", "n.*")))
    return found


def _prop(draw: st.DrawFn, name: str | None, depth: int) -> Property:
    kinds = SCALARS + (("collections", "map") if depth < 3 else ("collections",))
    kind = draw(st.sampled_from(kinds))
    nested: dict[str, Any] = {}
    if kind == "collections":
        if depth < 3 and draw(st.booleans()):
            nested["structure"] = draw(_structure(depth + 1))
        else:
            nested["content_types"] = tuple(
                draw(st.lists(st.sampled_from(SCALARS), min_size=1, max_size=2))
            )
    elif kind == "map" and draw(st.booleans()):
        nested["structure"] = draw(_structure(depth + 1))
    return Property(
        LOC,
        kind,
        name=name,
        include_for=draw(_scopes()),
        required_for=draw(_scopes()),
        nullable_for=draw(_scopes()),
        **draw(_constraints(kind)),
        **nested,
    )


@st.composite
def _structure(draw: st.DrawFn, depth: int = 0) -> Structure:
    if depth > 0 and draw(st.integers(0, 4)) == 0:  # a nameless one: the value itself
        return Structure(LOC, properties=(_prop(draw, None, depth),))
    names = draw(st.lists(st.sampled_from(NAMES), min_size=1, max_size=3, unique=True))
    return Structure(LOC, properties=tuple(_prop(draw, name, depth) for name in names))


JUNK = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(-10, 2**40),
    st.floats(allow_nan=False, allow_infinity=False, width=32),
    st.sampled_from(("", "a", "bb", "123", "-4", "x y", "2024-02-30", "2024-02-03")),
    st.sampled_from(("2024-02-03T10:00:00+05:30", "2024-02-03T10:00:00", [], {})),
)


TYPED: dict[str, st.SearchStrategy[Any]] = {
    "string": st.text(alphabet="ab19", max_size=5),
    "long_string": st.one_of(st.text(alphabet="0123456789", max_size=4), st.integers(0, 99)),
    "integer": st.one_of(st.integers(-7, 12), st.just(2**31)),
    "long": st.integers(-7, 2**40),
    "double": st.sampled_from((0.5, 1.25, 3.0, -9.125, 12.5, 2)),
    "boolean": st.booleans(),
    "date": st.sampled_from(("2024-02-03", "2024-02-30", "2024-2-3", "")),
    "datetime": st.sampled_from(("2024-02-03T10:00:00+05:30", "2024-02-03T10:00:00", "")),
}
"""Values of each type, within and just outside the constraints `_constraints` declares."""


def _near_value(draw: st.DrawFn, prop: Property, depth: int) -> Any:
    """A value for `prop`: usually of its type (often right, sometimes just wrong), now and
    then anything at all, so that a body is often clean but for one thing."""
    if draw(st.integers(0, 7)) == 0:
        return draw(JUNK)
    kind = prop.type
    if kind == "collections":
        items = draw(st.integers(0, 3))
        if prop.structure is not None:
            return [_near_body(draw, prop.structure, depth + 1) for _ in range(items)]
        kinds = prop.content_types or ("string",)
        return [draw(TYPED.get(draw(st.sampled_from(kinds)), JUNK)) for _ in range(items)]
    if kind == "map":
        if prop.structure is not None:
            return _near_body(draw, prop.structure, depth + 1)
        return {"k": draw(JUNK)}
    if prop.values and draw(st.booleans()):
        return draw(st.sampled_from(prop.values))
    return draw(TYPED[kind])


def _near_body(draw: st.DrawFn, structure: Structure, depth: int = 0) -> Any:
    if not structure.is_map:
        return _near_value(draw, structure.properties[0], depth)
    if draw(st.integers(0, 9)) == 0:
        return draw(JUNK)
    body = {}
    for prop in structure.properties:
        if prop.name is not None and draw(st.integers(0, 7)) > 0:
            body[prop.name] = _near_value(draw, prop, depth)
    if draw(st.integers(0, 9)) == 0:
        body["undeclared"] = 1
    return body


@st.composite
def _case(draw: st.DrawFn) -> tuple[Structure, Any, Direction, Category]:
    structure = draw(_structure())
    body = _near_body(draw, structure)
    direction: Direction = draw(st.sampled_from(("response", "request")))
    category: Category = draw(st.sampled_from(CATEGORIES))
    return structure, body, direction, category


def _agree(case: tuple[Structure, Any, str, str]) -> None:
    structure, body, direction, category = case
    content = Content(LOC, encode="application/json", structure=structure)
    walked = check_shape(body, content, direction=direction, category=category, compiled=False)  # type: ignore[arg-type]
    check = clean_check(structure, direction, category, MAX_DEPTH)  # type: ignore[arg-type]
    assert check is not None  # no structure groups here: every structure compiles
    walk_is_clean = not walked.mismatches and not walked.notes
    assert check(body) == walk_is_clean, (body, walked)
    # and check_shape, which takes the short cut, reports exactly what the walk reports
    assert check_shape(body, content, direction=direction, category=category) == walked  # type: ignore[arg-type]


@settings(max_examples=1500, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(_case())
def test_the_clean_check_agrees_with_the_walk(case: tuple[Structure, Any, str, str]) -> None:
    _agree(case)


@st.composite
def _one_property_case(draw: st.DrawFn) -> tuple[Structure, Any, Direction, Category]:
    """One scalar property, present: each rule of the value on its own, so that a rule the
    compiled check forgot cannot hide behind another the same body also breaks."""
    prop = replace(_prop(draw, "v", depth=3), include_for=ALL)  # a scalar, or scalars
    structure = Structure(LOC, properties=(prop,))
    direction: Direction = draw(st.sampled_from(("response", "request")))
    category: Category = draw(st.sampled_from(CATEGORIES))
    return structure, {"v": _near_value(draw, prop, 3)}, direction, category


def _one(prop: Property, value: Any) -> tuple[Structure, Any, str, str]:
    return Structure(LOC, properties=(prop,)), {"v": value}, "response", "read"


@settings(max_examples=1500, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(_one_property_case())
@example(_one(Property(LOC, "collections", name="v", content_types=("long_string",)), [5]))
@example(_one(Property(LOC, "long_string", name="v"), "12a"))
@example(_one(Property(LOC, "string", name="v", values=("a", "b")), "c"))
@example(_one(Property(LOC, "string", name="v", regex="a+"), "a" * (REGEX_LIMIT + 1)))
def test_the_clean_check_agrees_with_the_walk_rule_by_rule(
    case: tuple[Structure, Any, str, str],
) -> None:
    _agree(case)


def test_both_outcomes_occur_among_generated_bodies() -> None:
    """The agreement test is only worth something if it sees clean and unclean bodies alike."""
    seen: set[bool] = set()

    @settings(max_examples=200, deadline=None, database=None)
    @given(_case())
    def collect(case: tuple[Structure, Any, str, str]) -> None:
        structure, body, direction, category = case
        check = clean_check(structure, direction, category, MAX_DEPTH)  # type: ignore[arg-type]
        assert check is not None
        seen.add(check(body))

    collect()
    assert seen == {True, False}


def test_a_structure_group_is_left_to_the_walk() -> None:
    member = Structure(LOC, properties=(Property(LOC, "string", name="a"),), name="A")
    group = StructureGroup(LOC, type="one-of", structures=(member,))
    holder = Structure(LOC, properties=(Property(LOC, "map", name="m", structure_group=group),))
    assert clean_check(holder, "response", "read", MAX_DEPTH) is None
    content = Content(LOC, structure=holder)
    report = check_shape({"m": {"a": 1}}, content, direction="response", category="read")
    assert [str(m) for m in report.mismatches] == ["$.m.a: expected string, got 1 (integer)"]


def test_nesting_past_the_depth_limit_is_left_to_the_walk() -> None:
    inner = Structure(LOC, properties=(Property(LOC, "string", name="leaf"),))
    for _ in range(MAX_DEPTH):
        inner = Structure(LOC, properties=(Property(LOC, "map", name="next", structure=inner),))
    assert clean_check(inner, "response", "read", MAX_DEPTH) is None


def test_a_long_string_sent_as_a_number_is_not_clean_but_passes_with_a_note() -> None:
    structure = Structure(LOC, properties=(Property(LOC, "long_string", name="id"),))
    check = clean_check(structure, "response", "read", MAX_DEPTH)
    assert check is not None and check({"id": "12"}) and not check({"id": 12})
    report = check_shape({"id": 12}, Content(LOC, structure=structure), direction="response",
                         category="read")  # fmt: skip
    assert report.ok and report.notes == ("$.id: long_string sent as a JSON integer",)
