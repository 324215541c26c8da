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
