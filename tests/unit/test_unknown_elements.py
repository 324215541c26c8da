"""Unknown elements: a near spelling of an allowed child is an error naming it; an official ZEST
element apitest does not read, an element misplaced, or a name like no other stays a warning."""

from __future__ import annotations

from pathlib import Path

import pytest

from apitest.zspec.attributes import OFFICIAL_ELEMENTS, misspelt_child
from apitest.zspec.diagnostics import Diagnostic
from apitest.zspec.loader import load
from apitest.zspec.schema import RULES

SPEC = """\
<?xml version="1.0" encoding="UTF-8"?>
<resource specification="1.0.0" name="things">
  <components>
    <structure ref-name="thing">
      <property name="id" type="long_string"/>
      {in_structure}
    </structure>
  </components>
  <server name="local" url="http://127.0.0.1:8765/api/v1"/>
  <url path="/things">
    {in_url}
    <operation method="get" name="GET things" category="read">
      {in_operation}
      <response status="200"/>
    </operation>
  </url>
  {in_resource}
</resource>
"""


def _diagnostics(tmp_path: Path, **parts: str) -> list[Diagnostic]:
    fields = {"in_structure": "", "in_url": "", "in_operation": "", "in_resource": ""}
    fields.update(parts)
    path = tmp_path / "things.xml"
    path.write_text(SPEC.format(**fields), encoding="utf-8")
    return load([path]).diagnostics.sorted()


@pytest.mark.parametrize(
    ("where", "element", "parent", "meant", "line"),
    [
        ("in_url", '<operaton method="get" name="x" category="read"/>', "url", "operation", 11),
        ("in_structure", '<propety name="x" type="string"/>', "structure", "property", 6),
        ("in_operation", '<argumnet name="a" location="param"/>', "operation", "argument", 13),
        ("in_operation", '<Response status="200"/>', "operation", "response", 13),
        ("in_resource", '<dependancy resource="a"/>', "resource", "dependency", 17),
    ],
)
def test_a_near_spelling_of_an_allowed_child_is_an_error_naming_it(
    tmp_path: Path, where: str, element: str, parent: str, meant: str, line: int
) -> None:
    found = _diagnostics(tmp_path, **{where: element})
    name = element[1:].split()[0]
    assert [(d.severity, d.line, d.message) for d in found] == [
        ("error", line, f"unknown element <{name}> in <{parent}>: did you mean <{meant}>?")
    ]
    assert "skipped" in found[0].hint


@pytest.mark.parametrize(
    ("where", "element"),
    [
        ("in_resource", "<authentication-schema/>"),  # official, misplaced
        ("in_structure", "<composite-structure-groups/>"),  # official, close to structure-group
        ("in_operation", '<property name="x" type="string"/>'),  # known, but misplaced
        ("in_operation", "<widget/>"),  # like nothing allowed here
        ("in_url", "<opera/>"),  # too far from operation (ratio 0.71)
    ],
)
def test_official_misplaced_or_unlike_elements_stay_warnings(
    tmp_path: Path, where: str, element: str
) -> None:
    found = _diagnostics(tmp_path, **{where: element})
    assert [d.severity for d in found] == ["warning"], found
    assert "did you mean <" not in found[0].message


def test_every_official_element_is_read_and_one_out_of_place_is_named_so(tmp_path: Path) -> None:
    assert set(RULES) >= OFFICIAL_ELEMENTS  # no element of the reference is skipped unread
    (found,) = _diagnostics(tmp_path, in_resource="<extra-property/>")
    assert (found.severity, found.message) == (
        "warning",
        "unknown element <extra-property> in <resource> (here it has no meaning)",
    )


def test_unknown_attribute_stays_a_warning_with_its_suggestion(tmp_path: Path) -> None:
    (found,) = _diagnostics(tmp_path, in_structure='<property name="n" type="string" lenght="5"/>')
    assert (found.severity, found.message, found.hint) == (
        "warning",
        "unknown attribute 'lenght' on <property>",
        "did you mean 'length'?",
    )


def test_no_allowed_child_of_any_element_counts_as_a_typo_of_another() -> None:
    """Every element name ZSPEC or ZEST knows is never taken for a misspelling, wherever it is."""
    for rule in RULES.values():
        for name in set(RULES) | OFFICIAL_ELEMENTS:
            assert misspelt_child(name, rule.children) is None, name
