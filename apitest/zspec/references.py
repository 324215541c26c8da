"""References between elements and files: components by key, `*-ref` elements and attributes,
and the other resources a file needs.

A `Registry` holds every loaded file's components by kind and key; `References` is one file's
view of it: it finds what a `<kind-ref name>` or a `structure="..."`/`extend="..."` attribute
names (locally, or as `resource.key` in another file), builds it once (memoised across files,
so a shared component is built once and a self-reference is caught), and records each other
resource the file needs (cross-file references, data paths, `<dependency>`), which the loader
turns into the run order. The element builders (`structures`, `operations`, `resources`, ...)
build on it through `FileBuilder`.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any, Self, TypeVar

from lxml import etree

from apitest.errors import SpecReferenceError, SpecStructureError
from apitest.zspec.attributes import ElementReader, local_name
from apitest.zspec.conditions import DataPath
from apitest.zspec.model import Location
from apitest.zspec.reader import SourceFile
from apitest.zspec.schema import COMPONENT_KEYS, REF_SUFFIX

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
    """Per resource: each other resource it needs, with the first place that needs it."""
    by_reference: dict[str, set[str]] = field(default_factory=dict)
    """Per resource: the needs that come only from references to another file's components
    (a structure used for its shape, say): they order resources unless they would close a
    cycle, which the loader then leaves them out of. Data needs (`path`, `<dependency>`)
    always order."""
    missing: set[str] = field(default_factory=set)
    """Resources named by a `resource.key` reference that no loaded file declares."""


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
                reader.report(
                    element,
                    f"a <{kind}> in <components> needs a '{key_attr}' to be referred to",
                    f'add {key_attr}="..."',
                    SpecStructureError,
                )
                continue
            table = entry.components.setdefault(kind, {})
            if key in table:
                first = table[key].sourceline
                reader.report(
                    element,
                    f"duplicate {key_attr} '{key}' for <{kind}> (first defined at line {first})",
                    "give each component its own key",
                    SpecReferenceError,
                    key_attr,
                )
                continue
            table[key] = element


class References:
    """One file's references into the registry; reports into the shared diagnostics."""

    def __init__(self, entry: FileEntry, registry: Registry) -> None:
        self.entry = entry
        self.registry = registry
        self.reader = entry.reader
        self.needs = registry.needs.setdefault(entry.name, {})
        self.by_reference = registry.by_reference.setdefault(entry.name, set())

    def loc(self, element: etree._Element) -> Location:
        return self.reader.loc(element)

    # --- other resources ---------------------------------------------------------------------
    def need(self, resource: str, where: Location, *, by_reference: bool = False) -> None:
        """Record a dependency on another resource: its first place wins, except that the
        first place it is needed for data replaces one where a component was only referred to."""
        if resource == self.entry.name:
            return
        if by_reference:
            if resource not in self.needs:
                self.needs[resource] = where
                self.by_reference.add(resource)
        elif resource in self.by_reference or resource not in self.needs:
            self.needs[resource] = where
            self.by_reference.discard(resource)

    def need_read(self, paths: Iterable[DataPath], at: etree._Element) -> None:
        """Record the resources whose records these data paths, written at `at`, read."""
        for path in paths:
            if path.records_of:
                self.need(path.records_of, self.loc(at))

    def expect_resource(self, name: str) -> None:
        """A `resource.key` names a resource that may not be loaded: the loader looks for
        `<name>.xml` beside this file."""
        if name not in self.registry.files:
            self.registry.missing.add(name)

    # --- components --------------------------------------------------------------------------
    def resolve(
        self,
        kind: str,
        ref: etree._Element,
        build: Callable[[Self, etree._Element], _T],
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
        build: Callable[[Self, etree._Element], _T],
        on_cycle: Callable[[str], _T | None] | None = None,
    ) -> _T | None:
        """The component named by `at`'s attribute `attr`, locally or as `resource.key`."""
        key = (at.get(attr) or "").strip()
        owner, element = self._find_component(kind, key)
        if owner is None or element is None:
            self.reader.report(
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
        build: Callable[[Self, etree._Element], _T],
        at: etree._Element,
        on_cycle: Callable[[str], _T | None] | None = None,
    ) -> _T | None:
        """Build a component once (memoised across files).

        Reached again while it is still being built (a self-reference), it gives what
        `on_cycle` makes of its `resource.key`, or None.
        """
        if owner is not self.entry:
            self.need(owner.name, self.loc(at), by_reference=True)
        memo = (owner.name, kind, element.get(COMPONENT_KEYS[kind]) or "")
        if memo in self.registry.built:
            return self.registry.built[memo]  # type: ignore[no-any-return]
        if memo in self.registry.in_progress:
            return on_cycle(f"{owner.name}.{memo[2]}") if on_cycle else None
        builder = self if owner is self.entry else type(self)(owner, self.registry)
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

    # --- children that may be written out or referred to -------------------------------------
    def collect(
        self,
        element: etree._Element,
        builders: dict[str, Callable[[Self, etree._Element], Any]],
    ) -> dict[str, list[Any]]:
        """One pass over the children: each `<tag>` built and each `<tag-ref>` resolved, in
        document order, by the builder of its tag."""
        found: dict[str, list[Any]] = {tag: [] for tag in builders}
        for name, child in self.reader.children(element):
            tag = name.removesuffix(REF_SUFFIX)
            build = builders.get(tag)
            if build is None:
                continue
            value = build(self, child) if tag == name else self.resolve(tag, child, build)
            if value is not None:
                found[tag].append(value)
        return found

    def repeated(
        self, element: etree._Element, tag: str, build: Callable[[Self, etree._Element], _T]
    ) -> tuple[_T, ...]:
        """Every child `<tag>` built, and every `<tag-ref>` resolved, in document order."""
        return tuple(self.collect(element, {tag: build})[tag])
