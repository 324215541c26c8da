"""Declared response headers: ZEST's `<response>` holds `<argument location="header">` children
for the headers of that answer. A required one must come; one that comes must fit its value
property (type, values, regex, length, range), read from the header's text."""

from __future__ import annotations

from collections.abc import Mapping

from apitest.spec.model import Property, Response
from apitest.verify import value_checks

_NUMBERS = {"integer": int, "long": int, "double": float}


def header_problems(response: Response, headers: Mapping[str, str]) -> list[str]:
    """One line per declared header the answer breaks, in declaration order; [] when none."""
    if not response.arguments:
        return []
    found = {key.lower(): value for key, value in headers.items()}
    problems: list[str] = []
    for arg in response.arguments:
        if arg.location != "header":
            continue
        text = found.get(arg.name.lower())
        if text is None:
            if arg.required:
                problems.append(f"header {arg.name}: expected present (required), got absent")
            continue
        prop = arg.value_property
        if prop is not None:
            problems += [
                f"header {arg.name}: expected {w}, got {g}" for w, g in _misfits(text, prop)
            ]
    return problems


def _misfits(text: str, prop: Property) -> list[value_checks.Problem]:
    kind = _NUMBERS.get(prop.type)
    if kind is not None:
        try:
            number: int | float = kind(text.strip())
        except ValueError:
            return [(prop.type, value_checks.describe(text))]
        found = [
            value_checks.values_problem(number, prop, "response"),
            *value_checks.number_problems(number, prop),
        ]
    else:
        found = [
            value_checks.values_problem(text, prop, "response"),
            value_checks.regex_problem(text, prop),
            value_checks.length_problem(text, prop),
        ]
    return [problem for problem in found if problem is not None]
