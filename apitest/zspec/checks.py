"""Checks over a built resource: the faults that only show once references are resolved.

These run at every load, not only under `apitest lint`: a spec with two operations of one name
or a URL variable no argument fills cannot be run correctly either.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator, Mapping
from typing import Any

from apitest.case_kinds import NEGATIVE_KINDS
from apitest.errors import SpecError, SpecReferenceError, SpecStructureError, SpecValueError, clip
from apitest.zspec.diagnostics import Diagnostic, Diagnostics, Severity
from apitest.zspec.model import (
    Argument,
    Bounds,
    Location,
    Operation,
    Property,
    Resource,
    Structure,
)
from apitest.zspec.reader import SourceFile
from apitest.zspec.scopes import CATEGORIES
from apitest.zspec.urls import url_variables
from apitest.zspec.values import generation_pattern, runtime_regex


class Reporter:
    """Adds diagnostics located by model `Location` plus the tag or attribute to point at."""

    def __init__(self, sources: Mapping[str, SourceFile], diagnostics: Diagnostics) -> None:
        self.sources = sources
        self.diagnostics = diagnostics

    def add(
        self,
        severity: Severity,
        loc: Location,
        tag: str,
        message: str,
        hint: str,
        kind: type[SpecError],
        attr: str | None = None,
    ) -> None:
        source = self.sources.get(loc.file)
        line, col = source.locate(loc.line, tag, attr) if source else (loc.line, 1)
        self.diagnostics.add(Diagnostic(severity, loc.file, line, col, message, hint, kind))


def check_resource(
    resource: Resource, sources: Mapping[str, SourceFile], diagnostics: Diagnostics
) -> None:
    """Every model-level check of one resource."""
    report = Reporter(sources, diagnostics)
    _check_operation_names(resource, report)
    sent_anyway = _sent_anyway(resource)
    for op in resource.operations:
        _check_path_variables(op, report)
        _check_argument_partners(op, report)
        _check_responses(op, report)
        _check_case_names(op, report)
        _check_argument_conditions(op, sent_anyway, report)
        if op.auto_callback_get and op.category != "read":
            report.add(
                "warning",
                op.loc,
                "operation",
                f"auto-callback-get on '{op.name}', a {op.category} operation, is ignored",
                "only a read operation can verify writes",
                SpecValueError,
                "auto-callback-get",
            )
    seen: set[int] = set()
    for prop in all_properties(resource, seen):
        _check_values(prop, report)
        _check_required_scopes(prop, report)
        if prop.invalid_value == "map-default" and prop.default_value is None:
            report.add(
                "warning",
                prop.loc,
                "property",
                'invalid-value="map-default" without a default-value maps to nothing',
                "add the default-value the server answers an invalid value with",
                SpecValueError,
                "invalid-value",
            )
    _check_test_dependencies(resource, report)
    _check_extraction_paths(resource, report)


def _check_operation_names(resource: Resource, report: Reporter) -> None:
    counts = Counter(op.name for op in resource.operations)
    seen: set[str] = set()
    for op in resource.operations:
        if counts[op.name] > 1 and op.name in seen:
            report.add(
                "error",
                op.loc,
                "operation",
                f"duplicate operation name '{op.name}' in resource '{resource.name}'",
                "operation names must be unique within a resource",
                SpecStructureError,
                "name",
            )
        seen.add(op.name)


def _check_path_variables(op: Operation, report: Reporter) -> None:
    in_path = set(url_variables(op.url_path))
    declared = {arg.name for arg in op.arguments if arg.location == "variable"}
    for name in sorted(in_path - declared):
        report.add(
            "error",
            op.loc,
            "operation",
            f"URL path '{op.url_path}' has {{{name}}} but '{op.name}' declares no argument for it",
            f'add <argument name="{name}" location="variable" required="true">',
            SpecReferenceError,
        )
    for arg in op.arguments:
        if arg.location == "variable" and arg.name not in in_path:
            report.add(
                "warning",
                arg.loc,
                "argument",
                f"argument '{arg.name}' is a URL variable, but '{op.url_path}' lacks it",
                "add it to the <url path> or change its location",
                SpecReferenceError,
                "name",
            )


def _check_argument_partners(op: Operation, report: Reporter) -> None:
    """`concurrent` / `non-concurrent` must name other query or header arguments of the same
    operation; a name that does not is ignored by the cases, so it is said here."""
    by_name = {arg.name: arg for arg in op.arguments}
    for arg in op.arguments:
        for attr, names in (("concurrent", arg.concurrent), ("non-concurrent", arg.non_concurrent)):
            for name in names:
                problem = _partner_problem(arg, by_name.get(name), name, attr)
                if problem:
                    message, hint = problem
                    kind = SpecReferenceError
                    report.add("warning", arg.loc, "argument", message, hint, kind, attr)


def _partner_problem(
    arg: Argument, partner: Argument | None, name: str, attr: str
) -> tuple[str, str] | None:
    where = f"{attr} of argument '{arg.name}'"
    if partner is None:
        hint = f'declare <argument name="{name}"> in the operation or remove it from {attr}'
        return f"{where} names '{name}', which is no argument of this operation", hint
    if partner is arg or name == arg.name:
        return f"{where} names the argument itself", f"remove '{name}' from {attr}"
    if "variable" in (arg.location, partner.location):
        return (
            f"{where} names '{name}', but a URL variable is always sent: ignored",
            "concurrent and non-concurrent relate query parameters and headers",
        )
    if attr == "concurrent" and name in arg.non_concurrent:
        return (
            f"argument '{arg.name}' names '{name}' as both concurrent and non-concurrent",
            "keep it in one of the two lists",
        )
    if attr == "non-concurrent" and arg.required and partner.required:
        message = f"required arguments '{arg.name}' and '{name}' are non-concurrent: no valid call"
        return message, f"make one of them optional or remove '{name}' from {attr}"
    return None


def _check_argument_conditions(op: Operation, sent_anyway: set[str], report: Reporter) -> None:
    """An argument's `condition` that reads a query param the operation does not declare
    (`REQUEST:$.params.srot`) finds nothing, so it never holds where it compares, and the
    argument was never sent, nor any case of it made, without a word. (Headers are left be:
    the run sends some the spec does not list as arguments, its token's and the body's.)"""
    params = {arg.name for arg in op.arguments if arg.location == "param"} | sent_anyway
    for arg in op.arguments:
        paths = arg.condition.data_paths() if arg.condition is not None else ()
        for name in [p.name or "" for p in paths if p.source == "param" and p.name not in params]:
            report.add(
                "warning",
                arg.loc,
                "argument",
                f"the condition of argument '{arg.name}' reads the param '{clip(name)}', which "
                f"'{op.name}' does not declare: the run never sends it, so the condition finds "
                "nothing there",
                f"name a param of this operation ({', '.join(sorted(params)) or 'none'})",
                SpecReferenceError,
                "condition",
            )


def _sent_anyway(resource: Resource) -> set[str]:
    """Query params a call may carry that no argument declares: an `<environment>`'s (with
    `--env`) and a token's sent as a param."""
    names = {
        env.name
        for server in resource.servers
        for env in server.environments
        if env.location == "param" and env.name
    }
    auths = [resource.authentication, *(op.authentication for op in resource.operations)]
    names.update(a.name for a in auths if a is not None and not a.in_header)
    return names


