"""Declared response headers: ZEST's `<response>` holds `<argument location="header">` children
for the headers of that answer. A required one must come; one that comes must fit its value
property (type, values, regex, length, range), read from the header's text."""

from __future__ import annotations

from collections.abc import Mapping

from apitest.verify import value_checks
from apitest.zspec.model import Response


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
            misfits = value_checks.text_problems(text, prop)
            problems += [f"header {arg.name}: expected {w}, got {g}" for w, g in misfits]
    return problems
