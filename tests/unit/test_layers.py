"""The house's one rule, checked: imports run one way (ARCHITECTURE.md, issue 19).

spec <- plan <- engine <- session <- shells, with auth and hooks in their places, and the
reporters reading only the run's results and events. Every import counts, those inside
functions included (a cycle hidden behind a late import is still a cycle).
"""

from __future__ import annotations

import ast
from collections import defaultdict
from collections.abc import Iterator
from pathlib import Path

PACKAGE = Path(__file__).resolve().parents[2] / "apitest"

BASE = {"errors", "defaults", "case_kinds", "_gc", "_by_identity", "__init__"}
"""Modules every layer may use: they import nothing of apitest's above them."""

RUN_MODEL = {"results", "redact"}
"""The run's result model and secret redaction: below everything that fills or renders them."""

MAY_IMPORT: dict[str, set[str]] = {
    "spec": set(),
    "plan": {"spec"},
    "results": set(),
    "redact": set(),
    "verify": {"spec"},
    "auth": {"spec"} | RUN_MODEL,
    "engine": {"spec", "plan", "verify", "auth"} | RUN_MODEL,
    "hooks": {"spec", "plan", "verify", "auth", "engine"} | RUN_MODEL,
    "session": {"spec", "plan", "verify", "auth", "engine", "hooks", "demo"} | RUN_MODEL,
    "report": {"plan", "engine"} | RUN_MODEL,
    "demo": set(),
}
"""What each subpackage may import besides BASE and itself; the shells (cli, commands, the
pytest plugin) may import anything below them."""

SHELLS = {"cli", "cli_options", "commands", "pytest_plugin", "pytest_session", "__main__"}


def _apitest_imports() -> Iterator[tuple[Path, str]]:
    """(importing file, relative to the package; imported module) for each apitest import."""
    for path in PACKAGE.rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            names: list[str] = []
            if isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
                names = [node.module]
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
