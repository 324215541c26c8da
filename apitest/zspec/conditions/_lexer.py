"""Tokenizer for ZSPEC conditions (ZSPEC.md section 5).

Kept apart from the parser in `_syntax.py` so that each stays small enough to review. The
lexer is a hand-written scanner rather than a set of regexes over the whole string because a
JSON path may itself hold operators and spaces (`$.a[?(@.b == 'x y')]`): only a scanner that
tracks bracket depth and quoted strings can tell where the path ends. Tokens are produced one at
a time so that the first error by position is the one reported.
"""

from __future__ import annotations

import functools
import math
import re
from dataclasses import dataclass
from typing import Any, Literal

from jsonpath_ng.ext.parser import parse as _jsonpath_parse

from apitest.errors import clip

MAX_TEXT = 10_000
"""Longest condition accepted: hostile specs must fail fast, not grind."""

MAX_DEPTH = 64
"""Deepest nesting of `(`, `!`, `not` (and of brackets inside a JSON path) accepted."""

Source = Literal[
    "response", "request", "header", "param", "status", "resource", "request_header", "url",
    "element",
]  # fmt: skip
"""Where a data path reads from (see `DataPath` in `_syntax.py`); `element` is the item a
data-path `{condition}` is testing."""

Kind = Literal[
    "op", "bang", "not", "and", "or", "in", "contains", "lparen", "rparen", "lbracket",
    "rbracket", "comma", "literal", "word", "path", "end",
]  # fmt: skip

_DIGITS = frozenset("0123456789")
_LETTERS = frozenset("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz")
_IDENT_START = _LETTERS | {"_"}
_IDENT_CHARS = _IDENT_START | _DIGITS | {".", "-"}
# RFC 9110 `tchar`: the characters of a header name.
_NAME_CHARS = _LETTERS | _DIGITS | frozenset("!#$%&'*+.^_`|~-")
# Two-character operators that end a header/parameter name although their characters are tchars,
# so that `HEADER:X-Count!=5` reads as a comparison rather than a header named `X-Count!`.
_NAME_STOPS = ("!=", "!~", "&&", "||")
# Characters that end a JSON path at bracket depth 0.
_PATH_STOPS = frozenset("=!<>~&|")
_QUOTES = frozenset("'\"`")
_NUMBER = re.compile(r"-?\d+(?:\.\d+)?(?:[eE][+-]?\d+)?", re.ASCII)
_KEYWORDS: dict[str, tuple[Kind, Any]] = {
    "or": ("or", None),
    "and": ("and", None),
    "not": ("not", None),
    "in": ("in", None),
    "contains": ("contains", None),
    "true": ("literal", True),
    "false": ("literal", False),
    "null": ("literal", None),
}
_SYMBOLS: tuple[tuple[str, Kind], ...] = (
    ("&&", "and"), ("||", "or"), ("==", "op"), ("!=", "op"), (">=", "op"), ("<=", "op"),
    ("=~", "op"), ("!~", "op"), (">", "op"), ("<", "op"), ("!", "bang"), ("(", "lparen"),
    (")", "rparen"), ("[", "lbracket"), ("]", "rbracket"), (",", "comma"),
)  # fmt: skip
_HINTS = {"=": "; compare with '=='", "&": "; use '&&'", "|": "; use '||'"}


class ConditionSyntaxError(ValueError):
    """A condition (or data path) that cannot be parsed.

    `position` is the 0-based character offset into the condition text, so the loader can turn
    it into file:line:column; `message` says what was expected and what was found. Where text
    meant for people names a character (in `message` and `str()`), it counts from 1, as editors do.
    """

    def __init__(self, message: str, position: int) -> None:
        super().__init__(f"{message} (at character {position + 1})")
        self.message = message
        self.position = position


@dataclass(frozen=True)
class Token:
    """One lexical unit; `path` tokens carry their prefix split out so the parser need not."""

    kind: Kind
    text: str
    pos: int
    value: Any = None
    source: Source = "response"
    name: str | None = None
    path: str = ""
    """The `$...` path after any prefix (a bare member inside `{...}` comes as `$.member`)."""
    path_pos: int = 0  # where `path` starts in the text, for messages


