"""The parsed forms of conditions and data paths, and the one parser that builds them both.

The two grammars recurse (a data path may hold a `{condition}` filter, a condition compares
data paths), and a `DataPath` built by hand compiles its own text, filters included; so the
tree and its parser live together here, above the lexer (`_lexer.py`), the path-step rewriting
(`_path_steps.py`) and the evaluation they call (`_evaluate.py`), none of which imports this.
"""

from __future__ import annotations

import functools
import re
from abc import ABC, abstractmethod
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any, TypeAlias

from apitest.zspec.conditions._evaluate import (
    NEGATED,
    EvalContext,
    bodies,
    compare,
    field_chain,
    find_in,
    plain_values,
)
from apitest.zspec.conditions._lexer import (
    MAX_DEPTH,
    ConditionSyntaxError,
    Kind,
    Lexer,
    Source,
    Token,
    describe,
)
from apitest.zspec.conditions._path_steps import Steps, compile_steps, name_step, split_section

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
        found = bodies(self.source, self.name, ctx)
        if found is None:
            return plain_values(self.source, self.name, ctx)
        return find_in(self.compiled, self.fields, found, ctx)

    @property
    def records_of(self) -> str | None:
        """The resource whose Data Manager records this path reads (`trips:$.trip_id`: trips);
        None for a path into a body, a header, a parameter, the URL or the status."""
        return self.name if self.source == "resource" else None

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


@dataclass(frozen=True)
class LiteralValue:
    """A constant operand; a list literal is held as a tuple so the node stays hashable."""

    value: Any


Operand: TypeAlias = DataPath | LiteralValue


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
            return self.op in NEGATED
        return any(compare(self.op, a, b, self.pattern) for a in lefts for b in rights)

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


def null_tests(condition: Condition) -> Iterator[tuple[DataPath, str]]:
    """Each `path == null` / `path != null` of `condition`, as (path, operator). Read strictly
    (a path that finds nothing is not null), they say less than they seem to: `!= null` also
    holds where the value is absent, `== null` only where it is present and null."""
    pending: list[Expression] = [condition.root]
    while pending:
        node = pending.pop()
        if isinstance(node, _Chain):
            pending.extend(reversed(node.items))
        elif isinstance(node, Negation):
            pending.append(node.inner)
        elif isinstance(node, Comparison) and node.op in ("==", "!="):
            sides = (node.left, node.right)
            path = next((side for side in sides if isinstance(side, DataPath)), None)
            if path is not None and any(
                isinstance(side, LiteralValue) and side.value is None for side in sides
            ):
                yield path, node.op


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
        return self.chain("or", self.conjunction, AnyOf)

    def conjunction(self) -> Expression:
        return self.chain("and", self.unary, AllOf)

    def chain(self, joiner: Kind, item: Callable[[], Expression], node: type[_Chain]) -> Expression:
        """`item (joiner item)*`, kept flat: one item stands for itself, several make `node`."""
        items = [item()]
        while self.peek().kind == joiner:
            self.advance()
            items.append(item())
        return items[0] if len(items) == 1 else node(tuple(items))

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
