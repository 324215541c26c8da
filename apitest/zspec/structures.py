"""Builders of the shapes of data: `<structure>`, `<property>` and its `<extend-property>`
variants, `<structure-group>` with its `<discriminator>`, `<composite-structure-groups>`.

They recurse into each other (a structure holds properties, a property holds a structure or a
group), so they live in one module; the property's further rules that do not recurse (value
conditions, conditions per direction, file meta, streams) are read by `_property_rules`.
"""

from __future__ import annotations

import itertools
from dataclasses import replace
from typing import Any

from lxml import etree

from apitest.errors import SpecReferenceError, SpecStructureError
from apitest.zspec import _property_rules
from apitest.zspec.attributes import local_name
from apitest.zspec.builder import FileBuilder
from apitest.zspec.documentation import build_deprecate
from apitest.zspec.model import (
    Discriminator,
    DiscriminatorMapping,
    GroupType,
    Location,
    Property,
    Structure,
    StructureGroup,
)
from apitest.zspec.schema import DATA_TYPES, SCOPE_ATTRIBUTES
from apitest.zspec.scopes import ALL, NONE, ScopeSet

MAX_NESTING = 48
MAX_COMPOSITE = 256
"""Merged structures one `<composite-structure-groups>` may make (the product grows fast)."""


# --- structures --------------------------------------------------------------------------------
def build_structure(b: FileBuilder, element: etree._Element, depth: int = 0) -> Structure:
    loc = b.loc(element)
    b.reader.check(element)
    if depth > MAX_NESTING:
        b.reader.report(
            element,
            f"structures nest more than {MAX_NESTING} levels deep",
            "flatten the structure or use a structure-ref",
            SpecStructureError,
        )
        return Structure(loc)
    own_list: list[Property] = []
    extra_elements: list[etree._Element] = []
    stream_element: etree._Element | None = None
    for name, child in b.reader.children(element):  # one pass: this runs per structure
        if name == "property":
            own_list.append(build_property(b, child, depth + 1))
        elif name == "extra-property":
            extra_elements.append(child)
        elif name == "stream" and stream_element is None:
            stream_element = child
    own = tuple(own_list)
    parent = _extended(b, element)
    names = {prop.name for prop in own if prop.name}
    merged = tuple(prop for prop in parent.properties if prop.name not in names) + own
    extras = _extra_properties(b, extra_elements, depth + 1) if extra_elements else ()
    patterns = {prop.name_regex for prop in extras}
    extras = tuple(p for p in parent.extra_properties if p.name_regex not in patterns) + extras
    return Structure(
        loc,
        merged,
        name=b.reader.text(element, "name"),
        ref_name=b.reader.text(element, "ref-name"),
        extend=b.reader.text(element, "extend"),
        cases=b.reader.csv(element, "cases"),
        discriminator_name=b.reader.text(element, "discriminator-name"),
        lookup=b.reader.text(element, "lookup"),
        visibility=b.reader.enum(element, "visibility", "public"),
        stream=_property_rules.stream(b, stream_element) if stream_element is not None else None,
        extra_properties=extras,
    )


_NO_PARENT = Structure(Location("", 0))


def _extended(b: FileBuilder, element: etree._Element) -> Structure:
    """The structure this one inherits from through `extend` (its properties and extra
    properties), checking for cycles; an empty one when there is none."""
    if not (element.get("extend") or "").strip():
        return _NO_PARENT

    def cycle(_: str) -> None:
        b.reader.report(
            element,
            f'extend="{element.get("extend", "").strip()}" makes a cycle of structures '
            "extending each other",
            "break the cycle: a structure cannot extend itself, directly or not",
            SpecReferenceError,
            "extend",
        )

    parent = b.resolve_key("structure", element, "extend", build_structure, cycle)
    return parent if parent is not None else _NO_PARENT


ANY_NAME = ".+"
"""The `name-regex` of a structure's only `<extra-property>` when it gives none (ZEST's rule)."""


