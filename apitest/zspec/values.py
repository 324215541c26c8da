"""ZSPEC's value rules that the loader, the generator and the checks must agree on.

An `integer` is 32 bits and a `long` 64 (ZSPEC.md 3): the checker refuses what the generator
would never make, and the loader refuses an attribute no value could meet. A spec's regex runs
on what the API under test answers, so it runs with a time bound and may not crash the run.
Each rule is written here once; a second copy could drift, and a generated value would then
fail its own check.
"""

from __future__ import annotations

import functools
import re
from typing import Any, Final

import regex

INT32: Final = (-(2**31), 2**31 - 1)
"""The bounds of ZSPEC's `integer`."""
INT64: Final = (-(2**63), 2**63 - 1)
"""The bounds of ZSPEC's `long` (and of a `long_string` id's digits)."""
DIGITS: Final = re.compile(r"-?\d+")
"""A `long_string`: an integer written as text, so a 64-bit id survives JSON's doubles."""

REGEX_TIMEOUT_S: Final = 0.5
"""A spec's regex gets this long on one value (the `regex` engine's timeout): a pattern that
backtracks badly stops there instead of hanging the run."""


@functools.lru_cache(maxsize=1024)
def runtime_regex(source: str) -> Any:
    """`source` compiled by the `regex` engine (which survives the classic catastrophic
    patterns and takes a timeout for the rest), or None when it cannot be compiled: the
    loader reports a bad pattern of the spec, and one from the data matches nothing."""
    try:
        return regex.compile(source)
    except Exception:  # regex.error, or RecursionError on a hostile pattern
        return None


def regex_error(source: str) -> str | None:
    """Why the `regex` engine, the one every check runs, cannot compile `source`; None when
    it can. ZEST is Java and its users write Java patterns (`\\p{L}`, `[[:alpha:]]`, `a*+`),
    which that engine reads and Python's `re` refused at load, failing the whole spec."""
    try:
        regex.compile(source)
    except Exception as exc:  # regex.error, or RecursionError on a hostile pattern
        return str(exc) or type(exc).__name__
    return None


_LETTERS: Final = "A-Za-z\u00c0-\u00d6\u00d8-\u00f6\u00f8-\u00ff"
_UPPER: Final = "A-Z\u00c0-\u00d6\u00d8-\u00de"
_LOWER: Final = "a-z\u00df-\u00f6\u00f8-\u00ff"
_PUNCTUATION: Final = "!-/:-@\\[-`{-~"
_CLASSES: Final = {
    **dict.fromkeys(("l", "letter", "alphabetic", "latin"), _LETTERS),
    **dict.fromkeys(("lu", "uppercase"), _UPPER),
    **dict.fromkeys(("ll", "lowercase"), _LOWER),
    **dict.fromkeys(("n", "nd", "digit"), "0-9"),
    **dict.fromkeys(("p", "punct"), _PUNCTUATION),
    **dict.fromkeys(("space", "blank", "white_space"), " \\t"),
    **dict.fromkeys(("z", "zs"), " "),
    **dict.fromkeys(("print", "ascii"), " -~"),
    "alpha": "A-Za-z",
    "upper": "A-Z",
    "lower": "a-z",
    "alnum": "A-Za-z0-9",
    "xdigit": "0-9A-Fa-f",
    "graph": "!-~",
    "word": "A-Za-z0-9_",
}
"""Characters to make values of, for the Unicode and POSIX classes of the `regex` engine that
Python's `re` (which the generator expands) lacks: a sample of each class, not all of it;
every value made is checked against the spec's own pattern by the `regex` engine."""
_CLASS = re.compile(r"\\([pP])\{(?:Is|In|is|in)?([A-Za-z_]+)\}|\\p([LNPZ])|\[:(\^?)([a-z]+):\]")
_GENERATION_ONLY: Final = (("(?>", "(?:"), ("*+", "*"), ("++", "+"), ("?+", "?"), ("}+", "}"))


@functools.lru_cache(maxsize=1024)
def generation_pattern(source: str) -> str | None:
    """`source` as Python's `re` reads it, for making values: the `regex` engine's property
    and POSIX classes as samples of their characters, possessive and atomic forms as plain
    ones (they change how a match is found, not what matches). None when it has a class this
    cannot sample (a negated one inside brackets), or `re` still cannot read it."""
    out: list[str] = []
    index, in_class = 0, False
    while index < len(source):
        piece, index, in_class = _translated(source, index, in_class)
        if piece is None:
            return None
        out.append(piece)
    text = "".join(out)
    try:
        re.compile(text)
    except (re.error, RecursionError):
        return None
    return text


def _translated(source: str, index: int, in_class: bool) -> tuple[str | None, int, bool]:
    """The piece of `source` at `index` in `re`'s terms (None: it has none), where the next
    piece starts, and whether that is inside brackets."""
    match = _CLASS.match(source, index)
    if match is not None and (in_class or not match.group(5)):  # [:alpha:] only in [...]
        negated = match.group(1) == "P" or match.group(4) == "^"
        chars = _CLASSES.get((match.group(2) or match.group(3) or match.group(5)).lower())
        if chars is None or (negated and in_class):
            return None, index, in_class
        return (chars if in_class else f"[{'^' if negated else ''}{chars}]"), match.end(), in_class
    char = source[index]
    if char == "\\":
        return source[index : index + 2], index + 2, in_class
    if char == "[" and not in_class:
        opening = re.match(r"\[\^?\]?", source[index:])
        assert opening is not None  # "[" itself always matches
        text = opening.group(0)
        return text[:-1] + "\\]" if text.endswith("]") else text, index + len(text), True
    if char == "]" and in_class:
        return char, index + 1, False
    plain = None if in_class else _plain_form(source, index)
    if plain is not None:
        return plain[1], index + len(plain[0]), in_class
    return char, index + 1, in_class


def _plain_form(source: str, index: int) -> tuple[str, str] | None:
    """The possessive or atomic form at `index` and its plain form, if one stands there."""
    return next((pair for pair in _GENERATION_ONLY if source.startswith(pair[0], index)), None)
