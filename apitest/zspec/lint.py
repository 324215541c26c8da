"""`apitest lint`: load specs and sum up what was found, for the command to render.

Lint never runs with `strict` inside the loader: warnings stay warnings, and the command decides
the exit status (0 clean, 1 warnings only under --strict, 2 errors).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from apitest.errors import EXIT_CASE_FAILED, EXIT_PASSED, EXIT_USAGE
from apitest.zspec.diagnostics import Diagnostic
from apitest.zspec.loader import load
from apitest.zspec.reader import DEFAULT_MAX_BYTES


@dataclass(frozen=True)
class LintReport:
    diagnostics: tuple[Diagnostic, ...]
    files: int
    resources: int
    operations: int
    skipped: tuple[str, ...] = ()

    @property
    def errors(self) -> int:
        return sum(1 for d in self.diagnostics if d.severity == "error")

    @property
    def warnings(self) -> int:
        return sum(1 for d in self.diagnostics if d.severity == "warning")

    def exit_code(self, strict: bool) -> int:
        if self.errors:
            return EXIT_USAGE
        if strict and self.warnings:
            return EXIT_CASE_FAILED
        return EXIT_PASSED

    def summary(self) -> str:
        counts = (
            f"{plural(self.files, 'file')}, {plural(self.resources, 'resource')}, "
            f"{plural(self.operations, 'operation')}"
        )
        if not self.diagnostics:
            return f"{counts}: no problems"
        return f"{counts}: {plural(self.errors, 'error')}, {plural(self.warnings, 'warning')}"


def lint_paths(paths: Sequence[str | Path], max_bytes: int = DEFAULT_MAX_BYTES) -> LintReport:
    result = load(paths, max_bytes=max_bytes)
    resources = result.resources
    return LintReport(
        diagnostics=tuple(result.diagnostics.sorted()),
        files=len(result.files) + _unusable(result.diagnostics.sorted(), result.files),
        resources=len(resources),
        operations=sum(1 for res in resources for _ in res.operations),
        skipped=tuple(result.skipped),
    )


def _unusable(diagnostics: list[Diagnostic], loaded: list[str]) -> int:
    """Files that failed to load at all still count as linted files."""
    return len({d.file for d in diagnostics} - set(loaded))


def plural(count: int, word: str) -> str:
    return f"{count} {word}" if count == 1 else f"{count} {word}s"


def warning_lines(
    warnings: Sequence[Diagnostic], paths: Sequence[str | Path], quiet: bool = False
) -> list[str]:
    """What `run`, `plan` and the pytest plugin say about a spec's warnings before anything runs.

    One `file:line:col: warning: message (hint)` line each, so a misspelt attribute that drops a
    check is seen; `quiet` folds them into one line naming the lint command that shows them.
    """
    if not warnings:
        return []
    if quiet:
        where = " ".join(str(path) for path in paths)
        return [f"{plural(len(warnings), 'spec warning')}: run apitest lint {where} to see them"]
    return [str(diag) for diag in warnings]