def shorten(text: str, limit: int = 40) -> str:
    """Quote a piece of the condition for a message, cut short so messages stay one line."""
    return f"'{clip(text, limit)}'"


@functools.lru_cache(maxsize=4096)
def _compiled(path: str) -> Any:
    """jsonpath-ng rebuilds its parser for every call; specs repeat the same few paths."""
    return _jsonpath_parse(path)


def compile_jsonpath(path: str, position: int) -> Any:
    """Compile with jsonpath-ng's ext dialect, turning any failure into a located syntax error.

    Done as the path is scanned, so a bad path is a load error, never a runtime surprise.
    """
    try:
        return _compiled(path)
    except Exception as exc:  # jsonpath-ng raises lexer, parser and recursion errors alike
        detail = " ".join(str(exc).split()) or type(exc).__name__
        raise ConditionSyntaxError(
            f"expected a valid JSON path but found {shorten(path)} (jsonpath-ng: {detail})",
            position,
        ) from None


def describe(token: Token) -> str:
    """Say what was found, for 'expected X but found Y' messages."""
    if token.kind == "end":
        return "end of condition"
    if token.text[:1] in ("'", '"'):  # a string literal already carries its quotes
        return token.text if len(token.text) <= 40 else token.text[:37] + "..."
    return shorten(token.text)


