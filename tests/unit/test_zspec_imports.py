"""Inside zspec/, the loader's modules import one way too (issue 19, step 5).

The condition grammar and the element families recurse into each other, so the cuts between
their modules were chosen to leave no cycle; these tests keep it so. Every import counts,
those inside functions and under TYPE_CHECKING included.
"""

from __future__ import annotations

import ast
from pathlib import Path

SPEC = Path(__file__).resolve().parents[2] / "apitest" / "zspec"

CONDITIONS_ORDER = ["_lexer", "_path_steps", "_evaluate", "_syntax", "__init__"]
"""apitest.zspec.conditions, lowest first: each module imports only those before it."""

BUILDERS_ORDER = [
    "references",
    "builder",
    "documentation",
    "_property_rules",
    "structures",
    "operations",
    "auth_schemas",
    "resources",
    "loader",
]
"""The loader's modules, lowest first: each imports only those before it."""


def _imports(path: Path, package: str) -> set[str]:
    """The modules of `package` that the file at `path` imports (by their last name)."""
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.ImportFrom) and node.module:
            if node.module.startswith(package + "."):
                found.add(node.module.removeprefix(package + ".").split(".")[0])
            elif node.module == package:
                found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.Import):
            found.update(
                alias.name.removeprefix(package + ".").split(".")[0]
                for alias in node.names
                if alias.name.startswith(package + ".")
            )
    return found


def _upward(folder: Path, package: str, order: list[str]) -> list[str]:
    wrong = []
    for rank, name in enumerate(order):
        imported = _imports(folder / f"{name}.py", package)
        wrong += [f"{name} imports {other}" for other in imported & set(order[rank:])]
    return wrong


def test_the_conditions_package_imports_one_way() -> None:
    assert _upward(SPEC / "conditions", "apitest.zspec.conditions", CONDITIONS_ORDER) == []


def test_the_element_builders_import_one_way() -> None:
    assert _upward(SPEC, "apitest.zspec", BUILDERS_ORDER) == []


def test_only_the_conditions_package_reads_its_private_modules() -> None:
    package = SPEC.parent
    readers = [
        str(path.relative_to(package))
        for path in package.rglob("*.py")
        if path.parent != SPEC / "conditions"
        and any(name.startswith("_") for name in _imports(path, "apitest.zspec.conditions"))
    ]
    assert readers == []
