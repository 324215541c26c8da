"""Diagnostics: every problem found in a spec, located to file:line:col, with how to mend it.

The loader records problems instead of stopping at the first, so `apitest lint` can show them
all; `run` and `plan` turn the first error into its `SpecError` subclass and exit 2.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field, replace
from typing import Literal

from apitest.errors import SpecError

Severity = Literal["error", "warning"]


@dataclass(frozen=True)
class Diagnostic:
    """One problem: `kind` is the `SpecError` subclass an error of this sort raises."""

    severity: Severity
    file: str
    line: int
    col: int
    message: str
    hint: str = ""
    kind: type[SpecError] = SpecError

    def __str__(self) -> str:
        text = f"{self.file}:{self.line}:{self.col}: {self.severity}: {self.message}"
        return f"{text} ({self.hint})" if self.hint else text

    def to_error(self) -> SpecError:
        return self.kind(self.message, self.file, self.line, self.col, self.hint)


@dataclass
class Diagnostics:
    """An ordered collector; `strict` turns warnings into errors (ZSPEC.md section 1)."""

    strict: bool = False
    items: list[Diagnostic] = field(default_factory=list)

    def add(self, diagnostic: Diagnostic) -> None:
        if self.strict and diagnostic.severity == "warning":
            diagnostic = replace(diagnostic, severity="error")
        self.items.append(diagnostic)

    def __iter__(self) -> Iterator[Diagnostic]:
        return iter(self.items)

    def __len__(self) -> int:
        return len(self.items)

    @property
    def errors(self) -> list[Diagnostic]:
        return [d for d in self.items if d.severity == "error"]

    @property
    def warnings(self) -> list[Diagnostic]:
        return [d for d in self.items if d.severity == "warning"]

    def sorted(self) -> list[Diagnostic]:
        return sorted(self.items, key=lambda d: (d.file, d.line, d.col))

    def sorted_warnings(self) -> list[Diagnostic]:
        return [d for d in self.sorted() if d.severity == "warning"]

    def raise_first_error(self) -> None:
        """Raise the first error (in file order) as its own `SpecError` subclass, if any."""
        errors = [d for d in self.sorted() if d.severity == "error"]
        if errors:
            raise errors[0].to_error()
