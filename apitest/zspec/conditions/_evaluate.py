"""Evaluating parsed conditions and data paths against one call: what a path finds, and how
two values compare.

Everything here is total: odd response data (deep nesting, wrong types, a regex that runs out
of time) finds nothing or compares false, never raises. Types are strict: a string never equals
a number and a bool never equals an int, but for text HTTP carries as text (a header or a query
parameter: `WireText`), which compared with a number or a flag is read as one. The parsed forms
in `_syntax.py` call these; they know nothing of the grammar.
"""

from __future__ import annotations

import copy
import operator
import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Protocol

from jsonpath_ng import jsonpath as jsonpath_core
from jsonpath_ng.jsonpath import Child, Fields, Root

from apitest.zspec.conditions._path_steps import Steps
from apitest.zspec.values import DIGITS, REGEX_TIMEOUT_S, runtime_regex

NEGATED = frozenset({"!=", "!~", "not in"})
"""The operators that hold when a side matches nothing."""
_ORDER: dict[str, Callable[[Any, Any], bool]] = {
    ">": operator.gt, ">=": operator.ge, "<": operator.lt, "<=": operator.le,
}  # fmt: skip


def _no_records(name: str) -> Sequence[Any]:
    return ()


class WireText(str):
    """A header's or a query parameter's value: HTTP has only text there, so `10` sent as
    `?limit=10` or answered as `X-Total-Count: 10` is compared with a body's number as the
    number it stands for (`RESPONSE:$.body.meta.limit != REQUEST:$.params.limit` held on
    every answer of a correct API, 10 against "10"), and `true` with a flag as the flag.
    With text it is the text it is."""

    __slots__ = ()


def _read_as(text: WireText, other: Any) -> Any:
    """`text` as the kind of value `other` is (a number or a flag) where it reads as one;
    else the text, which then equals no number and no flag, as before."""
    if isinstance(other, bool):
        return {"true": True, "false": False}.get(text.strip().lower(), text)
    if is_number(other) and _NUMBER.fullmatch(text):
        return int(text) if DIGITS.fullmatch(text) else float(text)
    return text


_NUMBER = re.compile(r"-?\d+(?:\.\d+)?(?:[eE][-+]?\d+)?")
"""A JSON number as text: what wire text must be to be read as a number."""


def _as_each_other(a: Any, b: Any) -> tuple[Any, Any]:
    """The pair to compare: wire text on one side read as the other side's number or flag."""
    if type(a) is WireText:
        return _read_as(a, b), b
    if type(b) is WireText:
        return a, _read_as(b, a)
    return a, b


@dataclass
class EvalContext:
    """What a condition can see of one call; the runner fills it, tests build it by hand.
    Not frozen: several are made for every call, a frozen dataclass costs five times as much
    to build, and nothing changes one once made."""

    response_body: Any = None
    request_body: Any = None
    headers: Mapping[str, str] = field(default_factory=dict)  # response headers
    params: Mapping[str, str | list[str]] = field(default_factory=dict)
    status: int | None = None
    records: Callable[[str], Sequence[Any]] = _no_records  # Data Manager records of a resource
    request_headers: Mapping[str, str] | None = None  # as built, before the credential is placed
    url: str | None = None  # the request URL, without the query string
    element: Any = None  # the item a data-path `{condition}` is testing


def match_path(
    compiled: Any, documents: Sequence[Any], fields: tuple[str, ...] | None
) -> list[Any]:
    """What a compiled jsonpath-ng path finds in each document, in order; a plain chain of
    member names (`fields`) is followed without jsonpath-ng, which is what most paths are."""
    if fields is not None:
        return match_fields(fields, documents)
    found: list[Any] = []
    for document in documents:
        try:
            found.extend([match.value for match in compiled.find(document)])
        except Exception:  # e.g. RecursionError on deep data: a path that cannot run finds nothing
            continue
    return found


def field_chain(compiled: Any) -> tuple[str, ...] | None:
    """The member names of a path made only of named members (`$.status`, `$.data.id`),
    which is what most conditions are; None for anything else (indices, wildcards, filters,
    descendants), which jsonpath-ng then evaluates."""
    names: list[str] = []
    node = compiled
    while type(node) is Child:
        right = node.right
        if type(right) is not Fields or len(right.fields) != 1 or right.fields[0] == "*":
            return None
        names.append(right.fields[0])
        node = node.left
    if type(node) is not Root or jsonpath_core.auto_id_field is not None:
        return None
    return tuple(reversed(names))


def match_fields(fields: tuple[str, ...], documents: Sequence[Any]) -> list[Any]:
    """What jsonpath-ng finds for a chain of named members, without its match objects: each
    member of an object, nothing where a value is not an object or lacks the member."""
    found: list[Any] = []
    for document in documents:
        value = document
        for name in fields:
            if not isinstance(value, dict) or name not in value:
                break
            value = value[name]
        else:
            found.append(value)
    return found


class Holds(Protocol):
    """What a `{condition}` filter step holds: a parsed condition (see `_syntax.Condition`)."""

    def evaluate(self, ctx: EvalContext) -> bool: ...


