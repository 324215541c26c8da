"""Loading ZSPEC files into a `Catalog`: discover, read safely, index, build, order, check.

Every problem is collected as a located `Diagnostic`, so `apitest lint` shows them all; `run`
and `plan` call `load_catalog`, which raises the first error as its `SpecError` subclass.
"""

from __future__ import annotations

import graphlib
import re
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path

from apitest._gc import no_gc_pauses
from apitest.errors import SpecError, SpecReferenceError, SpecStructureError, UsageError, clip
from apitest.zspec.attributes import ElementReader, local_name
from apitest.zspec.builder import FileBuilder
from apitest.zspec.checks import check_resource
from apitest.zspec.cross_checks import check_auth_schemas, check_record_paths
from apitest.zspec.diagnostics import Diagnostic, Diagnostics
from apitest.zspec.model import Catalog, Location, Resource
from apitest.zspec.reader import DEFAULT_MAX_BYTES, SourceFile, read_source
from apitest.zspec.references import FileEntry, Registry, index_components
from apitest.zspec.resources import build_resource

# A resource name usable as a file name beside the specs: never a path of its own.
_SAFE_NAME = re.compile(r"[A-Za-z0-9_][A-Za-z0-9_.-]*")


@dataclass(frozen=True)
class SpecInput:
    """A file to load; `explicit` when named on the command line rather than found in a folder."""

    path: Path
    display: str
    explicit: bool


@dataclass
class LoadResult:
    """What a load found: the catalog (None when errors prevent one) and every diagnostic."""

    diagnostics: Diagnostics
    catalog: Catalog | None = None
    resources: list[Resource] = field(default_factory=list)
    """Every resource built, even when errors keep a catalog from being made (for lint)."""
    files: list[str] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)


def _not_a_spec(path: Path) -> str:
    """Why a path given is neither a file nor a folder: said as it is, since "no such file"
    for /dev/null or a link that leads nowhere sends a user looking for a typo."""
    if path.is_symlink() and not path.exists():
        return "a link that leads to no file or folder, in a loop or to a missing path"
    if path.exists():
        return "a device, pipe or socket, not a file or folder"
    return "no such file or folder"


def discover(paths: Iterable[str | Path]) -> list[SpecInput]:
    """Expand files and folders (every `*.xml` below a folder, sorted) into spec inputs."""
    found: dict[Path, SpecInput] = {}
    for raw in paths:
        path = Path(raw)
        if path.is_dir():
            for file in sorted(f for f in path.rglob("*.xml") if f.is_file()):
                found.setdefault(file.resolve(), SpecInput(file, str(file), False))
        elif path.is_file():
            found[path.resolve()] = SpecInput(path, str(raw), True)
        else:
            raise UsageError(
                f"{raw}: {_not_a_spec(path)} (pass ZSPEC .xml files or folders holding them)"
            )
    if not found:
        names = ", ".join(str(p) for p in paths) or "(nothing)"
        raise UsageError(f"no ZSPEC files found in {names} (a folder is searched for *.xml)")
    return list(found.values())


def load(
    paths: Sequence[str | Path], *, strict: bool = False, max_bytes: int = DEFAULT_MAX_BYTES
) -> LoadResult:
    """Load every spec under `paths`; never raises `SpecError` (see `load_catalog` for that).

    A resource that a loaded spec needs but that was not named is looked for as `<name>.xml`
    beside the specs already loaded, so `apitest run specs/trips.xml` brings destinations.xml.
    """
    inputs = discover(paths)
    while True:
        with no_gc_pauses():
            result, registry = _load_once(inputs, strict, max_bytes)
        wanted = registry.missing | {name for needs in registry.needs.values() for name in needs}
        extra = _siblings(inputs, wanted - set(registry.files))
        if not extra:
            return result
        inputs = inputs + extra


