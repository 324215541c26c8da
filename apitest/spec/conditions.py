"""ZSPEC conditions (ZSPEC.md section 5): parse once at load time, evaluate per call.

Conditions gate `<error condition>`, the argument `condition` and `condition-for-*`. Everything
that can be wrong with one (syntax, JSON paths, regex literals, hostile size or nesting) is found
by `parse_condition`, which raises only `ConditionSyntaxError`, so the loader can report it as a
load error with file:line and the run never meets a surprise. Evaluation is total: it never
raises on odd response data, it just finds no match.

Semantics in one place: a comparison holds if ANY value matched on the left (paired with ANY
value matched on the right, if that is a path too) satisfies it; no match makes it false, except
for the negated operators `!=`, `!~` and `not in`, which then hold. Types are strict: a string
never equals a number and a bool never equals an int.

Data paths read the official ZEST forms (the data-path page): `REQUEST:$.url|headers|params|
body...` and `RESPONSE:$.headers|body...` address those parts of the current call (any other
first step addresses the body, as the content/error page's `RESPONSE:$.status` does), and a
`{condition}` step filters the preceding property, its condition seeing the item tested as
`$`, `@` or bare member names (see `_path_steps.py`). apitest's `HEADER:`, `PARAM:` and
`STATUS` stay readable; the first two are deprecated aliases of the official forms.
"""

from __future__ import annotations

import copy
import functools
import operator
import re
from abc import ABC, abstractmethod
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, TypeAlias

from jsonpath_ng import jsonpath as jsonpath_core
from jsonpath_ng.jsonpath import Child, Fields, Root

from apitest.spec._condition_lexer import (
    MAX_DEPTH,
    MAX_TEXT,
    ConditionSyntaxError,
    Lexer,
    Source,
    Token,
    describe,
)
from apitest.spec._path_steps import Steps, compile_steps, name_step, split_section
from apitest.spec.values import REGEX_TIMEOUT_S, runtime_regex

__all__ = [
    "MAX_DEPTH", "MAX_TEXT", "AllOf", "AnyOf", "Comparison", "Condition", "ConditionSyntaxError",
    "DataPath", "EvalContext", "Exists", "Expression", "LiteralValue", "Negation", "Source",
    "parse_condition", "parse_data_path",
]  # fmt: skip

_NEGATED = frozenset({"!=", "!~", "not in"})
_ORDER: dict[str, Callable[[Any, Any], bool]] = {
    ">": operator.gt, ">=": operator.ge, "<": operator.lt, "<=": operator.le,
}  # fmt: skip


def _no_records(name: str) -> Sequence[Any]:
    return ()


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


def _match(compiled: Any, documents: Sequence[Any], fields: tuple[str, ...] | None) -> list[Any]:
    if fields is not None:
        return _match_fields(fields, documents)
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


def _match_fields(fields: tuple[str, ...], documents: Sequence[Any]) -> list[Any]:
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


_NAMED = frozenset({"header", "param", "resource", "request_header"})
_WITH_PATH = frozenset({"response", "request", "resource", "element"})


