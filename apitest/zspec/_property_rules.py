"""ZEST's further property rules: how the loader reads them into the model.

The official pages (structure/property, condition, extend-property, sample-1) say:
- `value-condition` has no left operand (it is the property itself) and only `>= <= > <`; the
  sample writes `value-condition=">REQUEST:$.body.start_time"` on `end_time`. A data path operand
  is read as "the sibling of the same record named by the path's last key" (see `ValueCondition`),
  which is what the sample means whether the record is being sent or read back.
- `condition-for-request` / `-response` / `-all`: the property (or an `<extend-property>`
  variant) applies only where its condition holds; `-all` counts for both directions.
- `invalid-value` deny|map-default: map-default means the server answers a value that breaks the
  property's criteria with `default-value` instead of refusing it.
- `<extend-property>`: any attribute or child of the parent but `name`; its `type` only narrows.
- `<composite-structure-groups>`: several structure groups merged into one (cartesian product).
- `<xml-format name namespace prefix attribute wrapped>`: how the property stands in an XML
  body (zspec/xml_bodies.py reads and writes such bodies).
- `pick-value`, `expression`, `<ordered-structures>`: kept or accepted; the reference retrieved
  gives them no meaning a test runner could act on.

`<extend-property>` and `<composite-structure-groups>` recurse into structures, so
`structures.py` reads them; this module reads the rules that do not recurse.
"""

from __future__ import annotations

import re
from typing import Any

from lxml import etree

from apitest.errors import clip
from apitest.zspec.builder import FileBuilder
from apitest.zspec.conditions import (
    Comparison,
    Condition,
    ConditionSyntaxError,
    DataPath,
    parse_condition,
)
from apitest.zspec.model import (
    Bounds,
    FileExtension,
    FileMeta,
    Stream,
    ValueCondition,
    XmlFormat,
)

_VALUE_CONDITION = re.compile(r"\s*(>=|<=|>|<)\s*(.*\S)\s*", re.DOTALL)
_SIZE = re.compile(r"\s*(\d+(?:\.\d+)?)\s*(b|kb|mb|gb)?\s*", re.IGNORECASE)
_UNITS = {"": 1, "b": 1, "kb": 1024, "mb": 1024**2, "gb": 1024**3}


_RULE_ATTRIBUTES = frozenset(
    {
        "condition-for-request", "condition-for-response", "condition-for-all", "name-regex",
        "invalid-value", "value-condition", "pick-value", "expression",
    }
)  # fmt: skip
_NO_RULES: dict[str, Any] = {
    "invalid_value": "deny",
    "value_condition": None,
    "request_conditions": (),
    "response_conditions": (),
    "pick_value": None,
    "name_regex": None,
    "expression": None,
    "file_meta": None,
    "xml_format": None,
}
"""The fields of a property that states none of these rules: most properties of most specs,
so the loader (whose speed the load benchmark holds) answers them without reading each."""


def rule_fields(b: FileBuilder, element: etree._Element) -> dict[str, Any]:
    """The model fields of the further rules on a `<property>` (or `<extend-property>`)."""
    if len(element) == 0 and _RULE_ATTRIBUTES.isdisjoint(element.attrib):
        return _NO_RULES
    request = _conditions(b, element, "condition-for-request", "condition-for-all")
    response = _conditions(b, element, "condition-for-response", "condition-for-all")
    name_regex = b.reader.text(element, "name-regex")
    if name_regex is not None:
        name_regex = b.checked_regex(element, name_regex, "name-regex")
    return {
        "invalid_value": b.reader.enum(element, "invalid-value", "deny"),
        "value_condition": value_condition(b, element),
        "request_conditions": request,
        "response_conditions": response,
        "pick_value": element.get("pick-value"),
        "name_regex": name_regex,
        "expression": element.get("expression"),
        "file_meta": b.first(element, "file-meta", file_meta),
        "xml_format": b.first(element, "xml-format", xml_format),
    }