def _siblings(inputs: list[SpecInput], names: set[str]) -> list[SpecInput]:
    """Spec files `<folder>/<name>.xml` beside the loaded ones, not loaded yet."""
    loaded = {spec.path.resolve() for spec in inputs}
    folders = dict.fromkeys(spec.path.parent for spec in inputs)
    found: list[SpecInput] = []
    for name in sorted(filter(_SAFE_NAME.fullmatch, names)):
        for folder in folders:
            candidate = folder / f"{name}.xml"
            if _is_file(candidate) and candidate.resolve() not in loaded:
                found.append(SpecInput(candidate, str(candidate), True))
                loaded.add(candidate.resolve())
                break
    return found


def _is_file(path: Path) -> bool:
    """Whether `path` is a file; False where the name cannot be one (a resource name a
    hostile spec made 3,000 characters long failed the load with the OS's "File name too
    long")."""
    try:
        return path.is_file()
    except OSError:
        return False


def _load_once(
    inputs: list[SpecInput], strict: bool, max_bytes: int
) -> tuple[LoadResult, Registry]:
    result = LoadResult(Diagnostics(strict=strict))
    registry = Registry()
    for spec in inputs:
        entry = _read(spec, result, max_bytes)
        if entry is None:
            continue
        first = registry.files.get(entry.name)
        if first is not None:
            entry.reader.report(
                entry.source.root,
                f"resource name '{entry.name}' is already used by {first.source.path}",
                "give every loaded resource its own name",
                SpecStructureError,
                "name",
            )
            continue
        registry.files[entry.name] = entry
        result.files.append(spec.display)
    for entry in registry.files.values():
        index_components(entry)
    resources = [build_resource(FileBuilder(entry, registry)) for entry in registry.files.values()]
    sources = {entry.source.path: entry.source for entry in registry.files.values()}
    for resource in resources:
        check_resource(resource, sources, result.diagnostics)
    check_auth_schemas(resources, sources, result.diagnostics)
    check_record_paths(resources, sources, result.diagnostics)
    ordered = _order(resources, registry, result.diagnostics)
    result.resources = ordered
    if not result.diagnostics.errors:
        result.catalog = Catalog(tuple(ordered))
    return result, registry


def load_catalog(
    paths: Sequence[str | Path],
    *,
    strict: bool = False,
    max_bytes: int = DEFAULT_MAX_BYTES,
    on_warnings: Callable[[list[Diagnostic]], None] | None = None,
) -> Catalog:
    """Load and return the catalog, or raise the first error as its `SpecError` subclass.

    `on_warnings` gets the warnings (in file order) before any error is raised, so `run`,
    `plan` and the pytest plugin can show them: a typo must never silently drop tests."""
    result = load(paths, strict=strict, max_bytes=max_bytes)
    if on_warnings is not None:
        on_warnings(result.diagnostics.sorted_warnings())
    result.diagnostics.raise_first_error()
    if result.catalog is None or not result.catalog.resources:
        skipped = (
            f" (skipped, not <resource>: {', '.join(result.skipped)})" if result.skipped else ""
        )
        raise UsageError(f"no ZSPEC <resource> file found in {', '.join(map(str, paths))}{skipped}")
    return result.catalog


def _read(spec: SpecInput, result: LoadResult, max_bytes: int) -> FileEntry | None:
    """Read one file into a `FileEntry`, or record why it cannot be used."""
    try:
        source = read_source(spec.path, spec.display, max_bytes)
    except SpecError as exc:
        result.diagnostics.add(
            Diagnostic("error", exc.file, exc.line, exc.col, exc.message, exc.hint, type(exc))
        )
        return None
    root_name = local_name(source.root)
    if root_name != "resource":
        if spec.explicit:
            result.diagnostics.add(
                _at(
                    source,
                    f"the root element is <{root_name}>, not <resource>",
                    "a ZSPEC file has one <resource> root element",
                )
            )
        else:
            result.skipped.append(spec.display)
        return None
    reader = ElementReader(source, result.diagnostics)
    name = (source.root.get("name") or "").strip()
    if not name:
        reader.check(source.root)
        if "name" in source.root.attrib:
            reader.report(
                source.root,
                "the resource name is blank",
                'name the resource, e.g. name="trips"',
                SpecStructureError,
                "name",
            )
        return None
    return FileEntry(source, reader, name)