def _check_case_names(op: Operation, report: Reporter) -> None:
    """`auto-skip-cases` and `structure@cases` name negative cases; a name that is none (a
    typo, "Mandatory Prop") is matched by no case, so nothing is skipped, or the structure
    judges no answer, without a word: said here."""
    known = ", ".join(NEGATIVE_KINDS)
    skip_hint = f"write a case kind ({known}) or a case's whole name as the reports show it"
    # (name, whether only a kind will do, where, tag, attribute, what names it, what a typo does)
    named: list[tuple[str, bool, Location, str, str, str, str]] = [
        (name, False, op.loc, "operation", "auto-skip-cases",
         f"auto-skip-cases of '{op.name}' names '{clip(name)}'", "it skips nothing")
        for name in op.auto_skip_cases
    ] + [
        (name, True, structure.loc, "structure", "cases", f"cases names '{clip(name)}'",
         f"the structure is bound to none (in the answer {response.status} of '{op.name}')")
        for response in op.responses
        for structure in (content.structure for content in response.contents)
        if structure is not None
        for name in structure.cases
    ]  # fmt: skip
    for name, whole, loc, tag, attr, said, effect in named:
        if not _names_a_case(name, whole):
            hint = f"write case kinds: {known}" if whole else skip_hint
            message = f"{said}, which is no negative case: {effect}"
            report.add("warning", loc, tag, message, hint, SpecReferenceError, attr)


