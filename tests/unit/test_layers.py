"""The house's one rule, checked: imports run one way (ARCHITECTURE.md, issue 19).

spec <- plan <- verify <- engine <- session <- shells, with auth and hooks in their places, the
engine's transport (engine/http/) below the rest of the engine, no cycle between the parts, and
the reporters reading only the run's results and events. Every import counts, those inside
functions included (a cycle hidden behind a late import is still a cycle).
"""

from __future__ import annotations

import ast
from collections import defaultdict
from collections.abc import Iterator, Mapping, Set
from pathlib import Path

PACKAGE = Path(__file__).resolve().parents[2] / "apitest"

BASE = {"errors", "defaults", "case_kinds", "_gc", "_by_identity", "database", "__init__"}
"""Modules every layer may use: they import nothing of apitest's above them."""

RUN_MODEL = {"results", "redact"}
"""The run's result model and secret redaction: below everything that fills or renders them."""

MAY_IMPORT: dict[str, set[str]] = {
    "zspec": set(),
    "plan": {"zspec"},
    "results": set(),
    "redact": set(),
    "results_merge": RUN_MODEL,  # apitest merge's checks and merge: results in, one result out
    "verify": {"zspec"},  # pure verdicts over the spec model: no run state, no sockets
    "auth": {"zspec"} | RUN_MODEL,
    "engine": {"zspec", "plan", "verify", "auth"} | RUN_MODEL,
    "hooks": {"zspec", "plan", "verify", "auth", "engine"} | RUN_MODEL,
    "session": {"zspec", "plan", "verify", "auth", "engine", "hooks", "demo"} | RUN_MODEL,
    "report": {"plan", "engine"} | RUN_MODEL,
    "demo": set(),
}
"""What each subpackage may import besides BASE and itself; the shells (cli, commands, the
pytest plugin) may import anything below them."""

SHELLS = {
    "cli", "cli_options", "commands", "pytest_plugin", "pytest_options", "pytest_items",
    "pytest_session", "__main__",
}  # fmt: skip

HTTP = ("engine", "http")
"""The engine's transport: below the rest of the engine (it imports none of it)."""


def _imported(module: str, name: str) -> str:
    """The module `from module import name` loads: the submodule where `name` is one (`from
    apitest.engine import events` is the events module), else `module` itself."""
    folder = PACKAGE.parent.joinpath(*module.split("."))
    is_module = (folder / f"{name}.py").is_file() or (folder / name / "__init__.py").is_file()
    return f"{module}.{name}" if is_module else module


def _apitest_imports() -> Iterator[tuple[Path, str]]:
    """(importing file, relative to the package; imported module) for each apitest import."""
    for path in PACKAGE.rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            names: list[str] = []
            if isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
                names = [_imported(node.module, alias.name) for alias in node.names]
            elif isinstance(node, ast.Import):
                names = [alias.name for alias in node.names]
            for name in names:
                if name.startswith("apitest."):
                    yield path.relative_to(PACKAGE), name


def _imports() -> dict[str, set[tuple[str, str]]]:
    """Top-level part of apitest -> (imported part, importing file) for each apitest import."""
    found: dict[str, set[tuple[str, str]]] = defaultdict(set)
    for where, name in _apitest_imports():
        own, target = where.parts[0].removesuffix(".py"), name.split(".")[1]
        if target != own:
            found[own].add((target, str(where)))
    return found


def test_no_import_runs_up_the_layers() -> None:
    wrong = [
        f"{where} imports apitest.{target}"
        for part, edges in _imports().items()
        if part not in SHELLS and part not in BASE
        for target, where in sorted(edges)
        if target not in BASE and target not in MAY_IMPORT.get(part, set())
    ]
    assert wrong == []


def test_the_base_modules_import_nothing_above_them() -> None:
    edges = _imports()
    assert not [
        f"{where} imports apitest.{target}"
        for part in BASE
        for target, where in sorted(edges.get(part, set()))
        if target not in BASE
    ]


def test_the_check_sees_imports_inside_functions_too() -> None:
    """The walk covers late imports: session/target.py imports the demo inside a function."""
    edges = _imports()
    assert ("demo", "session/target.py") in edges["session"]


def test_reporters_read_only_the_run_model_and_the_engine_events() -> None:
    """Of the engine, report/ sees only what it is told: the events (ARCHITECTURE.md)."""
    wrong = [
        f"{where} imports {name}"
        for where, name in _apitest_imports()
        if where.parts[0] == "report"
        and name.startswith("apitest.engine")
        and name != "apitest.engine.events"
    ]
    assert wrong == []


def test_the_transport_imports_nothing_else_of_the_engine() -> None:
    """engine/http/ is driven by the rest of the engine, never the other way round: it needs
    only itself and the layers below the engine (auth's placement, verify's RawBody, the run
    model, plan's throttle key, the spec model)."""
    seen = [(where, name) for where, name in _apitest_imports() if where.parts[:2] == HTTP]
    assert ("engine/http/client.py", "apitest.engine.http._transport") in {
        (str(where), name) for where, name in seen
    }  # the walk does reach the transport's own imports
    wrong = [
        f"{where} imports {name}"
        for where, name in seen
        if name.startswith("apitest.engine.") and not name.startswith("apitest.engine.http.")
    ]
    assert wrong == []


def _cycle(graph: Mapping[str, Set[str]]) -> list[str]:
    """One cycle of `graph` as the path that closes it (first node repeated last), or []."""
    done: set[str] = set()
    path: list[str] = []

    def visit(node: str) -> list[str]:
        if node in path:
            return [*path[path.index(node) :], node]
        if node in done:
            return []
        path.append(node)
        for target in sorted(graph.get(node, ())):
            if found := visit(target):
                return found
        path.pop()
        done.add(node)
        return []

    for start in sorted(graph):
        if found := visit(start):
            return found
    return []


def test_no_import_cycle_between_the_parts() -> None:
    """Every import counts, late ones included, shells too: part -> part is a one-way graph."""
    graph = {part: {target for target, _ in edges} for part, edges in _imports().items()}
    assert graph["engine"] >= {"verify", "zspec"}  # the graph is the real one
    assert _cycle(graph) == []


def test_the_cycle_check_finds_a_planted_cycle() -> None:
    graph = {"zspec": set(), "plan": {"zspec"}, "engine": {"plan", "hooks"}, "hooks": {"engine"}}
    assert _cycle(graph) == ["engine", "hooks", "engine"]
    assert _cycle({"a": {"b"}, "b": {"c"}, "c": {"a"}}) == ["a", "b", "c", "a"]
    assert _cycle({"a": {"a"}}) == ["a", "a"]
    assert _cycle({"a": {"b", "c"}, "b": {"c"}, "c": set()}) == []


def test_every_part_of_the_package_has_its_rule_and_its_line_in_architecture_md() -> None:
    """A new subpackage or top-level module is placed in a layer here and on the page the next
    person reads (ARCHITECTURE.md), not left to the empty default."""
    parts = {
        path.stem if path.is_file() else path.name
        for path in PACKAGE.iterdir()
        if (path.suffix == ".py" or (path / "__init__.py").exists())
    }
    placed = BASE | RUN_MODEL | set(MAY_IMPORT) | SHELLS
    assert parts - placed == set()
    page = (PACKAGE.parent / "ARCHITECTURE.md").read_text(encoding="utf-8")
    packages = {part for part in parts if (PACKAGE / part).is_dir()}
    assert {part for part in packages if f"`{part}/`" not in page} == set()
