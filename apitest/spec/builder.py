"""Turning one file's elements into the model, resolving references across all loaded files.

A `Registry` holds every loaded file's components by kind and key; a `FileBuilder` builds one
file's `Resource`, inlining each `*-ref` (memoised, so a shared component is built once) and
recording what the resource needs from other resources.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from typing import Any, TypeVar

from lxml import etree

from apitest.errors import SpecReferenceError, SpecStructureError, clip
from apitest.spec import _property_rules
from apitest.spec._aliases import warn_deprecated
from apitest.spec.attributes import ElementReader, local_name
from apitest.spec.conditions import (
    Condition,
    ConditionSyntaxError,
    DataPath,
    parse_condition,
    parse_data_path,
)
from apitest.spec.model import (
    Dependency,
    Deprecate,
    Discriminator,
    DiscriminatorMapping,
    ErrorCondition,
    Example,
    Location,
    Property,
    Structure,
    StructureGroup,
    Tag,
    Throttling,
)
from apitest.spec.reader import SourceFile
from apitest.spec.schema import COMPONENT_KEYS, DATA_TYPES, SCOPE_ATTRIBUTES
from apitest.spec.scopes import ALL, NONE, ScopeSet, ScopeSyntaxError, parse_scopes

MAX_NESTING = 48
MAX_REGEX = 2000
_T = TypeVar("_T")


@dataclass
class FileEntry:
    """One loaded file: its source, resource name and raw components by kind and key."""

    source: SourceFile
    reader: ElementReader
    name: str
    components: dict[str, dict[str, etree._Element]] = field(default_factory=dict)


@dataclass
class Registry:
    """All loaded files by resource name, and the components built so far (shared memo)."""

    files: dict[str, FileEntry] = field(default_factory=dict)
    built: dict[tuple[str, str, str], Any] = field(default_factory=dict)
    in_progress: set[tuple[str, str, str]] = field(default_factory=set)
    needs: dict[str, dict[str, Location]] = field(default_factory=dict)
    missing: set[str] = field(default_factory=set)
    """Resources named by a `resource.key` reference that no loaded file declares."""
    """Per resource: each other resource it needs, with the first place that needs it."""


def index_components(entry: FileEntry) -> None:
    """Collect the file's `<components>` children by kind and key, reporting duplicates."""
    reader = entry.reader
    for components in entry.source.root:
        if local_name(components) != "components":
            continue
        reader.check(components)
        for kind, element in reader.children(components):
            key_attr = COMPONENT_KEYS.get(kind)
            if key_attr is None:
                continue
            key = (element.get(key_attr) or "").strip()
            if not key:
                reader.error(
                    element,
                    f"a <{kind}> in <components> needs a '{key_attr}' to be referred to",
                    f'add {key_attr}="..."',
                    SpecStructureError,
                )
                continue
            table = entry.components.setdefault(kind, {})
            if key in table:
                first = table[key].sourceline
                reader.error(
                    element,
                    f"duplicate {key_attr} '{key}' for <{kind}> (first defined at line {first})",
                    "give each component its own key",
                    SpecReferenceError,
                    key_attr,
                )
                continue
            table[key] = element