def _names_a_case(name: str, whole: bool) -> bool:
    """Whether `name` is a negative case kind (any case), or with `whole` false also starts
    with one, as a case's whole name does ("Mandatory Property trips[0].trip_name")."""
    text = " ".join(name.split()).lower()
    return any(
        text == kind.lower() or (not whole and text.startswith(kind.lower() + " "))
        for kind in NEGATIVE_KINDS
    )


def _check_responses(op: Operation, report: Reporter) -> None:
    if not op.success_responses:
        report.add(
            "error",
            op.loc,
            "operation",
            f"operation '{op.name}' declares no 2xx response, so no call of it can pass",
            'add <response status="200"> (or the success status the API gives)',
            SpecStructureError,
        )
    statuses = Counter(resp.status for resp in op.responses)
    for resp in op.responses:
        if statuses[resp.status] > 1:
            statuses[resp.status] = 0
            report.add(
                "warning",
                resp.loc,
                "response",
                f"status {resp.status} is declared more than once in '{op.name}'",
                "keep one <response> per status",
                SpecStructureError,
                "status",
            )


def _check_required_scopes(prop: Property, report: Reporter) -> None:
    """`required-for` a scope `include-for` leaves out: the body built for it leaves the
    property out (include-for decides what a body carries), so a correct API refused the
    run's own positive call, for a reason no message named. `required-for="all"` reads as
    "wherever it is included", and is left be."""
    if prop.required_for.text.strip().lower() == "all":
        return
    left_out = [
        f"{direction.capitalize()}[{category}]"
        for direction, required, included in (
            ("request", prop.required_for.request, prop.include_for.request),
            ("response", prop.required_for.response, prop.include_for.response),
        )
        for category in CATEGORIES
        if category in required and category not in included
    ]
    if left_out:
        report.add(
            "warning",
            prop.loc,
            "property",
            f"required-for names {', '.join(left_out)}, which include-for "
            f"({prop.include_for.text or 'its default'}) leaves out: no body of that scope "
            "carries the property",
            "add the scopes to include-for, or take them out of required-for",
            SpecValueError,
            "required-for",
        )


def _check_values(prop: Property, report: Reporter) -> None:
    """`values` must satisfy the property's own regex and length; examples should too."""
    pattern = runtime_regex(prop.regex) if prop.regex else None
    shown_regex = clip(prop.regex or "")
    for value in prop.values:
        if pattern and not pattern.fullmatch(value):
            report.add(
                "error",
                prop.loc,
                "property",
                f"value {clip(value)!r} in 'values' does not match regex {shown_regex!r}",
                "fix the value or the regex",
                SpecValueError,
                "values",
            )
        if prop.length and not prop.length.contains(len(value)):
            report.add(
                "error",
                prop.loc,
                "property",
                f"value {clip(value)!r} in 'values' breaks length {_bounds(prop.length)}",
                "fix the value or the length",
                SpecValueError,
                "values",
            )
    example = prop.example_value
    if (
        pattern
        and example is None
        and not prop.values
        and generation_pattern(prop.regex or "") is None
    ):
        report.add(
            "warning",
            prop.loc,
            "property",
            f"apitest cannot make values that match regex {shown_regex!r} (a class it has no "
            "sample of, such as a negated one inside brackets)",
            "give the property an example-value that matches it, or requests may be refused",
            SpecValueError,
            "regex",
        )
    broken = _example_breaks(prop, pattern) if example is not None else ""
    if broken:
        report.add(
            "warning",
            prop.loc,
            "property",
            f"example-value {clip(example or '')!r} {broken}",
            "generated requests use example-value first: make it valid",
            SpecValueError,
            "example-value",
        )
    default = prop.default_value
    if default is not None and prop.values and default not in prop.values:
        report.add(
            "warning",
            prop.loc,
            "property",
            f"default-value {clip(default)!r} is not one of the 'values'",
            "add it to values",
            SpecValueError,
            "default-value",
        )


