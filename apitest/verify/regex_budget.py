"""How long a value a spec's regex may run on without the `regex` engine's timeout.

The timeout is what keeps a backtracking pattern from hanging a run, but asking for it costs
about six times the match itself on a short id (2.6 us against 0.4 us), on every property of
every record of every answer. Most spec patterns cannot backtrack badly at all: `[0-9]{1,19}`,
`[A-Z]{2}-\\d+`. This module bounds a pattern's worst case from its parsed form, and the match
goes untimed only where that bound is small for the value at hand; everything else, and every
pattern it cannot read, keeps the timeout. Matching is always done by the `regex` engine, so the
semantics never depend on this choice.

The bound: a pattern made of single-character atoms (literals, classes, `.`), each maybe
repeated, in groups and alternations that are not themselves repeated, explores at most
B * (n + 1) ** k ways to match a value of n characters, for k repeats and B alternatives (an
optional atom counts as two). A repeated group, a back-reference or a look-around makes no such
promise: those patterns are always timed.
"""

from __future__ import annotations

import functools
import warnings
from typing import Any

try:  # CPython's own regex parser (its opcodes with it); without it every pattern is timed
    from re import _parser as _sre
except ImportError:  # pragma: no cover - other Pythons
    _sre = None

STEP_BUDGET = 200_000
"""Ways to match a value allowed untimed: well under a tenth of the 0.5 s bound."""
UNBOUNDED = 1 << 62
"""`untimed_length` of a pattern with no repeat at all: linear in any value."""


@functools.lru_cache(maxsize=1024)
def untimed_length(pattern: str) -> int:
    """The longest value `pattern` may match without a timeout (0: always time it)."""
    if _sre is None:
        return 0
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error")  # a pattern re reads differently from regex: timed
            tree = _sre.parse(pattern)
    except Exception:  # re cannot read it (a `regex`-only feature): timed
        return 0
    counts = _Counts()
    if not counts.walk(tree):
        return 0
    if counts.repeats == 0:
        return UNBOUNDED if counts.branches <= STEP_BUDGET else 0
    longest = int((STEP_BUDGET / counts.branches) ** (1 / counts.repeats)) - 1
    return max(0, longest)


class _Counts:
    """Repeats and alternatives of a pattern, or False from `walk` when it is not simple."""

    def __init__(self) -> None:
        self.repeats = 0
        self.branches = 1

    def walk(self, items: Any) -> bool:
        for op, arg in items:
            if op in _ONE_CHARACTER or op is _sre.AT:
                continue
            if op in (_sre.MAX_REPEAT, _sre.MIN_REPEAT):
                low, high, body = arg
                if len(body) != 1 or body[0][0] not in _ONE_CHARACTER:
                    return False  # a repeated group: the one shape that can blow up
                if high > 1:
                    self.repeats += 1
                elif high == 1 and low == 0:
                    self.branches *= 2
            elif op is _sre.SUBPATTERN:
                if not self.walk(arg[-1]):
                    return False
            elif op is _sre.BRANCH:
                alternatives = arg[1]
                self.branches *= len(alternatives)
                if not all(self.walk(alternative) for alternative in alternatives):
                    return False
            else:  # back-references, look-arounds, conditionals, atomic groups, ...
                return False
        return True


_ONE_CHARACTER = (
    frozenset({_sre.LITERAL, _sre.NOT_LITERAL, _sre.ANY, _sre.IN, _sre.CATEGORY})
    if _sre is not None
    else frozenset()
)
