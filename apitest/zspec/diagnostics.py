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

DOC_PAGE = "docs/zspec.md"
"""The users' reference of the dialect, one section per element; lint points into it."""
DOC_SECTIONS: frozenset[str] = frozenset(
    {
        "resource", "components", "example", "description", "info", "terms-of-service",
        "contact-details", "license-details", "resource-config", "path-config", "primary",
        "server", "variable", "environment", "url", "operation", "argument", "request-body",
        "response", "content", "encode", "error", "structure", "structure-group",
        "discriminator", "mapping", "composite-structure-groups", "stream", "property",
        "file-meta", "xml-format", "ordered-structures", "extend-property", "extra-property",
        "deprecate", "throttling", "tag", "external-document", "authentication",
        "authentication-schema", "oauth2", "token", "authorization-url", "token-url",
        "refresh-url", "authentication-url", "dependency",
    }
)  # fmt: skip
"""Elements with a section of their own in DOC_PAGE (its anchor is the element's name)."""


_SECTION_OF = {"extension": "file-meta", "file-name": "file-meta"}
"""Elements described inside their parent's section."""


def doc_link(element: str) -> str:
    """`docs/zspec.md#argument` for an element (or its `-ref` form) the page has a section on."""
    name = element.removesuffix("-ref")
    name = _SECTION_OF.get(name, name)
    return f"{DOC_PAGE}#{name}" if name in DOC_SECTIONS else ""


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
    element: str = ""
    """The element the problem is on (its local name), when one is: the page section to read."""

    @property
    def doc(self) -> str:
        """Where docs/zspec.md says what the element means and how it is written."""
        return doc_link(self.element)

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
