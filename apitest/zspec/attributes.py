"""Reading one element's attributes into typed values, with a located diagnostic for each fault.

Each reader returns a usable default after reporting a fault, so one bad attribute does not hide
the rest of the file's problems from `apitest lint`.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import TypeVar

from lxml import etree

from apitest.errors import SpecError, SpecStructureError, SpecValueError, clip
from apitest.zspec.diagnostics import Diagnostic, Diagnostics, Severity
from apitest.zspec.model import Bounds, Location
from apitest.zspec.reader import SourceFile
from apitest.zspec.schema import ENUMS, INT_ATTRS, REF_SUFFIX, RULES, ElementRule
from apitest.zspec.values import INT64

_E = TypeVar("_E", bound=str)
_TRUE = {"true", "yes", "1"}
MAX_UNKNOWN_REPORTED = 20  # per element: a file of 10,000 stray attributes is one problem
_FALSE = {"false", "no", "0"}


def local_name(element: etree._Element) -> str:
    """The tag (the reader strips namespaces on parsing); comments and PIs give ''."""
    tag = element.tag
    return tag if isinstance(tag, str) else ""


class ElementReader:
    """Typed access to the attributes of elements of one file, reporting into `diagnostics`."""

    def __init__(self, source: SourceFile, diagnostics: Diagnostics) -> None:
        self.source = source
        self.diagnostics = diagnostics

    # --- locating and reporting -------------------------------------------------------------
    def loc(self, element: etree._Element) -> Location:
        return Location(self.source.path, self.source.start_line(element))

    def report(
        self,
        element: etree._Element,
        message: str,
        hint: str = "",
        kind: type[SpecError] = SpecValueError,
        attr: str | None = None,
        *,
        severity: Severity = "error",
    ) -> None:
        """One problem at `element` (at its attribute `attr`, where one is named): an error
        unless `severity` says it is a warning."""
        line, col = self.source.column_of(element, attr)
        self.diagnostics.add(
            Diagnostic(
                severity, self.source.path, line, col, message, hint, kind, local_name(element)
            )
        )

    # --- structure checks -------------------------------------------------------------------
    def check(self, element: etree._Element) -> None:
        """Required attributes, unknown attributes and unknown children of one element."""
        tag = local_name(element)
        rule = RULES.get(tag)
        if rule is None:
            return
        keys = set(map(str, element.keys()))
        if not rule.required <= keys:
            for name in sorted(rule.required - keys):
                self.report(
                    element,
                    f"<{tag}> is missing the required attribute '{name}'",
                    f'add {name}="..."',
                    SpecStructureError,
                )
        if not rule.any_attrs and not keys <= rule.attrs:
            self._unknown_attributes(element, tag, rule, keys)
        if not rule.any_children:
            self._check_children(element, tag, rule)

    def _unknown_attributes(
        self, element: etree._Element, tag: str, rule: ElementRule, keys: set[str]
    ) -> None:
        # Namespaced attributes (xsi:schemaLocation and the like) are not ZSPEC's concern.
        unknown = [name for name in map(str, element.keys()) if name not in rule.attrs]
        unknown = [name for name in unknown if not name.startswith("{")]
        for name in unknown[:MAX_UNKNOWN_REPORTED]:
            self.report(
                element,
                f"unknown attribute '{name}' on <{tag}>",
                _suggest(name, rule.attrs),
                SpecStructureError,
                name,
                severity="warning",
            )
        if len(unknown) > MAX_UNKNOWN_REPORTED:
            self.report(
                element,
                f"<{tag}> has {len(unknown) - MAX_UNKNOWN_REPORTED} more unknown attributes",
                "remove them",
                SpecStructureError,
                unknown[MAX_UNKNOWN_REPORTED],
                severity="warning",
            )

    def children(self, element: etree._Element) -> Iterator[tuple[str, etree._Element]]:
        """The known element children with their local names (`check` reports the others)."""
        rule = RULES.get(local_name(element))
        allowed = None if rule is None or rule.any_children else rule.children
        for child in element:
            name = local_name(child)
            if name and (allowed is None or name in allowed):
                yield name, child

    def _check_children(self, element: etree._Element, tag: str, rule: ElementRule) -> None:
        for child in element:
            name = local_name(child)
            if name and name not in rule.children:
                typo = misspelt_child(name, rule.children)
                if typo is not None:
                    self.report(
                        child,
                        f"unknown element <{name}> in <{tag}>: did you mean <{typo}>?",
                        f"rename it <{typo}>: until then it and all inside it are skipped",
                        SpecStructureError,
                    )
                    continue
                where = "here" if name in RULES else "in ZSPEC"
                message = f"unknown element <{name}> in <{tag}> ({where} it has no meaning)"
                hint = _suggest(name, rule.children)
                self.report(child, message, hint, SpecStructureError, severity="warning")

    # --- typed attribute values ---------------------------------------------------------------
    def text(self, element: etree._Element, name: str) -> str | None:
        value = element.get(name)
        return value if value is None else value.strip()

    def required_text(self, element: etree._Element, name: str) -> str:
        """A required attribute's value; missing ones were reported by `check`."""
        value = self.text(element, name)
        if value == "" and name in element.attrib:
            self.report(element, f"'{name}' must not be empty", attr=name)
        return value or ""

    def boolean(self, element: etree._Element, name: str, default: bool = False) -> bool:
        value = self.text(element, name)
        if value is None:
            return default
        lowered = value.lower()
        if lowered in _TRUE or lowered in _FALSE:
            return lowered in _TRUE
        self.report(element, f"'{name}' must be true or false, not {clip(value)!r}", attr=name)
        return default

    def integer(self, element: etree._Element, name: str, default: int | None = None) -> int | None:
        value = self.text(element, name)
        if value is None:
            return default
        low, high = INT_ATTRS.get(name, INT64)
        try:
            number = int(value)
        except ValueError:
            self.report(element, f"'{name}' must be a whole number, not {clip(value)!r}", attr=name)
            return default
        if not low <= number <= high:
            self.report(
                element, f"'{name}' must be between {low} and {high}, not {number}", attr=name
            )
            return default
        return number

    def enum(self, element: etree._Element, name: str, default: _E) -> _E:
        """An attribute from a closed set (case-insensitive), checked against `schema.ENUMS`."""
        value = self.text(element, name)
        if value is None:
            return default
        allowed = ENUMS[(local_name(element), name)]
        if value.lower() in allowed:
            return value.lower()  # type: ignore[return-value]
        self.report(
            element,
            f"'{name}' must be one of {', '.join(allowed)}, not {clip(value)!r}",
            _suggest(value.lower(), frozenset(allowed)),
            attr=name,
        )
        return default

    def csv(self, element: etree._Element, name: str) -> tuple[str, ...]:
        value = element.get(name)
        if value is None:
            return ()
        return tuple(part.strip() for part in value.split(",") if part.strip())

    def bounds(self, element: etree._Element, name: str) -> Bounds | None:
        """`length="max"` or `"min,max"`, `range="min,max"`; either end may be left blank."""
        value = self.text(element, name)
        if value is None:
            return None
        parts = [part.strip() for part in value.split(",")]
        try:
            numbers = [_number(part) if part else None for part in parts]
        except ValueError:
            numbers = []
        if len(numbers) == 1 and name == "length":
            numbers = [None, numbers[0]]
        if len(numbers) != 2:
            self.report(
                element,
                f"'{name}' must be 'max' or 'min,max' with numbers, not {clip(value)!r}",
                attr=name,
            )
            return None
        low, high = numbers
        if low is not None and high is not None and low > high:
            self.report(element, f"'{name}' has min {low:g} above max {high:g}", attr=name)
            return None
        return Bounds(low, high)


