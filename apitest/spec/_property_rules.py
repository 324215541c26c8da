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
- `pick-value`, `expression`, `<xml-format>`, `<ordered-structures>`: kept or accepted; the
  reference retrieved gives them no meaning a test runner could act on.
"""

from __future__ import annotations

import itertools
import re
from dataclasses import replace
from typing import TYPE_CHECKING, Any

from lxml import etree

from apitest.errors import SpecStructureError, clip
from apitest.spec.conditions import (
    Comparison,
    Condition,
    ConditionSyntaxError,
    DataPath,
    parse_condition,
)
from apitest.spec.model import (
    Bounds,
    FileExtension,
    FileMeta,
    GroupType,
    Property,
    Stream,
    Structure,
    StructureGroup,
    ValueCondition,
)

if TYPE_CHECKING:
    from apitest.spec.builder import FileBuilder

MAX_COMPOSITE = 256
"""Merged structures one `<composite-structure-groups>` may make (the product grows fast)."""

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
        name_regex = b._checked_regex(element, name_regex, "name-regex")
    return {
        "invalid_value": b.reader.enum(element, "invalid-value", "deny"),
        "value_condition": value_condition(b, element),
        "request_conditions": request,
        "response_conditions": response,
        "pick_value": element.get("pick-value"),
        "name_regex": name_regex,
        "expression": element.get("expression"),
        "file_meta": _first_file_meta(b, element),
    }


def _conditions(b: FileBuilder, element: etree._Element, *attrs: str) -> tuple[Condition, ...]:
    found = (b.condition(element, attr) for attr in attrs)
    return tuple(condition for condition in found if condition is not None)


def value_condition(b: FileBuilder, element: etree._Element) -> ValueCondition | None:
    text = element.get("value-condition")
    if text is None:
        return None
    match = _VALUE_CONDITION.fullmatch(text)
    hint = 'write an operator and one operand, e.g. value-condition="> REQUEST:$.body.start_time"'
    if match is None:
        b.reader.error(
            element,
            f"bad value-condition {clip(text)!r}: it takes one of >= <= > < and one operand "
            "(the property itself is the left side)",
            hint,
            attr="value-condition",
        )
        return None
    op, rest = match.group(1), match.group(2)
    try:
        parsed = parse_condition(f"0 {op} {rest}")
    except ConditionSyntaxError as exc:
        b.reader.error(
            element, f"bad value-condition {clip(text)!r}: {exc.message}", hint,
            attr="value-condition",
        )  # fmt: skip
        return None
    root = parsed.root
    if not isinstance(root, Comparison):
        b.reader.error(
            element, f"bad value-condition {clip(text)!r}: one comparison only", hint,
            attr="value-condition",
        )  # fmt: skip
        return None
    operand = root.right
    sibling = None
    if isinstance(operand, DataPath):
        if operand.source == "resource" and operand.name:
            b.need(operand.name, b.loc(element))
        elif operand.fields:
            sibling = operand.fields[-1]
    return ValueCondition(text.strip(), op, operand, sibling)


def extend_properties(
    b: FileBuilder, element: etree._Element, parent: Property, depth: int
) -> tuple[Property, ...]:
    """`<extend-property>` children: the parent with the variant's attributes and children."""
    variants: list[Property] = []
    if len(element) == 0:  # no children, no variants (the common case, read fast)
        return ()
    for name, child in b.reader.children(element):
        if name != "extend-property":
            continue
        b.reader.check(child)
        if any(n == "extend-property" for n, _ in b.reader.children(child)):
            b.reader.error(
                child,
                "an <extend-property> cannot be extended further",
                "move the nested <extend-property> up beside this one",
                SpecStructureError,
            )
        variants.append(replace(parent, **_variant_fields(b, child, parent, depth)))
    return tuple(variants)


def _variant_fields(
    b: FileBuilder, child: etree._Element, parent: Property, depth: int
) -> dict[str, Any]:
    """What an `<extend-property>` sets: only the attributes it writes override the parent."""
    fields: dict[str, Any] = {"loc": b.loc(child), "extend_properties": ()}
    built = b.property_fields(child, depth)
    own_attrs = set(map(str, child.keys()))
    for attr, key in _ATTRIBUTE_FIELDS.items():
        if any(name in own_attrs for name in attr.split("|")):
            fields[key] = built[key]
    if built.get("structure") is not None or built.get("structure_group") is not None:
        fields["structure"] = built["structure"]
        fields["structure_group"] = built["structure_group"]
    if built["file_meta"] is not None:
        fields["file_meta"] = built["file_meta"]
    if "type" not in own_attrs:
        fields["type"] = parent.type
    return fields


