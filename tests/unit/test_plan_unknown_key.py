"""apitest's Unknown Key case: which operations and URL variables get one, and the well-formed
key it sends (plan/cases._unknown_key_cases, plan/bad_values.unknown_key)."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from apitest.plan.bad_values import bad_value, unknown_key
from apitest.plan.data import DataGenerator
from apitest.plan.graph import PlanOptions, build_plan
from apitest.plan.model import Violation
from apitest.zspec.loader import load_catalog
from apitest.zspec.model import Bounds, Location, Property

SPEC = """<?xml version="1.0" encoding="UTF-8"?>
<resource specification="1.0.0" name="things">
  <components>
    <structure ref-name="thing">
      <property name="id" {key} include-for="Response[read]"/>
      <property name="label" type="string" required-for="Request[create]"/>
    </structure>
  </components>
  <resource-config primary-structure="thing">
    <path-config><primary path="$.id"/></path-config>
  </resource-config>
  <server name="local" url="http://127.0.0.1:9/api"/>
  <url path="/things">{create}</url>
  <url path="/things/{{id}}">{by_key}</url>
  <url path="/things/{{id}}/start/{{mode}}">{start}</url>
</resource>
"""
BODY = (
    '<request-body><content><encode type="application/json"/>'
    '<structure-ref name="thing"/></content></request-body>'
)
MODE = (
    '<argument name="mode" location="variable" required="true">'
    '<content><structure><property type="integer"/></structure></content></argument>'
)


def operation(method: str, name: str, category: str, *parts: str) -> str:
    """One operation of the spec, answered 200 or 404; `parts` are its arguments and body."""
    return (
        f'<operation method="{method}" name="{name}" category="{category}">{"".join(parts)}'
        '<response status="200"/><response status="404"/></operation>'
    )


def spec_text(key: str) -> str:
    """The spec whose record key (the property, and the URL variable `id`) is `key`."""
    by_id = (
        '<argument name="id" location="variable" required="true">'
        f"<content><structure><property {key}/></structure></content></argument>"
    )
    by_key = "".join(
        operation(method, name, category, by_id, *([BODY] if body else []))
        for method, name, category, body in (
            ("get", "read", "read", False),
            ("patch", "update", "update", True),
            ("put", "replace", "update", True),
            ("delete", "delete", "delete", False),
        )
    )
    create = operation("post", "create", "create", BODY)
    start = operation("post", "start", "action", by_id, MODE)
    return SPEC.format(key=key, create=create, by_key=by_key, start=start)


def unknown_key_cases(tmp_path: Path, key: str) -> list[str]:
    spec = tmp_path / "things.xml"
    spec.write_text(spec_text(key), encoding="utf-8")
    plan = build_plan(load_catalog([spec]), PlanOptions(cases="negative"))
    return sorted(
        step.name
        for step in plan.steps
        if step.violation is not None and step.violation.kind == "Unknown Key"
    )


@pytest.mark.parametrize(
    "key",
    ['type="integer"', 'type="long"', 'type="long_string"', 'type="string" regex="[a-f0-9]{24}"'],
)
def test_a_typed_key_gets_a_case_on_each_read_patch_and_action_that_names_the_record(
    tmp_path: Path, key: str
) -> None:
    # not the PUT (an upserting PUT stores a record at any key), not the delete (idempotent),
    # not the create (it makes the record); and not `mode`, which names no record
    assert unknown_key_cases(tmp_path, key) == [
        "read / Unknown Key id",
        "start / Unknown Key id",
        "update / Unknown Key id",
    ]


@pytest.mark.parametrize(
    "key", ['type="string"', 'type="integer" values="1,2,3"', 'type="boolean"', 'type="date"']
)
def test_a_key_whose_form_is_not_typed_gets_none(tmp_path: Path, key: str) -> None:
    """An untyped string's InvalidValueInURLPath value is a well-formed unknown key already; a
    key of a few `values` may name a record with every one of them."""
    assert unknown_key_cases(tmp_path, key) == []


def prop(kind: str, **rules: object) -> Property:
    return Property(Location("things.xml", 1), kind, **rules)  # type: ignore[arg-type]


@pytest.mark.parametrize("seed", range(20))
def test_the_key_sent_is_well_formed_and_far_from_those_a_store_counts_up_to(seed: int) -> None:
    generator = DataGenerator(seed, "things")
    integer = unknown_key(prop("integer"), generator)
    assert isinstance(integer, int) and 10**9 <= integer <= 2**31 - 1
    long = unknown_key(prop("long"), generator)
    assert isinstance(long, int) and 10**9 <= long <= 2**31 - 1  # a long kept in 32 bits too
    digits = unknown_key(prop("long_string"), generator)
    assert isinstance(digits, str) and re.fullmatch(r"[1-9][0-9]{17}", digits), digits
    matched = unknown_key(prop("string", regex="[a-f0-9]{24}"), generator)
    assert re.fullmatch(r"[a-f0-9]{24}", matched), matched


@pytest.mark.parametrize(
    ("bounds", "low", "high"),
    [
        (Bounds(1, 5000), 5000, 5000),  # a range below the far window: its top
        (Bounds(1, float("inf")), 10**9, 2**31 - 1),  # `1,1e400`: open above
        (Bounds(float("-inf"), None), 10**9, 2**31 - 1),
        (Bounds(5 * 10**8, 1.5 * 10**9), 10**9, 1.5 * 10**9),  # where the two overlap
        (Bounds(10**10, None), 1.1 * 10**10, 10**10 + 2**31),  # the window moved past its floor
        (Bounds(10**10, 10**10 + 5), 10**10 + 5, 10**10 + 5),
    ],
)
def test_a_declared_range_is_kept_whatever_its_ends(
    bounds: Bounds, low: float, high: float
) -> None:
    for seed in range(10):
        key = unknown_key(prop("long", range=bounds), DataGenerator(seed, "things"))
        assert isinstance(key, int) and low <= key <= high, (bounds, key)


def test_the_key_is_never_the_example() -> None:
    generator = DataGenerator(1, "things")
    pinned = prop("long_string", example_value="42", regex="[0-9]{1,3}")
    assert all(unknown_key(pinned, generator.child(str(n))) != "42" for n in range(5))


def test_the_case_s_value_is_the_unknown_key_from_the_case_s_own_stream() -> None:
    key = prop("integer")
    case = Violation("Unknown Key", "id", "variable", "set", "unknown", prop=key)
    first = bad_value(case, DataGenerator(7, "things").child("negative"))
    again = bad_value(case, DataGenerator(7, "things").child("negative"))
    assert first == again and first >= 10**9  # the same seed sends the same key