class FileBuilder:
    """Builds one file's model; reports into the shared diagnostics, never raises."""

    def __init__(self, entry: FileEntry, registry: Registry) -> None:
        self.entry = entry
        self.registry = registry
        self.reader = entry.reader
        self.needs = registry.needs.setdefault(entry.name, {})

    # --- shared helpers ----------------------------------------------------------------------
    def loc(self, element: etree._Element) -> Location:
        return self.reader.loc(element)

    def need(self, resource: str, where: Location) -> None:
        """Record a dependency on another resource (first place it is needed wins)."""
        if resource != self.entry.name:
            self.needs.setdefault(resource, where)

    def description(self, element: etree._Element) -> str:
        for child in element:
            if local_name(child) == "description":
                return " ".join((child.text or "").split())
        return element.get("description", "")

    def condition(self, element: etree._Element, attr: str) -> Condition | None:
        text = element.get(attr)
        if text is None:
            return None
        try:
            parsed = parse_condition(text)
        except ConditionSyntaxError as exc:
            self.reader.error(
                element,
                f"bad condition in '{attr}': {exc.message} (at character {exc.position + 1})",
                "see ZSPEC.md section 5 for the condition grammar",
                attr=attr,
            )
            return None
        for path in parsed.data_paths():
            if path.source == "resource" and path.name:
                self.need(path.name, self.loc(element))
            if path.legacy:
                self.legacy_path(element, attr, path)
        return parsed

    def legacy_path(self, element: etree._Element, attr: str, path: DataPath) -> None:
        """apitest's own `HEADER:`/`PARAM:` still read; lint names the official form."""
        own = f"{'HEADER' if path.source == 'header' else 'PARAM'}:{path.name}"
        self.reader.report(
            "warning",
            element,
            f"'{own}' in '{attr}' is apitest's own form (deprecated)",
            f"write the official data path {path}",
            attr=attr,
        )

    def data_path(self, element: etree._Element) -> DataPath | None:
        text = element.get("path")
        if text is None:
            return None
        try:
            parsed = parse_data_path(text.strip())
        except ConditionSyntaxError as exc:
            self.reader.error(
                element,
                f"bad data path {clip(text)!r}: {exc.message}",
                "write it as resource:$.jsonpath, e.g. trips:$.trip_id",
                attr="path",
            )
            return None
        if parsed.source != "resource" or not parsed.name:
            self.reader.error(
                element,
                f"data path {clip(text)!r} must name a resource",
                "write it as resource:$.jsonpath, e.g. trips:$.trip_id",
                attr="path",
            )
            return None
        self.need(parsed.name, self.loc(element))
        for nested in parsed.nested():  # resources read inside `{condition}` filters
            if nested.source == "resource" and nested.name:
                self.need(nested.name, self.loc(element))
        return parsed

    def json_path(self, element: etree._Element, attr: str) -> DataPath | None:
        """A plain `$...` JSONPath into a body (path-config), compiled now so faults show early."""
        text = (element.get(attr) or "").strip()
        if not text:
            return None
        try:
            parsed = parse_data_path(text)
        except ConditionSyntaxError as exc:
            parsed = None
            problem = exc.message
        else:
            problem = "it must be a JSONPath starting with $, with no prefix"
        if parsed is None or parsed.source != "response" or text.startswith("RESPONSE:"):
            self.reader.error(
                element,
                f"bad JSONPath {text!r} in '{attr}': {problem}",
                "e.g. $.trips",
                attr=attr,
            )
            return None
        return parsed

    def scopes(self, element: etree._Element, attr: str, default: ScopeSet) -> ScopeSet:
        text = element.get(attr)
        if text is None:
            return default
        try:
            return parse_scopes(text)
        except ScopeSyntaxError as exc:
            self.reader.error(
                element,
                f"bad scope list in '{attr}': {exc.message}",
                'e.g. include-for="Request[create,update],Response[read]"',
                attr=attr,
            )
            return default

    # --- references --------------------------------------------------------------------------
    def resolve(
        self,
        kind: str,
        ref: etree._Element,
        build: Callable[[FileBuilder, etree._Element], _T],
        on_cycle: Callable[[str], _T | None] | None = None,
    ) -> _T | None:
        """The component a `<kind-ref name>` stands for."""
        self.reader.check(ref)
        return self.resolve_key(kind, ref, "name", build, on_cycle)

    def resolve_key(
        self,
        kind: str,
        at: etree._Element,
        attr: str,
        build: Callable[[FileBuilder, etree._Element], _T],
        on_cycle: Callable[[str], _T | None] | None = None,
    ) -> _T | None:
        """The component named by `at`'s attribute `attr`, locally or as `resource.key`."""
        key = (at.get(attr) or "").strip()
        owner, element = self._find_component(kind, key)
        if owner is None or element is None:
            self.reader.error(
                at,
                f'{attr}="{key}" refers to no <{kind}>',
                self._ref_hint(kind),
                SpecReferenceError,
                attr,
            )
            return None
        return self.build_component(kind, owner, element, build, at, on_cycle)

    def build_component(
        self,
        kind: str,
        owner: FileEntry,
        element: etree._Element,
        build: Callable[[FileBuilder, etree._Element], _T],
        at: etree._Element,
        on_cycle: Callable[[str], _T | None] | None = None,
    ) -> _T | None:
        """Build a component once (memoised across files).

        Reached again while it is still being built (a self-reference), it gives what
        `on_cycle` makes of its `resource.key`, or None.
        """
        if owner is not self.entry:
            self.need(owner.name, self.loc(at))
        memo = (owner.name, kind, element.get(COMPONENT_KEYS[kind]) or "")
        if memo in self.registry.built:
            return self.registry.built[memo]  # type: ignore[no-any-return]
        if memo in self.registry.in_progress:
            return on_cycle(f"{owner.name}.{memo[2]}") if on_cycle else None
        builder = self if owner is self.entry else FileBuilder(owner, self.registry)
        self.registry.in_progress.add(memo)
        try:
            value = build(builder, element)
        finally:
            self.registry.in_progress.discard(memo)
        self.registry.built[memo] = value
        return value

    def _find_component(
        self, kind: str, key: str
    ) -> tuple[FileEntry | None, etree._Element | None]:
        local = self.entry.components.get(kind, {}).get(key)
        if local is not None:
            return self.entry, local
        resource, _, other_key = key.partition(".")
        other = self.registry.files.get(resource)
        if other is None or not other_key:
            if other_key:
                self.registry.missing.add(resource)
            return None, None
        return other, other.components.get(kind, {}).get(other_key)

    def _ref_hint(self, kind: str) -> str:
        known = sorted(self.entry.components.get(kind, {}))
        if known:
            return f"known {kind} keys here: {', '.join(known[:10])}"
        return "declare it under <components>, or write other_resource.key for another file"

    # --- structures and properties -----------------------------------------------------------
    def structure(self, element: etree._Element, depth: int = 0) -> Structure:
        loc = self.loc(element)
        self.reader.check(element)
        if depth > MAX_NESTING:
            self.reader.error(
                element,
                f"structures nest more than {MAX_NESTING} levels deep",
                "flatten the structure or use a structure-ref",
                SpecStructureError,
            )
            return Structure(loc)
        own_list: list[Property] = []
        stream_element: etree._Element | None = None
        for name, child in self.reader.children(element):  # one pass: this runs per structure
            if name == "property":
                own_list.append(self.property(child, depth + 1))
            elif name == "stream" and stream_element is None:
                stream_element = child
        own = tuple(own_list)
        inherited = self._extended(element)
        names = {prop.name for prop in own if prop.name}
        merged = tuple(prop for prop in inherited if prop.name not in names) + own
        return Structure(
            loc,
            merged,
            name=self.reader.text(element, "name"),
            ref_name=self.reader.text(element, "ref-name"),
            extend=self.reader.text(element, "extend"),
            cases=self.reader.csv(element, "cases"),
            discriminator_name=self.reader.text(element, "discriminator-name"),
            lookup=self.reader.text(element, "lookup"),
            visibility=self.reader.enum(element, "visibility", "public"),
            stream=_property_rules.stream(self, stream_element)
            if stream_element is not None
            else None,
        )

    def _extended(self, element: etree._Element) -> tuple[Property, ...]:
        """The properties a structure inherits through `extend`, checking for cycles."""
        if not (element.get("extend") or "").strip():
            return ()

        def cycle(_: str) -> None:
            self.reader.error(
                element,
                f'extend="{element.get("extend", "").strip()}" makes a cycle of structures '
                "extending each other",
                "break the cycle: a structure cannot extend itself, directly or not",
                SpecReferenceError,
                "extend",
            )

        parent = self.resolve_key("structure", element, "extend", FileBuilder.structure, cycle)
        return parent.properties if parent is not None else ()

    def structure_ref(self, ref: etree._Element) -> Structure | None:
        """A referenced structure; one that refers to itself yields a `recursive_ref` stand-in."""
        return self.resolve(
            "structure",
            ref,
            FileBuilder.structure,
            lambda key: Structure(self.loc(ref), recursive_ref=key),
        )

    def property(self, element: etree._Element, depth: int) -> Property:
        self.reader.check(element)
        built = Property(**self.property_fields(element, depth))
        variants = _property_rules.extend_properties(self, element, built, depth)
        return replace(built, extend_properties=variants) if variants else built

    def property_fields(self, element: etree._Element, depth: int) -> dict[str, Any]:
        """The fields of a `<property>` (or, with `type` optional, an `<extend-property>`)."""
        required = local_name(element) == "property"
        text = self.reader.required_text if required else self.reader.text
        prop_type = (text(element, "type") or "").lower()
        if prop_type and prop_type not in DATA_TYPES:
            self.reader.error(
                element,
                f"unknown type '{element.get('type')}'",
                "use one of: " + ", ".join(sorted(DATA_TYPES)),
                attr="type",
            )
        structure, group = self._nested_shape(element, depth)
        regex = self.reader.text(element, "regex")
        if regex is not None:
            regex = self._checked_regex(element, regex)
        return dict(
            loc=self.loc(element),
            type=prop_type or "any",
            name=self.reader.text(element, "name"),
            values=self.reader.csv(element, "values"),
            extra_value=self.reader.enum(element, "extra-value", "deny"),
            default_value=element.get("default-value"),
            example_value=element.get("example-value"),
            regex=regex,
            length=self.reader.bounds(element, "length"),
            range=self.reader.bounds(element, "range"),
            decimal_place=self.reader.integer(element, "decimal-place"),
            format=element.get("format"),
            **self._property_scopes(element),
            path=self.data_path(element),
            content_types=self.reader.csv(element, "content-types"),
            structure=structure,
            structure_group=group,
            deprecate=self._first(element, "deprecate", self.deprecate),
            description=self.description(element),
            **_property_rules.rule_fields(self, element),
        )

    def _property_scopes(self, element: etree._Element) -> dict[str, ScopeSet]:
        defaults = {"include-for": ALL}
        return {
            attr.replace("-", "_"): self.scopes(element, attr, defaults.get(attr, NONE))
            for attr in SCOPE_ATTRIBUTES
        }

    def _checked_regex(
        self, element: etree._Element, regex: str, attr: str = "regex"
    ) -> str | None:
        if len(regex) > MAX_REGEX:
            self.reader.error(
                element,
                f"{attr} is {len(regex):,} characters long, over the limit of {MAX_REGEX:,}",
                "a property pattern this long is a mistake or an attack: shorten it",
                attr=attr,
            )
            return None
        try:
            re.compile(regex)
        except re.error as exc:
            self.reader.error(element, f"bad {attr} {clip(regex)!r}: {exc}", attr=attr)
            return None
        return regex

    def _nested_shape(
        self, element: etree._Element, depth: int
    ) -> tuple[Structure | None, StructureGroup | None]:
        structure: Structure | None = None
        group: StructureGroup | None = None
        for name, child in self.reader.children(element):
            if name == "structure":
                structure = self.structure(child, depth + 1)
            elif name == "structure-ref":
                structure = self.structure_ref(child)
            elif name == "structure-group":
                group = self.structure_group(child, depth + 1)
            elif name == "structure-group-ref":
                self.reader.check(child)
                group = self.resolve("structure-group", child, FileBuilder.structure_group)
            elif name == "composite-structure-groups":
                group = _property_rules.composite_groups(self, child, depth + 1)
        return structure, group

    def structure_group(self, element: etree._Element, depth: int = 0) -> StructureGroup:
        self.reader.check(element)
        members: list[Structure] = []
        discriminator: Discriminator | None = None
        for name, child in self.reader.children(element):
            if name == "structure":
                members.append(self.structure(child, depth + 1))
            elif name == "structure-ref":
                found = self.structure_ref(child)
                if found is not None:
                    members.append(found)
            elif name == "discriminator":
                discriminator = self.discriminator(child)
        if not members:
            self.reader.error(
                element,
                "<structure-group> holds no structure",
                "add the <structure> or <structure-ref> elements it chooses between",
                SpecStructureError,
            )
        return StructureGroup(
            self.loc(element),
            type=self.reader.enum(element, "type", "one-of"),
            structures=tuple(members),
            name=self.reader.text(element, "name"),
            ref_name=self.reader.text(element, "ref-name"),
            discriminator=discriminator,
        )

    def discriminator(self, element: etree._Element) -> Discriminator:
        self.reader.check(element)
        mappings: list[DiscriminatorMapping] = []
        for _, child in self.reader.children(element):
            self.reader.check(child)
            target = self.resolve_key("structure", child, "structure", FileBuilder.structure)
            if target is not None:
                value = self.reader.required_text(child, "value")
                mappings.append(DiscriminatorMapping(self.loc(child), value, target))
        return Discriminator(
            self.loc(element), self.reader.required_text(element, "property-name"), tuple(mappings)
        )

    # --- small elements ----------------------------------------------------------------------
    def _first(
        self,
        element: etree._Element,
        tag: str,
        build: Callable[[etree._Element], _T],
    ) -> _T | None:
        for name, child in self.reader.children(element):
            if name == tag:
                return build(child)
        return None

    def deprecate(self, element: etree._Element) -> Deprecate:
        self.reader.check(element)
        return Deprecate(
            self.loc(element),
            since=self.reader.text(element, "since"),
            alternate=self.reader.text(element, "alternate"),
            for_removal=self.reader.boolean(element, "for-removal"),
        )

    def error_condition(self, element: etree._Element) -> ErrorCondition | None:
        self.reader.check(element)
        condition = self.condition(element, "condition")
        return ErrorCondition(self.loc(element), condition) if condition else None

    def throttling(self, element: etree._Element) -> Throttling:
        self.reader.check(element)
        return Throttling(
            self.loc(element),
            threshold=self.reader.integer(element, "threshold", 1) or 1,
            duration=self.reader.integer(element, "duration", 1) or 1,
            lock_period=self.reader.integer(element, "lock-period", 0) or 0,
            type=self.reader.text(element, "type"),
            name=self.reader.text(element, "name"),
        )

    def tag(self, element: etree._Element) -> Tag:
        """`<tag name visibility>` with a `<description>` child; apitest's earlier
        `description` attribute is a deprecated alias."""
        self.reader.check(element)
        description = self.description(element)
        if element.get("description") is not None:
            warn_deprecated(
                self.reader,
                element,
                '<tag description="...">',
                "<tag name=...><description>...</description></tag>",
                "description",
            )
        return Tag(
            self.loc(element),
            self.reader.required_text(element, "name"),
            description,
            self.reader.enum(element, "visibility", "public"),
        )

    def example(self, element: etree._Element) -> Example:
        self.reader.check(element)
        value = element.get("value")
        if value is None:
            value = (element.text or "").strip()
        return Example(self.loc(element), element.get("name") or "", value)

    def dependency(self, element: etree._Element) -> Dependency:
        """`<dependency resources="a,b">` (a CSV, ZEST's form): those resources run first.
        apitest's earlier `resource="a"` is a deprecated alias of it."""
        self.reader.check(element)
        names = self.reader.csv(element, "resources")
        alias = self.reader.text(element, "resource")
        if alias is not None:
            warn_deprecated(
                self.reader,
                element,
                f'<dependency resource="{alias}">',
                f'<dependency resources="{alias}">',
                "resource",
            )
            names = (*names, *(part for part in self.reader.csv(element, "resource")))
        if not names:
            self.reader.error(
                element,
                "<dependency> names no resource",
                'add resources="a,b" (the resources this one needs first)',
                SpecStructureError,
            )
        for name in names:
            self.need(name, self.loc(element))
        return Dependency(self.loc(element), tuple(dict.fromkeys(names)))