@dataclass(frozen=True)
class DataPath:
    """Where a value comes from: a body (by JSON path), a header, a parameter, the URL, the
    status, or the Data Manager records of a resource (the loader reads these as dependencies).

    One value per meaning: `RESPONSE:$.headers.X-Id` and apitest's `HEADER:X-Id` are equal,
    and so are `RESPONSE:$.body.a`, `RESPONSE:$.a` and `$.a` (`text` is the body path)."""

    source: Source
    name: str | None  # header/param/resource name, else None
    text: str  # the JSON path into the body or records ("" for header/param/url/status)
    compiled: Any = field(default=None, compare=False, repr=False)
    fields: tuple[str, ...] | None = field(default=None, compare=False, repr=False, init=False)
    """Set when the path is a plain chain of member names (see `field_chain`)."""
    legacy: bool = field(default=False, compare=False, repr=False)
    """Written in apitest's own `HEADER:`/`PARAM:` form (lint names the official one)."""

    def __post_init__(self) -> None:
        named = self.source in _NAMED
        has_path = self.source in _WITH_PATH
        if named != bool(self.name) or has_path != bool(self.text):
            raise ValueError(f"inconsistent DataPath {self.source!r} {self.name!r} {self.text!r}")
        if has_path and self.compiled is None:
            object.__setattr__(self, "compiled", _compile_path(self.text, 0))
        if has_path and type(self.compiled) is not Steps:
            object.__setattr__(self, "fields", field_chain(self.compiled))

    def find(self, ctx: EvalContext) -> list[Any]:
        """Every value this path matches in `ctx`, in document order; [] when nothing does."""
        source = self.source
        if source == "response":
            documents: Sequence[Any] = [ctx.response_body]
        elif source == "resource":
            documents = list(ctx.records(self.name or ""))
        elif source == "request":
            documents = [ctx.request_body]
        elif source == "element":
            documents = [ctx.element]
        else:
            return self._find_value(ctx)
        if type(self.compiled) is Steps:
            return _run_steps(self.compiled, documents, ctx)
        return _match(self.compiled, documents, self.fields)

    def _find_value(self, ctx: EvalContext) -> list[Any]:
        """The values that are not bodies: status, headers, parameters, URL."""
        source = self.source
        if source == "status":
            return [] if ctx.status is None else [ctx.status]
        if source in ("header", "request_header"):
            headers = ctx.headers if source == "header" else (ctx.request_headers or {})
            wanted = (self.name or "").lower()
            return [value for key, value in headers.items() if key.lower() == wanted]
        if source == "url":
            return [] if ctx.url is None else [ctx.url]
        value = ctx.params.get(self.name or "")
        if value is None:
            return []
        return [value] if isinstance(value, str) else list(value)

    @property
    def filtered(self) -> bool:
        """Whether the path has a `{condition}` step (so a record may fail to match it)."""
        return type(self.compiled) is Steps

    def nested(self) -> Iterator[DataPath]:
        """The data paths inside this path's `{condition}` filters that read something other
        than the item tested (e.g. a resource, which then is a dependency)."""
        if type(self.compiled) is not Steps:
            return
        for kind, condition, _ in self.compiled.pieces:
            if kind == "filter":
                yield from (path for path in condition.data_paths() if path.source != "element")

    def __str__(self) -> str:
        source, name = self.source, self.name or ""
        if source == "status":
            return "STATUS"
        if source == "header":
            return f"RESPONSE:$.headers{name_step(name)}"
        if source == "request_header":
            return f"REQUEST:$.headers{name_step(name)}"
        if source == "param":
            return f"REQUEST:$.params{name_step(name)}"
        if source == "url":
            return "REQUEST:$.url"
        if source == "request":
            return f"REQUEST:$.body{self.text[1:]}"
        return f"{name}:{self.text}" if source == "resource" else self.text


def _run_steps(steps: Steps, documents: Sequence[Any], ctx: EvalContext) -> list[Any]:
    """Run a path with `{condition}` filters over `documents`.

    A filter keeps the items of each list it is given whose condition holds (the list's
    elements, as `[?(...)]` would), and keeps any other value only if the condition holds of
    it. An index or slice right after a filter picks among all the items kept."""
    values = list(documents)
    for kind, step, fields in steps.pieces:
        if kind == "filter":
            values = _filter(step, values, ctx)
        elif kind == "pick":
            values = _match(step, [values], fields)
        else:
            values = _match(step, values, fields)
    return values


def _filter(condition: Condition, values: list[Any], ctx: EvalContext) -> list[Any]:
    inner = copy.copy(ctx)
    kept: list[Any] = []
    for value in values:
        for item in value if isinstance(value, list) else (value,):
            inner.element = item
            if condition.evaluate(inner):
                kept.append(item)
    return kept