def _at(source: SourceFile, message: str, hint: str) -> Diagnostic:
    line, col = source.column_of(source.root)
    return Diagnostic("error", source.path, line, col, message, hint, SpecStructureError)


def _order(
    resources: list[Resource], registry: Registry, diagnostics: Diagnostics
) -> list[Resource]:
    """Fill in `depends_on` and sort resources so each comes after all it depends on."""
    by_name = {res.name: res for res in resources}
    graph: dict[str, set[str]] = {}
    for res in resources:
        needs = registry.needs.get(res.name, {})
        for other, where in needs.items():
            if other not in by_name:
                _unknown_resource(registry, other, where, diagnostics, res.name)
        soft = registry.by_reference.get(res.name, set())
        graph[res.name] = {other for other in needs if other in by_name and other not in soft}
    _add_reference_needs(graph, registry, by_name)
    # Nodes in file order, each one's needs sorted: iterating the sets themselves would order
    # independent resources by string hash, which differs between processes, and with it the
    # plan's order and its step ids (a dependency's preparation step is numbered by it), so
    # two shards of one plan on two machines would not agree on what the plan is.
    sorter: graphlib.TopologicalSorter[str] = graphlib.TopologicalSorter()
    for name in by_name:
        sorter.add(name)
    for name, wanted in graph.items():
        sorter.add(name, *sorted(wanted))
    try:
        order = list(sorter.static_order())
    except graphlib.CycleError as exc:
        cycle: list[str] = exc.args[1]
        where = registry.needs[cycle[1]][cycle[0]] if len(cycle) > 1 else by_name[cycle[0]].loc
        entry = registry.files[cycle[0] if len(cycle) < 2 else cycle[1]]
        _report_at(
            entry,
            where,
            "resource dependencies form a cycle: " + " -> ".join(reversed(cycle)),
            "remove one <dependency>, data path or cross-file reference of the cycle",
            diagnostics,
        )
        order = [res.name for res in resources]
    return [replace(by_name[name], depends_on=frozenset(graph[name])) for name in order]


def _add_reference_needs(
    graph: dict[str, set[str]], registry: Registry, by_name: Mapping[str, Resource]
) -> None:
    """Add to `graph` (the data needs) each need that comes only from a reference to another
    file's component, in file order, unless it would close a cycle: posts may show comments'
    shape while comments need posts' records, and the data need then sets the order."""
    for name in by_name:
        for other in sorted(registry.by_reference.get(name, set()) & by_name.keys()):
            if not _reaches(graph, other, name):
                graph[name].add(other)


def _reaches(graph: Mapping[str, set[str]], start: str, goal: str) -> bool:
    """Whether `start` needs `goal`, directly or not."""
    seen: set[str] = set()
    pending = [start]
    while pending:
        node = pending.pop()
        if node == goal:
            return True
        if node not in seen:
            seen.add(node)
            pending.extend(graph.get(node, ()))
    return False


def _unknown_resource(
    registry: Registry, other: str, where: Location, diagnostics: Diagnostics, owner: str
) -> None:
    known = ", ".join(sorted(registry.files)) or "none"
    _report_at(
        registry.files[owner],
        where,
        f"resource {clip(other)!r} is needed here but no loaded file declares it",
        f"load its spec too (loaded resources: {known})",
        diagnostics,
    )


def _report_at(
    entry: FileEntry, where: Location, message: str, hint: str, diagnostics: Diagnostics
) -> None:
    line_text = entry.source.lines[where.line - 1] if where.line <= len(entry.source.lines) else ""
    col = len(line_text) - len(line_text.lstrip()) + 1
    diagnostics.add(
        Diagnostic("error", where.file, where.line, col, message, hint, SpecReferenceError)
    )