def _extra_properties(
    b: FileBuilder, elements: list[etree._Element], depth: int
) -> tuple[Property, ...]:
    """`<extra-property>` children: properties named by `name-regex` instead of `name`. The
    reference requires `name-regex` when there are several, each different; a lone one
    without it takes any name."""
    extras: list[Property] = []
    seen: set[str] = set()
    for child in elements:
        b.reader.check(child)
        prop = Property(**property_fields(b, child, depth))
        pattern = prop.name_regex
        if pattern is None and len(elements) > 1:
            b.reader.report(
                child,
                "an <extra-property> without name-regex beside other extra properties",
                'give each its own name-regex (e.g. name-regex="^custom-[a-z]+$"); only a '
                "lone <extra-property> may leave it out to take any name",
                SpecStructureError,
                "name-regex",
            )
            continue
        pattern = ANY_NAME if pattern is None else pattern
        if pattern in seen:
            b.reader.report(
                child,
                f"name-regex '{pattern}' is given to two extra properties of this structure",
                "make each extra property's name-regex different, or merge them into one",
                SpecStructureError,
                "name-regex",
            )
            continue
        seen.add(pattern)
        extras.append(replace(prop, name=None, name_regex=pattern))
    return tuple(extras)


def structure_ref(b: FileBuilder, ref: etree._Element) -> Structure | None:
    """A referenced structure; one that refers to itself yields a `recursive_ref` stand-in."""
    return b.resolve(
        "structure", ref, build_structure, lambda key: Structure(b.loc(ref), recursive_ref=key)
    )


SHAPE_TAGS = frozenset(
    {"structure", "structure-ref", "structure-group", "structure-group-ref",
     "composite-structure-groups"}
)  # fmt: skip
"""The children `shape_child` builds (tested first: a property's other children are many)."""


def shape_child(
    b: FileBuilder, name: str, child: etree._Element, depth: int
) -> tuple[str, Structure | StructureGroup | None] | None:
    """What a shape child of a property or a `<content>` builds, as (model field, value):
    a structure (written out or referred to) or a group (likewise, or composite); None for
    any other child."""
    if name == "structure":
        return "structure", build_structure(b, child, depth)
    if name == "structure-ref":
        return "structure", structure_ref(b, child)
    if name == "structure-group":
        return "structure_group", build_structure_group(b, child, depth)
    if name == "structure-group-ref":
        return "structure_group", b.resolve("structure-group", child, build_structure_group)
    if name == "composite-structure-groups":
        return "structure_group", composite_groups(b, child, depth)
    return None


def build_structure_group(
    b: FileBuilder, element: etree._Element, depth: int = 0
) -> StructureGroup:
    b.reader.check(element)
    members: list[Structure] = []
    discriminator: Discriminator | None = None
    for name, child in b.reader.children(element):
        if name == "structure":
            members.append(build_structure(b, child, depth + 1))
        elif name == "structure-ref":
            found = structure_ref(b, child)
            if found is not None:
                members.append(found)
        elif name == "discriminator":
            discriminator = _discriminator(b, child)
    if not members:
        b.reader.report(
            element,
            "<structure-group> holds no structure",
            "add the <structure> or <structure-ref> elements it chooses between",
            SpecStructureError,
        )
    return StructureGroup(
        b.loc(element),
        type=b.reader.enum(element, "type", "one-of"),
        structures=tuple(members),
        name=b.reader.text(element, "name"),
        ref_name=b.reader.text(element, "ref-name"),
        discriminator=discriminator,
    )


def _discriminator(b: FileBuilder, element: etree._Element) -> Discriminator:
    b.reader.check(element)
    mappings: list[DiscriminatorMapping] = []
    for _, child in b.reader.children(element):
        b.reader.check(child)
        target = b.resolve_key("structure", child, "structure", build_structure)
        if target is not None:
            value = b.reader.required_text(child, "value")
            mappings.append(DiscriminatorMapping(b.loc(child), value, target))
    return Discriminator(
        b.loc(element), b.reader.required_text(element, "property-name"), tuple(mappings)
    )