@dataclass(frozen=True)
class LiteralValue:
    """A constant operand; a list literal is held as a tuple so the node stays hashable."""

    value: Any


Operand: TypeAlias = DataPath | LiteralValue


def _is_number(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


def _strict_equal(a: Any, b: Any) -> bool:
    """JSON equality without Python's coercions ('1' != 1, true != 1); iterative, so deep data
    cannot exhaust the stack."""
    pending = [(a, b)]
    while pending:
        x, y = pending.pop()
        if isinstance(x, bool) or isinstance(y, bool):
            same = isinstance(x, bool) and isinstance(y, bool) and x == y
        elif _is_number(x) or _is_number(y):
            same = _is_number(x) and _is_number(y) and x == y
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


def _member(item: Any, container: Any) -> bool:
    if isinstance(container, list | tuple):
        return any(_strict_equal(item, element) for element in container)
    return isinstance(container, str) and isinstance(item, str) and item in container


def _regex_search(value: Any, pattern: Any) -> bool:
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


class Expression(ABC):
    """A node of a parsed condition."""

    @abstractmethod
    def evaluate(self, ctx: EvalContext) -> bool:
        """Whether the node holds for this call."""

    @abstractmethod
    def paths(self) -> Iterator[DataPath]:
        """The data paths under this node, in the order written."""


@dataclass(frozen=True)
class _Chain(Expression, ABC):
    """An `&&` or `||` chain, kept flat so that long chains cost no recursion."""

    items: tuple[Expression, ...]

    def paths(self) -> Iterator[DataPath]:
        for item in self.items:
            yield from item.paths()


class AnyOf(_Chain):
    """`a || b || ...`."""

    def evaluate(self, ctx: EvalContext) -> bool:
        return any(item.evaluate(ctx) for item in self.items)


class AllOf(_Chain):
    """`a && b && ...`."""

    def evaluate(self, ctx: EvalContext) -> bool:
        return all(item.evaluate(ctx) for item in self.items)


@dataclass(frozen=True)
class Negation(Expression):
    """`!x` / `not x`."""

    inner: Expression

    def evaluate(self, ctx: EvalContext) -> bool:
        return not self.inner.evaluate(ctx)

    def paths(self) -> Iterator[DataPath]:
        return self.inner.paths()


@dataclass(frozen=True)
class Exists(Expression):
    """A lone data path: it matched at least one value that is not null."""

    path: DataPath

    def evaluate(self, ctx: EvalContext) -> bool:
        return any(value is not None for value in self.path.find(ctx))

    def paths(self) -> Iterator[DataPath]:
        yield self.path


@dataclass(frozen=True)
class Comparison(Expression):
    """`left op right`; `pattern` is the regex literal of `=~`/`!~`, compiled at parse time."""

    left: Operand
    op: str
    right: Operand
    pattern: re.Pattern[str] | None = field(default=None, compare=False, repr=False)

    def evaluate(self, ctx: EvalContext) -> bool:
        lefts, rights = (
            side.find(ctx) if isinstance(side, DataPath) else [side.value]
            for side in (self.left, self.right)
        )
        if not lefts or not rights:
            return self.op in _NEGATED
        return any(self._test(a, b) for a in lefts for b in rights)

    def _test(self, a: Any, b: Any) -> bool:
        op = self.op
        if op in ("==", "!="):
            return _strict_equal(a, b) == (op == "==")
        if op in ("=~", "!~"):
            return _regex_search(a, self.pattern or b) == (op == "=~")
        if op in ("in", "not in"):
            return _member(a, b) == (op == "in")
        if op == "contains":
            return _member(b, a)
        comparable = (_is_number(a) and _is_number(b)) or (
            isinstance(a, str) and isinstance(b, str)
        )
        return comparable and _ORDER[op](a, b)

    def paths(self) -> Iterator[DataPath]:
        yield from (side for side in (self.left, self.right) if isinstance(side, DataPath))


@dataclass(frozen=True)
class Condition:
    """A parsed condition: the text as written and the expression tree it stands for."""

    text: str
    root: Expression = field(repr=False)

    def evaluate(self, ctx: EvalContext) -> bool:
        """Whether the condition holds for this call; never raises on odd data."""
        return self.root.evaluate(ctx)

    def data_paths(self) -> tuple[DataPath, ...]:
        """Every distinct data path, in the order written, with those inside `{condition}`
        filters after the path that holds them (the loader takes the `resource` ones as
        dependencies between resources)."""
        return tuple(dict.fromkeys(p for path in self.root.paths() for p in (path, *path.nested())))


class _Parser:
    """Recursive descent over the grammar of ZSPEC.md section 5, with a nesting counter."""

    def __init__(self, text: str, relative: bool = False) -> None:
        self.lexer = Lexer(text, relative)
        self.buffer: list[Token] = []
        self.depth = 0

    def peek(self, ahead: int = 0) -> Token:
        while len(self.buffer) <= ahead:
            self.buffer.append(self.lexer.next_token())
        return self.buffer[ahead]

    def advance(self) -> Token:
        token = self.peek()
        self.buffer.pop(0)
        return token

    def expression(self) -> Expression:
        items = [self.conjunction()]
        while self.peek().kind == "or":
            self.advance()
            items.append(self.conjunction())
        return items[0] if len(items) == 1 else AnyOf(tuple(items))

    def conjunction(self) -> Expression:
        items = [self.unary()]
        while self.peek().kind == "and":
            self.advance()
            items.append(self.unary())
        return items[0] if len(items) == 1 else AllOf(tuple(items))

    def unary(self) -> Expression:
        token = self.peek()
        if token.kind not in ("bang", "not", "lparen"):
            return self.comparison()
        self.advance()
        self.depth += 1
        if self.depth > MAX_DEPTH:
            raise _expected(f"at most {MAX_DEPTH} levels of nesting", token, " nested deeper")
        try:
            if token.kind != "lparen":
                return Negation(self.unary())
            inner = self.expression()
            close = self.advance()
            if close.kind != "rparen":
                raise _expected(f"')' to close the '(' at character {token.pos + 1}", close)
            return inner
        finally:
            self.depth -= 1

    def comparison(self) -> Expression:
        left_token = self.peek()
        left = self.operand("an operand")
        op_token = self.peek()
        op = self.operator()
        if op is None:
            if isinstance(left, DataPath):
                return Exists(left)
            note = "; only a data path may stand alone"
            raise _expected(f"an operator after {describe(left_token)}", op_token, note)
        right_token = self.peek()
        right = self.operand(f"an operand after '{op}'")
        pattern = None
        if isinstance(right, LiteralValue):
            pattern = _check_literal(op, right.value, right_token)
        return Comparison(left, op, right, pattern)

    def operator(self) -> str | None:
        token = self.peek()
        if token.kind in ("op", "in", "contains"):
            self.advance()
            return token.text if token.kind == "op" else token.kind
        if token.kind != "not":
            return None
        following = self.peek(1)
        if following.kind != "in":
            raise _expected("'in' after 'not'", following)
        self.advance()
        self.advance()
        return "not in"

    def operand(self, what: str) -> Operand:
        token = self.peek()
        if token.kind == "path":
            self.advance()
            return _data_path(token)
        if token.kind == "literal":
            self.advance()
            return LiteralValue(token.value)
        if token.kind == "lbracket":
            return LiteralValue(self.list_literal())
        note = "; quote text as 'text'" if token.kind == "word" else ""
        if token.kind == "word" and token.text.upper() == "STATUS":
            note = "; the status code is written STATUS"
        raise _expected(what, token, note)

    def list_literal(self) -> tuple[Any, ...]:
        opening = self.advance()
        items: list[Any] = []
        if self.peek().kind == "rbracket":
            self.advance()
            return ()
        while True:
            token = self.advance()
            if token.kind != "literal":
                raise _expected("a string, number, true, false or null in the list", token)
            items.append(token.value)
            separator = self.advance()
            if separator.kind == "rbracket":
                return tuple(items)
            if separator.kind != "comma":
                raise _expected(
                    f"',' or ']' in the list opened at character {opening.pos + 1}", separator
                )


def _expected(what: str, token: Token, note: str = "") -> ConditionSyntaxError:
    """The one shape of parser message: what was expected, what was found, and where."""
    return ConditionSyntaxError(f"expected {what} but found {describe(token)}{note}", token.pos)


def _check_literal(op: str, value: Any, token: Token) -> re.Pattern[str] | None:
    """Reject literals the operator can never use; compile regex literals now, not per call."""
    if op in ("in", "not in") and not isinstance(value, str | tuple):
        raise _expected(f"a list or a string after '{op}'", token)
    if op not in ("=~", "!~"):
        return None
    if not isinstance(value, str):
        raise _expected(f"a regex string after '{op}'", token)
    try:
        return re.compile(value)
    except Exception as exc:  # re.error, or RecursionError/OverflowError on hostile patterns
        raise _expected(f"a valid regex after '{op}'", token, f" ({exc})") from None


def _data_path(token: Token) -> DataPath:
    """The data path a `path` token stands for: `REQUEST:`/`RESPONSE:` sections resolved
    (see `split_section`), the body path compiled, `{condition}` filters parsed."""
    source, path = token.source, token.path
    if source == "request" or (source == "response" and token.text[0] != "$"):
        section, path, name = split_section(source, path, token.path_pos)
        if section == "url":
            return DataPath("url", None, "")
        if section == "params":
            return DataPath("param", name, "")
        if section == "headers":
            return DataPath("header" if source == "response" else "request_header", name, "")
    if not path:  # HEADER:, PARAM:, STATUS
        return DataPath(source, token.name, "", legacy=source in ("header", "param"))
    position = max(token.pos, token.pos + len(token.text) - len(path))
    return DataPath(source, token.name, path, _compile_path(path, position))


def _compile_path(path: str, position: int) -> Any:
    return compile_steps(path, position, _parse_filter, field_chain)


def _parse_filter(text: str, offset: int) -> Condition:
    """The condition of a data-path filter `{...}`, located in the text around it."""
    try:
        return _parse(text, relative=True)
    except ConditionSyntaxError as exc:
        raise ConditionSyntaxError(exc.message, exc.position + offset) from None


@functools.lru_cache(maxsize=4096)
def parse_condition(text: str) -> Condition:
    """Parse (and compile every JSON path and regex literal of) a condition.

    Raises `ConditionSyntaxError`, and nothing else, for any malformed or hostile text.
    Cached: conditions are immutable and specs repeat the same few (`$.status == 'error'`).
    """
    return _parse(text, relative=False)


@functools.lru_cache(maxsize=4096)
def _parse(text: str, relative: bool) -> Condition:
    parser = _Parser(text, relative)
    root = parser.expression()
    token = parser.peek()
    if token.kind != "end":
        note = "; it closes no '('" if token.kind == "rparen" else ""
        raise _expected("'&&', '||' or end of condition", token, note)
    return Condition(text, root)


@functools.lru_cache(maxsize=4096)
def parse_data_path(text: str) -> DataPath:
    """Parse a string that must be exactly one data path, e.g. `path="trips:$.trip_id"`.

    Surrounding white space is allowed (XML attribute values often carry it).
    """
    parser = _Parser(text)
    token = parser.advance()
    if token.kind != "path":
        raise _expected("a data path such as 'trips:$.trip_id'", token)
    following = parser.peek()
    if following.kind != "end":
        raise _expected("end of data path", following)
    return _data_path(token)