def bodies(source: str, name: str | None, ctx: EvalContext) -> Sequence[Any] | None:
    """The documents a body path of `source` reads in `ctx`; None for the sources that are not
    bodies (status, headers, parameters, URL: see `plain_values`)."""
    if source == "response":
        return [ctx.response_body]
    if source == "resource":
        return list(ctx.records(name or ""))
    if source == "request":
        return [ctx.request_body]
    if source == "element":
        return [ctx.element]
    return None


def find_in(
    compiled: Any, fields: tuple[str, ...] | None, documents: Sequence[Any], ctx: EvalContext
) -> list[Any]:
    """Every value a compiled body path (with `{condition}` steps or without) matches."""
    if type(compiled) is Steps:
        return run_steps(compiled, documents, ctx)
    return match_path(compiled, documents, fields)


def plain_values(source: str, name: str | None, ctx: EvalContext) -> list[Any]:
    """The values that are not bodies: status, headers, parameters, URL."""
    if source == "status":
        return [] if ctx.status is None else [ctx.status]
    if source in ("header", "request_header"):
        headers = ctx.headers if source == "header" else (ctx.request_headers or {})
        wanted = (name or "").lower()
        return [WireText(value) for key, value in headers.items() if key.lower() == wanted]
    if source == "url":
        return [] if ctx.url is None else [ctx.url]
    value = ctx.params.get(name or "")
    if value is None:
        return []
    return [WireText(value)] if isinstance(value, str) else [WireText(one) for one in value]


def run_steps(steps: Steps, documents: Sequence[Any], ctx: EvalContext) -> list[Any]:
    """Run a path with `{condition}` filters over `documents`.

    A filter keeps the items of each list it is given whose condition holds (the list's
    elements, as `[?(...)]` would), and keeps any other value only if the condition holds of
    it. An index or slice right after a filter picks among all the items kept."""
    values = list(documents)
    for kind, step, fields in steps.pieces:
        if kind == "filter":
            values = filter_items(step, values, ctx)
        elif kind == "pick":
            values = match_path(step, [values], fields)
        else:
            values = match_path(step, values, fields)
    return values


def filter_items(condition: Holds, values: list[Any], ctx: EvalContext) -> list[Any]:
    inner = copy.copy(ctx)
    kept: list[Any] = []
    for value in values:
        for item in value if isinstance(value, list) else (value,):
            inner.element = item
            if condition.evaluate(inner):
                kept.append(item)
    return kept


def is_number(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


def strict_equal(a: Any, b: Any) -> bool:
    """JSON equality without Python's coercions ('1' != 1, true != 1), but for `WireText`;
    iterative, so deep data cannot exhaust the stack."""
    pending = [_as_each_other(a, b)]
    while pending:
        x, y = pending.pop()
        if isinstance(x, bool) or isinstance(y, bool):
            same = isinstance(x, bool) and isinstance(y, bool) and x == y
        elif is_number(x) or is_number(y):
            same = is_number(x) and is_number(y) and x == y
        elif isinstance(x, list | tuple) and isinstance(y, list | tuple):
            same = len(x) == len(y)
            pending.extend(zip(x, y, strict=False))
        elif isinstance(x, Mapping) and isinstance(y, Mapping):
            same = x.keys() == y.keys()
            if same:
                pending.extend((x[key], y[key]) for key in x)
        else:
            same = (x is None and y is None) or (
                isinstance(x, str) and isinstance(y, str) and x == y
            )
        if not same:
            return False
    return True


def member(item: Any, container: Any) -> bool:
    if isinstance(container, list | tuple):
        return any(strict_equal(item, element) for element in container)
    return isinstance(container, str) and isinstance(item, str) and item in container


def regex_search(value: Any, pattern: Any) -> bool:
    """`=~`: a search with the `regex` engine and a time bound, since the value comes from
    the API under test; a pattern that runs out of time does not match."""
    if not isinstance(value, str):
        return False
    source = pattern.pattern if isinstance(pattern, re.Pattern) else pattern
    if not isinstance(source, str):
        return False
    compiled = runtime_regex(source)
    if compiled is None:
        return False
    try:
        return compiled.search(value, timeout=REGEX_TIMEOUT_S) is not None
    except TimeoutError:
        return False


def compare(op: str, a: Any, b: Any, pattern: re.Pattern[str] | None) -> bool:
    """Whether `a op b` holds for one pair of values; `pattern` is a regex literal compiled
    at parse time (else `b` is the pattern)."""
    if op in ("==", "!="):
        return strict_equal(a, b) == (op == "==")
    if op in ("=~", "!~"):
        return regex_search(a, pattern or b) == (op == "=~")
    if op in ("in", "not in"):
        return member(a, b) == (op == "in")
    if op == "contains":
        return member(b, a)
    a, b = _as_each_other(a, b)
    comparable = (is_number(a) and is_number(b)) or (isinstance(a, str) and isinstance(b, str))
    return comparable and _ORDER[op](a, b)