def _example_breaks(prop: Property, pattern: Any) -> str:
    """Which of its own property's rules the example breaks ("" where none): a positive call
    sends the example as it is, so one too long, out of range or outside `values` had a
    correct API refuse the run's own positive case."""
    example = prop.example_value or ""
    if pattern and not pattern.fullmatch(example):
        return f"does not match regex {clip(prop.regex or '')!r}"
    if prop.values and prop.extra_value == "deny" and example not in prop.values:
        return "is not one of the 'values'"
    length = prop.length if prop.type in ("string", "long_string") else None
    if length is not None and not length.contains(len(example)):
        return f"breaks length {_bounds(length)}"
    if prop.type in ("integer", "long", "double") and prop.range:
        try:
            number = float(example)
        except ValueError:
            return ""
        if not prop.range.contains(number):
            return f"is outside range {_bounds(prop.range)}"
    return ""


def _bounds(bounds: Bounds | None) -> str:
    """A `length` or `range` as written: `min,max`, an open end left empty."""
    if bounds is None:
        return ""
    low = "" if bounds.min is None else f"{bounds.min:g}"
    high = "" if bounds.max is None else f"{bounds.max:g}"
    return f"{low},{high}"


def _check_test_dependencies(resource: Resource, report: Reporter) -> None:
    by_category: dict[str, list[Operation]] = {}
    for op in resource.operations:
        if op.auto_test_dependency:
            by_category.setdefault(op.category, []).append(op)
    for category, ops in by_category.items():
        for op in ops[1:]:
            report.add(
                "warning",
                op.loc,
                "operation",
                f"more than one {category} operation has auto-test-dependency; "
                f"'{ops[0].name}' is used",
                "mark one operation per category",
                SpecValueError,
                "auto-test-dependency",
            )


def all_properties(resource: Resource, seen: set[int]) -> Iterator[Property]:
    """Every property in the resource once: components, bodies, responses and arguments."""
    structures: list[Structure | None] = list(resource.components.structures.values())
    for op in resource.operations:
        contents = [c for r in op.responses for c in r.contents]
        if op.request_body:
            contents.extend(op.request_body.contents)
        contents.extend(a.content for a in op.arguments if a.content)
        structures.extend(c.structure for c in contents)
        for group in (c.structure_group for c in contents):
            if group:
                structures.extend(group.structures)
    for structure in structures:
        yield from _walk(structure, seen)


def _walk(structure: Structure | None, seen: set[int]) -> Iterator[Property]:
    if structure is None or id(structure) in seen:
        return
    seen.add(id(structure))
    for prop in structure.properties:
        if id(prop) not in seen:
            seen.add(id(prop))
            yield prop
        yield from _walk(prop.structure, seen)
        if prop.structure_group:
            for member in prop.structure_group.structures:
                yield from _walk(member, seen)


def _check_extraction_paths(resource: Resource, report: Reporter) -> None:
    """apitest's older `data-extraction-path="$.trips[*]"` (each match one record) still works,
    but ZEST's form names the array itself (`$.trips`, each element a record): say so, once per
    path-config, resource level and content level alike."""
    config = resource.resource_config
    found = [config.path_config] if config is not None else []
    found += [
        content.path_config
        for op in resource.operations
        for response in op.responses
        for content in response.contents
    ]
    seen: set[tuple[str, int]] = set()
    for path_config in found:
        path = path_config.data_extraction_path if path_config is not None else None
        text = path.text.strip() if path is not None else ""
        if path_config is None or not text.endswith("[*]"):
            continue
        if (path_config.loc.file, path_config.loc.line) in seen:
            continue  # a component's content, met again in each operation using it
        seen.add((path_config.loc.file, path_config.loc.line))
        array = text[: -len("[*]")].rstrip() or "$"
        report.add(
            "warning",
            path_config.loc,
            "path-config",
            f'data-extraction-path="{text}" is a deprecated alias (still read: each match is '
            "one record)",
            f'write "{array}", the array itself (ZEST\'s form): each element is one record',
            SpecValueError,
            "data-extraction-path",
        )
