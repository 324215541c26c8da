"""What every element builder reads through: one file's references and its typed values.

`FileBuilder` is the `References` of one file (components, `*-ref`, the resources it needs)
plus the readers of the values ZSPEC writes into attributes and that need more than
`ElementReader`'s typing: conditions and data paths (parsed now, so a fault is a load error
with file:line, and the resources they read recorded as needs), JSONPaths, scope lists,
regexes, descriptions. The builders of each family of elements (`structures`, `operations`,
`resources`, `documentation`, `auth_schemas`) are functions of a `FileBuilder` and an element,
so any of them can be handed to `resolve` as the way to build a referenced component.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TypeVar

from lxml import etree

from apitest.errors import clip
from apitest.zspec.attributes import local_name
from apitest.zspec.conditions import (
    Condition,
    ConditionSyntaxError,
    DataPath,
    null_tests,
    parse_condition,
    parse_data_path,
)
from apitest.zspec.references import References
from apitest.zspec.scopes import ScopeSet, ScopeSyntaxError, parse_scopes
from apitest.zspec.values import regex_error

MAX_REGEX = 2000
_T = TypeVar("_T")


class FileBuilder(References):
    """Builds one file's model; reports into the shared diagnostics, never raises."""

    def description(self, element: etree._Element) -> str:
        for child in element:
            if local_name(child) == "description":
                return " ".join((child.text or "").split())
        return element.get("description", "")

    def first(
        self,
        element: etree._Element,
        tag: str,
        build: Callable[[FileBuilder, etree._Element], _T],
    ) -> _T | None:
        """The first child `<tag>`, built; None when there is none."""
        for name, child in self.reader.children(element):
            if name == tag:
                return build(self, child)
        return None

    def condition(self, element: etree._Element, attr: str) -> Condition | None:
        text = element.get(attr)
        if text is None:
            return None
        try:
            parsed = parse_condition(text)
        except ConditionSyntaxError as exc:
            self.reader.report(
                element,
                f"bad condition in '{attr}': {exc.message} (at character {exc.position + 1})",
                "see ZSPEC.md section 5 for the condition grammar",
                attr=attr,
            )
            return None
        paths = parsed.data_paths()
        self.need_read(paths, element)
        for path in paths:
            if path.legacy:
                self._legacy_path(element, attr, path)
        for path, op in null_tests(parsed):
            self._null_test(element, attr, path, op)
        return parsed

    def _null_test(self, element: etree._Element, attr: str, path: DataPath, op: str) -> None:
        """`x != null` / `x == null` read strictly (ZSPEC.md section 5): lint says what they
        mean where `x` is absent, and names the form that asks what was likely meant."""
        if op == "!=":
            message = f"'{path} != null' also holds where {path} is absent"
            hint = f"to ask whether it is given, write the path alone: {path}"
        else:
            message = f"'{path} == null' holds only where {path} is present and null"
            hint = f"to ask whether it is absent or null, write !{path}"
        self.reader.report(element, f"in '{attr}': {message}", hint, attr=attr, severity="warning")

    def _legacy_path(self, element: etree._Element, attr: str, path: DataPath) -> None:
        """apitest's own `HEADER:`/`PARAM:` still read; lint names the official form."""
        own = f"{'HEADER' if path.source == 'header' else 'PARAM'}:{path.name}"
        self.reader.report(
            element,
            f"'{own}' in '{attr}' is apitest's own form (deprecated)",
            f"write the official data path {path}",
            attr=attr,
            severity="warning",
        )

    def data_path(self, element: etree._Element) -> DataPath | None:
        text = element.get("path")
        if text is None:
            return None
        hint = "write it as resource:$.jsonpath, e.g. trips:$.trip_id"
        try:
            parsed = parse_data_path(text.strip())
        except ConditionSyntaxError as exc:
            self.reader.report(
                element, f"bad data path {clip(text)!r}: {exc.message}", hint, attr="path"
            )
            return None
        resource = parsed.records_of
        if resource is None:
            self.reader.report(
                element, f"data path {clip(text)!r} must name a resource", hint, attr="path"
            )
            return None
        self.need(resource, self.loc(element))
        self.need_read(parsed.nested(), element)  # resources read inside `{condition}` filters
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
            self.reader.report(
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
            self.reader.report(
                element,
                f"bad scope list in '{attr}': {exc.message}",
                'e.g. include-for="Request[create,update],Response[read]"',
                attr=attr,
            )
            return default

    def checked_regex(self, element: etree._Element, regex: str, attr: str = "regex") -> str | None:
        """`regex` if it compiles and is of a sane length; else None, with the fault reported."""
        if len(regex) > MAX_REGEX:
            self.reader.report(
                element,
                f"{attr} is {len(regex):,} characters long, over the limit of {MAX_REGEX:,}",
                "a property pattern this long is a mistake or an attack: shorten it",
                attr=attr,
            )
            return None
        problem = regex_error(regex)
        if problem is not None:
            self.reader.report(element, f"bad {attr} {clip(regex)!r}: {problem}", attr=attr)
            return None
        return regex