# Element names of the official ZEST reference; apitest reads each (test_unknown_elements checks
# it). One of these out of place is a warning, never taken for a misspelling.
OFFICIAL_ELEMENTS: frozenset[str] = frozenset(
    {
        "resource", "components", "info", "description", "terms-of-service", "contact-details",
        "license-details", "resource-config", "path-config", "primary", "server", "variable",
        "environment", "url", "operation", "deprecate", "throttling", "external-document", "tag",
        "error", "argument", "request-body", "response", "authentication",
        "authentication-schema", "oauth2", "token", "authorization-url", "token-url",
        "refresh-url", "authentication-url", "dependency", "content", "encode", "structure",
        "structure-group", "discriminator", "mapping", "composite-structure-groups", "stream",
        "example", "property", "xml-format", "file-meta", "extension", "file-name",
        "ordered-structures", "extend-property", "extra-property",
    }
)  # fmt: skip
TYPO_CUTOFF = 0.8  # operaton/operation 0.94, argumnet/argument 0.88; url/uri 0.67 stays a warning


def misspelt_child(name: str, allowed: frozenset[str]) -> str | None:
    """The allowed child `name` is a near spelling of, when it is no element ZSPEC knows.

    Such a typo drops the element and everything inside it (operations, properties), so it is an
    error; a known or official element in the wrong place stays a warning."""
    import difflib

    base = name.removesuffix(REF_SUFFIX)
    if name in RULES or base in OFFICIAL_ELEMENTS or base in RULES:
        return None
    close = difflib.get_close_matches(name, sorted(allowed), n=1, cutoff=TYPO_CUTOFF)
    return close[0] if close else None


def _suggest(name: str, known: frozenset[str]) -> str:
    """A 'did you mean' hint from the closest known name, or the list of known ones."""
    import difflib

    close = difflib.get_close_matches(name, sorted(known), n=1)
    if close:
        return f"did you mean '{close[0]}'?"
    if known and len(known) <= 12:
        return "expected one of: " + ", ".join(sorted(known))
    return ""


def _number(text: str) -> float:
    """A bound as written: an integer exactly (a float holds -2**63 - 1 as -2**63, so the
    value below a long's range was the range's own minimum), anything else as a float."""
    return int(text) if text.lstrip("+-").isdigit() else float(text)
