"""Date-time `format` patterns as ZEST's reference writes them, turned into Java patterns.

ZEST's own sample writes `format="yyyy-MM-dd'T'HH:mm:ss+/-hh:mm"`: `+/-hh:mm` is a notation for
"a signed UTC offset", not Java pattern letters (read as Java, `+/-` would be literal text and
`hh` a 12-hour clock, so `2023-11-13T17:30:00+05:30` would not match). Such notations are
rewritten once, at load time, to the Java letters that mean them (`xxx`), so the checker and the
generator share one pattern language.
"""

from __future__ import annotations

import operator
import re
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

# An offset written as a sample: a sign notation (+/-, -/+, ±, +-) then hh:mm, hhmm or hh.
_OFFSET_SAMPLE = re.compile(r"(?:\+/-|-/\+|\u00b1|\+-)(hh?|HH?)(:?)(mm)?")


def _offset(match: re.Match[str]) -> str:
    """Java's `x` letters: a signed offset, +00:00 for UTC (never `Z`: the notation is signed)."""
    if match.group(3) is None:
        return "x"  # +hh
    return "xxx" if match.group(2) else "xx"  # +hh:mm | +hhmm


def sample_format(fmt: str | None) -> str | None:
    """`fmt` with sample offset notations replaced by Java's offset letters; quoted literal
    text ('T') is left alone. None stays None."""
    if fmt is None or not _OFFSET_SAMPLE.search(fmt):
        return fmt
    out: list[str] = []
    for index, part in enumerate(fmt.split("'")):
        out.append(part if index % 2 else _OFFSET_SAMPLE.sub(_offset, part))
    return "'".join(out)


# --- ordering (value-condition) ----------------------------------------------------------------
ORDER: dict[str, Callable[[Any, Any], bool]] = {
    ">": operator.gt, ">=": operator.ge, "<": operator.lt, "<=": operator.le,
}  # fmt: skip
_DIGITS = re.compile(r"-?\d+")


def ordered_key(value: Any) -> Any:
    """`value` as something `<` compares across values of one property: a number, an aware
    date-time (one without offset read as UTC; a date as its midnight), a long_string's digits
    as an int; None when it is none of these (a `value-condition` is then not judged)."""
    if isinstance(value, int | float) and not isinstance(value, bool):
        return value
    if not isinstance(value, str):
        return None
    if _DIGITS.fullmatch(value):
        return int(value)
    try:
        moment = datetime.fromisoformat(value)
    except ValueError:
        return None
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)


def in_order(value: Any, op: str, other: Any) -> bool | None:
    """`value op other`, or None when the two cannot be compared."""
    left, right = ordered_key(value), ordered_key(other)
    if left is None or right is None or isinstance(left, datetime) != isinstance(right, datetime):
        return None
    return bool(ORDER[op](left, right))