# --- properties --------------------------------------------------------------------------------
def build_property(b: FileBuilder, element: etree._Element, depth: int) -> Property:
    b.reader.check(element)
    built = Property(**property_fields(b, element, depth))
    variants = _extend_properties(b, element, built, depth)
    return replace(built, extend_properties=variants) if variants else built


def property_fields(b: FileBuilder, element: etree._Element, depth: int) -> dict[str, Any]:
    """The fields of a `<property>` (or, with `type` optional, an `<extend-property>`)."""
    required = local_name(element) == "property"
    text = b.reader.required_text if required else b.reader.text
    prop_type = (text(element, "type") or "").lower()
    if prop_type and prop_type not in DATA_TYPES:
        b.reader.report(
            element,
            f"unknown type '{element.get('type')}'",
            "use one of: " + ", ".join(sorted(DATA_TYPES)),
            attr="type",
        )
    shape: dict[str, Any] = {"structure": None, "structure_group": None}
    for name, child in b.reader.children(element):
        found = shape_child(b, name, child, depth + 1) if name in SHAPE_TAGS else None
        if found is not None:
            shape[found[0]] = found[1]
    regex = b.reader.text(element, "regex")
    if regex is not None:
        regex = b.checked_regex(element, regex)
    return dict(
        loc=b.loc(element),
        type=prop_type or "any",
        name=b.reader.text(element, "name"),
        values=b.reader.csv(element, "values"),
        extra_value=b.reader.enum(element, "extra-value", "deny"),
        default_value=element.get("default-value"),
        example_value=element.get("example-value"),
        regex=regex,
        length=b.reader.bounds(element, "length"),
        range=b.reader.bounds(element, "range"),
        decimal_place=b.reader.integer(element, "decimal-place"),
        format=element.get("format"),
        **_property_scopes(b, element),
        path=b.data_path(element),
        content_types=b.reader.csv(element, "content-types"),
        **shape,
        deprecate=b.first(element, "deprecate", build_deprecate),
        description=b.description(element),
        **_property_rules.rule_fields(b, element),
    )


def _property_scopes(b: FileBuilder, element: etree._Element) -> dict[str, ScopeSet]:
    defaults = {"include-for": ALL}
    return {
        attr.replace("-", "_"): b.scopes(element, attr, defaults.get(attr, NONE))
        for attr in SCOPE_ATTRIBUTES
    }


def _extend_properties(
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
            b.reader.report(
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
    built = property_fields(b, child, depth)
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


# --- composite structure groups ----------------------------------------------------------------
def composite_groups(b: FileBuilder, element: etree._Element, depth: int) -> StructureGroup | None:
    """`<composite-structure-groups>`: every choice of one member per group, merged into one
    structure, makes one member of the result. An all-of group offers its members merged as its
    one choice; an array-of group cannot be merged into an object and is refused."""
    b.reader.check(element)
    groups: list[StructureGroup] = []
    for name, child in b.reader.children(element):
        if name == "structure-group":
            groups.append(build_structure_group(b, child, depth + 1))
        elif name == "structure-group-ref":
            found = b.resolve("structure-group", child, build_structure_group)
            if found is not None:
                groups.append(found)
    hint = "list the <structure-group> elements (one-of, any-of, all-of) to merge"
    if not groups:
        b.reader.report(
            element, "<composite-structure-groups> holds no structure-group", hint,
            SpecStructureError,
        )  # fmt: skip
        return None
    if any(group.type == "array-of" for group in groups):
        b.reader.report(
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
        b.reader.report(
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


def _merge(loc: Location, combo: tuple[tuple[Structure, ...], ...]) -> Structure:
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