_ATTRIBUTE_FIELDS: dict[str, str] = {
    "type": "type", "values": "values", "extra-value": "extra_value",
    "invalid-value": "invalid_value", "default-value": "default_value",
    "example-value": "example_value", "regex": "regex", "length": "length", "range": "range",
    "decimal-place": "decimal_place", "format": "format", "include-for": "include_for",
    "required-for": "required_for", "nullable-for": "nullable_for", "unique-for": "unique_for",
    "emptiable-for": "emptiable_for", "path": "path", "content-types": "content_types",
    "value-condition": "value_condition", "pick-value": "pick_value",
    "name-regex": "name_regex", "expression": "expression",
    "condition-for-request|condition-for-all": "request_conditions",
    "condition-for-response|condition-for-all": "response_conditions",
}  # fmt: skip


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
        b.reader.error(
            element,
            f"'{attr}' must be a size in bytes ('max' or 'min,max', e.g. 1048576 or 10MB), "
            f"not {clip(text)!r}",
            attr=attr,
        )
        return None
    return Bounds(numbers[0], numbers[1])


def _first_file_meta(b: FileBuilder, element: etree._Element) -> FileMeta | None:
    for name, child in b.reader.children(element):
        if name == "file-meta":
            return file_meta(b, child)
    return None


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
                name_regex = b._checked_regex(child, pattern)
    return FileMeta(size(b, element, "overall-size"), tuple(extensions), name_regex)


def stream(b: FileBuilder, element: etree._Element) -> Stream:
    """`<stream size>` inside a structure: the answer is bytes, at most `size` of them."""
    b.reader.check(element)
    return Stream(b.loc(element), size(b, element, "size"))


# --- composite structure groups ----------------------------------------------------------------
def composite_groups(b: FileBuilder, element: etree._Element, depth: int) -> StructureGroup | None:
    """`<composite-structure-groups>`: every choice of one member per group, merged into one
    structure, makes one member of the result. An all-of group offers its members merged as its
    one choice; an array-of group cannot be merged into an object and is refused."""
    b.reader.check(element)
    groups: list[StructureGroup] = []
    for name, child in b.reader.children(element):
        if name == "structure-group":
            groups.append(b.structure_group(child, depth + 1))
        elif name == "structure-group-ref":
            b.reader.check(child)
            found = b.resolve("structure-group", child, type(b).structure_group)
            if found is not None:
                groups.append(found)
    hint = "list the <structure-group> elements (one-of, any-of, all-of) to merge"
    if not groups:
        b.reader.error(
            element, "<composite-structure-groups> holds no structure-group", hint,
            SpecStructureError,
        )  # fmt: skip
        return None
    if any(group.type == "array-of" for group in groups):
        b.reader.error(
            element,
            "an array-of group cannot be merged in <composite-structure-groups>",
            hint,
            SpecStructureError,
        )
        return None
    choices = [_choices(group) for group in groups]
    total = 1
    for options in choices:
        total *= max(1, len(options))
    if total > MAX_COMPOSITE:
        b.reader.error(
            element,
            f"<composite-structure-groups> makes {total:,} combinations, over {MAX_COMPOSITE}",
            "split the groups, or merge fewer of them",
            SpecStructureError,
        )
        return None
    loc = b.loc(element)
    merged = tuple(_merge(loc, combo) for combo in itertools.product(*choices))
    kind: GroupType = (
        "one-of" if all(group.type in ("one-of", "all-of") for group in groups) else "any-of"
    )
    return StructureGroup(loc, type=kind, structures=merged)


def _choices(group: StructureGroup) -> list[tuple[Structure, ...]]:
    if group.type == "all-of":
        return [group.structures]
    return [(structure,) for structure in group.structures]


def _merge(loc: Any, combo: tuple[tuple[Structure, ...], ...]) -> Structure:
    """One structure of the properties of all `combo`'s structures (a later name wins)."""
    parts = [structure for chosen in combo for structure in chosen]
    by_name: dict[str, Property] = {}
    nameless: list[Property] = []
    for structure in parts:
        for prop in structure.properties:
            if prop.name:
                by_name[prop.name] = prop
            else:
                nameless.append(prop)
    names = [s.name or s.ref_name or "?" for s in parts]
    return Structure(loc, tuple(by_name.values()) or tuple(nameless), name="+".join(names))