def _conditions(b: FileBuilder, element: etree._Element, *attrs: str) -> tuple[Condition, ...]:
    found = (b.condition(element, attr) for attr in attrs)
    return tuple(condition for condition in found if condition is not None)


def value_condition(b: FileBuilder, element: etree._Element) -> ValueCondition | None:
    text = element.get("value-condition")
    if text is None:
        return None
    parsed = _value_comparison(text)
    if isinstance(parsed, str):
        b.reader.report(
            element,
            f"bad value-condition {clip(text)!r}: {parsed}",
            'write an operator and one operand, e.g. value-condition="> REQUEST:$.body.start_time"',
            attr="value-condition",
        )
        return None
    op, operand = parsed.op, parsed.right
    sibling = None
    if isinstance(operand, DataPath):
        if operand.records_of:
            b.need(operand.records_of, b.loc(element))
        elif operand.fields:
            sibling = operand.fields[-1]
    return ValueCondition(text.strip(), op, operand, sibling)


def _value_comparison(text: str) -> Comparison | str:
    """`value-condition`'s comparison, with the property itself (a stand-in `0`) on the left;
    or what is wrong with the text."""
    match = _VALUE_CONDITION.fullmatch(text)
    if match is None:
        return "it takes one of >= <= > < and one operand (the property itself is the left side)"
    try:
        root = parse_condition(f"0 {match.group(1)} {match.group(2)}").root
    except ConditionSyntaxError as exc:
        return exc.message
    return root if isinstance(root, Comparison) else "one comparison only"


# --- file-meta and stream ----------------------------------------------------------------------
def size(b: FileBuilder, element: etree._Element, attr: str) -> Bounds | None:
    """A size in bytes: `1048576` (the maximum), `min,max`, or with a unit (`10MB`, 1024-based)."""
    text = element.get(attr)
    if text is None:
        return None
    parts = text.split(",")
    if len(parts) > 2:
        parts = []
    numbers: list[float | None] = []
    for part in parts:
        if not part.strip():
            numbers.append(None)
            continue
        match = _SIZE.fullmatch(part)
        if match is None:
            numbers = []
            break
        numbers.append(float(match.group(1)) * _UNITS[(match.group(2) or "").lower()])
    if len(numbers) == 1:
        numbers = [None, numbers[0]]
    if len(numbers) != 2:
        b.reader.report(
            element,
            f"'{attr}' must be a size in bytes ('max' or 'min,max', e.g. 1048576 or 10MB), "
            f"not {clip(text)!r}",
            attr=attr,
        )
        return None
    return Bounds(numbers[0], numbers[1])


def file_meta(b: FileBuilder, element: etree._Element) -> FileMeta:
    b.reader.check(element)
    extensions: list[FileExtension] = []
    name_regex: str | None = None
    for name, child in b.reader.children(element):
        b.reader.check(child)
        if name == "extension":
            ext = b.reader.required_text(child, "name").strip().lstrip(".").lower()
            if ext:
                extensions.append(FileExtension(ext, size(b, child, "size")))
        elif name == "file-name":
            pattern = b.reader.text(child, "regex")
            if pattern is not None:
                name_regex = b.checked_regex(child, pattern)
    return FileMeta(size(b, element, "overall-size"), tuple(extensions), name_regex)


def xml_format(b: FileBuilder, element: etree._Element) -> XmlFormat:
    b.reader.check(element)
    return XmlFormat(
        name=b.reader.text(element, "name"),
        namespace=b.reader.text(element, "namespace"),
        prefix=b.reader.text(element, "prefix"),
        attribute=b.reader.boolean(element, "attribute"),
        wrapped=b.reader.boolean(element, "wrapped"),
    )


def stream(b: FileBuilder, element: etree._Element) -> Stream:
    """`<stream size>` inside a structure: the answer is bytes, at most `size` of them."""
    b.reader.check(element)
    return Stream(b.loc(element), size(b, element, "size"))