class Lexer:
    """Scans a condition into tokens on demand (`next_token`).

    `relative` is for the condition of a data-path filter `{...}`: there `$...`, `@...` and a
    bare member name (`status == 'active'`) address the item being tested (source `element`).
    """

    def __init__(self, text: str, relative: bool = False) -> None:
        if len(text) > MAX_TEXT:  # checked before any scanning, so hostile specs fail fast
            raise ConditionSyntaxError(
                f"expected at most {MAX_TEXT} characters but found {len(text)}", MAX_TEXT
            )
        self.text = text
        self.i = 0
        self.relative = relative

    def _found(self, pos: int) -> str:
        return "end of condition" if pos >= len(self.text) else shorten(self.text[pos])

    def next_token(self) -> Token:
        """Return the next token, or an `end` token once the text is used up."""
        text, n = self.text, len(self.text)
        while self.i < n and text[self.i].isspace():
            self.i += 1
        start = self.i
        if start >= n:
            return Token("end", "", n)
        c = text[start]
        if c == "$" or (c == "@" and self.relative):
            return self._path(start, start, "element" if self.relative else "response", None)
        if c in ("'", '"'):
            value, self.i = self._read_quoted(start)
            return Token("literal", text[start : self.i], start, value)
        if c in _DIGITS or (c == "-" and text[start + 1 : start + 2] in _DIGITS):
            return self._number(start)
        if c in _IDENT_START:
            return self._word(start)
        for symbol, kind in _SYMBOLS:
            if text.startswith(symbol, start):
                self.i = start + len(symbol)
                return Token(kind, symbol, start)
        raise ConditionSyntaxError(
            f"expected an operand or operator but found {shorten(c)}{_HINTS.get(c, '')}", start
        )

    def _read_quoted(self, start: int) -> tuple[str, int]:
        """Read a quoted string; backslash escapes only the quote itself and a backslash.

        Other backslashes are kept as written, so regexes such as '^\\d+$' need no doubling.
        """
        text, quote = self.text, self.text[start]
        out: list[str] = []
        i = start + 1
        while i < len(text):
            c = text[i]
            if c == "\\" and text[i + 1 : i + 2] in (quote, "\\"):
                out.append(text[i + 1])
                i += 2
            elif c == quote:
                return "".join(out), i + 1
            else:
                out.append(c)
                i += 1
        raise ConditionSyntaxError(
            f"expected a closing {quote} for the string opened here but found end of condition",
            start,
        )

    def _number(self, start: int) -> Token:
        match = _NUMBER.match(self.text, start)
        assert match is not None  # the caller saw a digit
        end = match.end()
        literal = match.group()
        if end < len(self.text) and self.text[end] in _IDENT_CHARS:
            raise ConditionSyntaxError(
                f"expected a number but found {shorten(literal + self.text[end])}", start
            )
        try:
            is_float = any(ch in literal for ch in ".eE")
            value: int | float = float(literal) if is_float else int(literal)
        except ValueError:  # int() refuses over 4300 digits
            value = math.inf
        if not math.isfinite(value):
            raise ConditionSyntaxError(
                f"expected a number of reasonable size but found {shorten(literal)}", start
            )
        self.i = end
        return Token("literal", literal, start, value)

    def _word(self, start: int) -> Token:
        text, i = self.text, start + 1
        while i < len(text) and text[i] in _IDENT_CHARS:
            i += 1
        word = text[start:i]
        if text.startswith(":", i):
            return self._prefixed(word, start, i + 1)
        self.i = i
        if word == "STATUS":
            return Token("path", word, start, source="status")
        kind, value = _KEYWORDS.get(word.lower(), ("word", None))
        if kind == "word" and self.relative:
            return self._path(start, start, "element", None)
        return Token(kind, word, start, value)

    def _prefixed(self, word: str, start: int, after: int) -> Token:
        """A `PREFIX:` data path: HEADER/PARAM take a name, the others a `$` JSON path."""
        if word in ("HEADER", "PARAM"):
            return self._named(word, start, after)
        if word == "STATUS":
            raise ConditionSyntaxError(
                "expected an operator after 'STATUS' but found ':'; STATUS takes no JSON path",
                after - 1,
            )
        if not self.text.startswith("$", after):
            raise ConditionSyntaxError(
                f"expected a JSON path starting with '$' after '{word}:' "
                f"but found {self._found(after)}",
                after,
            )
        if word in ("RESPONSE", "REQUEST"):
            return self._path(start, after, "request" if word == "REQUEST" else "response", None)
        return self._path(start, after, "resource", word)

    def _named(self, word: str, start: int, after: int) -> Token:
        text, i = self.text, after
        while i < len(text) and text[i] in _NAME_CHARS and not text.startswith(_NAME_STOPS, i):
            i += 1
        name = text[after:i]
        what = "header" if word == "HEADER" else "query parameter"
        if not name:
            raise ConditionSyntaxError(
                f"expected a {what} name after '{word}:' but found {self._found(after)}", after
            )
        if name.startswith("$"):
            raise ConditionSyntaxError(
                f"expected a {what} name after '{word}:' but found a JSON path; "
                f"{word}: takes a name only",
                after,
            )
        self.i = i
        source: Source = "header" if word == "HEADER" else "param"
        return Token("path", text[start:i], start, source=source, name=name)

    def _path(self, start: int, dollar: int, source: Source, name: str | None) -> Token:
        """Scan `$...` greedily to white space or an operator character at bracket depth 0
        (`{...}` filters count as brackets, so their conditions stay inside the path)."""
        text, i, depth = self.text, dollar + 1, 0
        while i < len(text):
            c = text[i]
            if c in _QUOTES:
                i = self._read_quoted(i)[1]
                continue
            if c in "([{":
                depth += 1
                if depth > MAX_DEPTH:
                    raise ConditionSyntaxError(
                        f"expected at most {MAX_DEPTH} levels of brackets in a JSON path "
                        f"but found more",
                        i,
                    )
            elif c in ")]}":
                if depth == 0:
                    break
                depth -= 1
            elif depth == 0 and (c.isspace() or c in _PATH_STOPS):
                break
            i += 1
        self.i = i
        path = text[dollar:i]
        if path[0] == "@":  # `@.x` in a filter: the item tested, as `$.x` is
            path = "$" + path[1:]
        elif path[0] != "$":  # a bare member name in a filter
            path = "$." + path
        return Token("path", text[start:i], start, None, source, name, path, dollar)


def tokens_of(text: str) -> list[Token]:
    """Every token of `text` up to its end, for tools that rewrite conditions in place (the
    migration finds apitest's `HEADER:`/`PARAM:` paths so, never inside a quoted string)."""
    lexer, found = Lexer(text), []
    while (token := lexer.next_token()).kind != "end":
        found.append(token)
    return found
