"""The official ZEST data-path forms jsonpath-ng cannot read, turned into what it can.

The data-path page (`/en/zest/help/zest-specification-file/data-path`) lists the steps `$`,
`.property`, `{condition}` (a filter on the preceding property), `[n]` and `[start_index - n]`,
and says `REQUEST:` holds url, headers, params and body while `RESPONSE:` holds headers and
body. jsonpath-ng reads `$`, `.property` and `[n]` itself; this module does the rest when the
spec loads, so a bad path is a load error with file:line:

- `split_section` takes the first step after `REQUEST:`/`RESPONSE:` as the section it names;
  any other first step addresses the body (the content/error page writes `RESPONSE:$.status`
  for the body's `status`, and apitest always read it so).
- `compile_steps` rewrites `[s - n]` to the slice `[s:s+n]` and cuts the path at each
  `{condition}`; the pieces between are jsonpath-ng paths, the conditions are parsed by the
  caller (the condition parser lives in `_syntax.py`, which imports this module).
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Literal

from apitest.zspec.conditions._lexer import ConditionSyntaxError, compile_jsonpath, shorten

Section = Literal["body", "headers", "params", "url"]

SECTIONS: dict[str, tuple[str, ...]] = {
    "request": ("url", "headers", "params", "body"),
    "response": ("headers", "body"),
}
"""The sections the data-path page lists for each variable, in its order."""

_FIRST_STEP = re.compile(r"\$(?:\.([A-Za-z_]\w*)|\[\s*(['\"])([A-Za-z_]\w*)\2\s*\])(?=$|[.\[{])")
_NAME_STEP = re.compile(r"\.([A-Za-z0-9_\-]+)|\[\s*'([^']+)'\s*\]|\[\s*\"([^\"]+)\"\s*\]")
_RANGE = re.compile(r"\[\s*(\d{1,9})\s*-\s*(\d{1,9})\s*\]")
_WHAT = {"headers": ("header", "x-request-id"), "params": ("query parameter", "page")}


def split_section(variable: str, path: str, position: int) -> tuple[Section, str, str | None]:
    """(section, body path or "", header/param name) for `REQUEST:`/`RESPONSE:` + `path`.

    `RESPONSE:$.body.a` and `RESPONSE:$.a` both give ("body", "$.a", None): the first step is
    a section only when it names one the variable has; to reach a body member called `headers`
    write `RESPONSE:$.body.headers`.
    """
    match = _FIRST_STEP.match(path)
    step = match and (match.group(1) or match.group(3))
    if not match or step not in SECTIONS[variable]:
        return "body", path, None
    section: Section = step  # type: ignore[assignment]  # checked against SECTIONS above
    rest = path[match.end() :]
    prefix = f"{variable.upper()}:$.{section}"
    if section == "body":
        return "body", "$" + rest, None
    if section == "url":
        if rest:
            raise ConditionSyntaxError(
                f"expected the end of the path after '{prefix}' but found {shorten(rest)}; "
                "the URL is a string",
                position + match.end(),
            )
        return "url", "", None
    named = _NAME_STEP.fullmatch(rest)
    if named is None:
        what, example = _WHAT[section]
        raise ConditionSyntaxError(
            f"expected one {what} name after '{prefix}' (e.g. {prefix}.{example}) "
            f"but found {shorten(rest) if rest else 'end of path'}",
            position + match.end(),
        )
    return section, "", named.group(1) or named.group(2) or named.group(3)


@dataclass(frozen=True)
class Steps:
    """A data path with `{condition}` filters: jsonpath-ng pieces and filters, in order.

    `pieces` holds compiled jsonpath-ng paths (with the plain member chain of each, or None)
    and filters (whatever the caller's `parse_filter` returned: a condition with `evaluate`)."""

    pieces: tuple[tuple[str, Any, Any], ...]
    """("path" | "pick", compiled, member chain or None) or ("filter", condition, None)."""


FilterParser = Callable[[str, int], Any]
FieldChain = Callable[[Any], "tuple[str, ...] | None"]


def compile_steps(path: str, position: int, parse_filter: FilterParser, chain: FieldChain) -> Any:
    """Compile a `$...` path: a jsonpath-ng expression when it has no `{condition}`, else
    `Steps`. `[s - n]` (n items from index s) becomes the slice `[s:s+n]` either way."""
    pieces = _split(path, position)
    if len(pieces) == 1:
        text, at = pieces[0]
        return compile_jsonpath(text, at)
    compiled: list[tuple[str, Any, Any]] = []
    for index, (text, at) in enumerate(pieces):
        if index % 2:
            compiled.append(("filter", parse_filter(text, at), None))
        elif text != "$":  # a bare `$` between or before filters selects what it is given
            expression = compile_jsonpath(text, at)
            # `{...}[0]`: an index right after a filter picks among the matches
            kind = "pick" if index and text.startswith("$[") else "path"
            compiled.append((kind, expression, chain(expression)))
    return Steps(tuple(compiled))


def _split(path: str, position: int) -> list[tuple[str, int]]:
    """Alternate path pieces and filter texts (with their positions): [path, filter, path, ...].

    Each path piece after the first gets a `$` so jsonpath-ng can read it on its own."""
    out: list[tuple[str, int]] = []
    piece: list[str] = []
    start, i, depth = position, 0, 0
    while i < len(path):
        c = path[i]
        if c in "'\"`":
            end = _quoted_end(path, i)
            piece.append(path[i:end])
            i = end
            continue
        if c == "[" and depth == 0 and (ranged := _RANGE.match(path, i)):
            first, count = int(ranged.group(1)), int(ranged.group(2))
            piece.append(f"[{first}:{first + count}]")
            i = ranged.end()
            continue
        if c == "{" and depth == 0:
            close = _closing_brace(path, i, position)
            out.append(("".join(piece), start))
            inner = path[i + 1 : close]
            if not inner.strip():
                raise ConditionSyntaxError(
                    "expected a condition inside '{}' (e.g. {$.status == 'active'})", position + i
                )
            out.append((inner, position + i + 1))
            piece, start, i = ["$"], position + close + 1, close + 1
            continue
        if c in "([":
            depth += 1
        elif c in ")]" and depth:
            depth -= 1
        piece.append(c)
        i += 1
    out.append(("".join(piece), start))
    return out


def _quoted_end(text: str, start: int) -> int:
    """Index after the string opened at `start` (backslash escapes the quote), or the end."""
    quote, i = text[start], start + 1
    while i < len(text):
        if text[i] == "\\":
            i += 2
        elif text[i] == quote:
            return i + 1
        else:
            i += 1
    return len(text)


def _closing_brace(text: str, start: int, position: int) -> int:
    """Index of the `}` closing the `{` at `start`, past quotes and nested braces."""
    depth, i = 0, start
    while i < len(text):
        c = text[i]
        if c in "'\"`":
            i = _quoted_end(text, i)
            continue
        if c == "{":
            depth += 1
        elif c == "}":
            depth -= 1
            if depth == 0:
                return i
        i += 1
    raise ConditionSyntaxError(
        "expected '}' to close the '{' of this data-path condition but found end of path",
        position + start,
    )


def name_step(name: str) -> str:
    """`.name` when jsonpath-ng reads it as one member, else `['name']` (or `["name"]`)."""
    if re.fullmatch(r"[A-Za-z0-9_\-]+", name):
        return f".{name}"
    return f"['{name}']" if "'" not in name else f'["{name}"]'
