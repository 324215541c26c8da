"""Date-time `format` patterns: ZEST's sample notations, and the Java pattern read and written.

ZEST's own sample writes `format="yyyy-MM-dd'T'HH:mm:ss+/-hh:mm"`: `+/-hh:mm` is a notation for
"a signed UTC offset", not Java pattern letters (read as Java, `+/-` would be literal text and
`hh` a 12-hour clock, so `2023-11-13T17:30:00+05:30` would not match). Such notations are
rewritten once, at load time, to the Java letters that mean them (`xxx`), so the checker and the
generator share one pattern language.

That language (Java's `DateTimeFormatter` letters) is read here once, into one table holding
for each letter both what a value may look like (`java_pattern`, the checker's) and how a moment
is written (`render_java`, the generator's): a letter one side knew and the other did not made
generated values fail their own check.
"""

from __future__ import annotations

import functools
import operator
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta, timezone
from typing import Any, Final

from apitest.zspec.values import DIGITS

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


# --- Java date-time patterns -------------------------------------------------------------------
_JAVA_TOKEN: Final = re.compile(r"'((?:[^']|'')*)'|([A-Za-z])\2*|(.)", re.DOTALL)
"""A quoted literal ('' inside it, or alone, is one quote), a run of one letter, or a character."""
_MONTHS: Final = "JanFebMarAprMayJunJulAugSepOctNovDec"
_DAYS: Final = "MonTueWedThuFriSatSun"


@dataclass(frozen=True)
class _Letter:
    """A pattern letter: the regex a run of `n` of it matches, and that run written for a moment."""

    regex: Callable[[int], str]
    render: Callable[[datetime, int], str]


def _number(field: Callable[[datetime], int]) -> Callable[[datetime, int], str]:
    """A numeric field zero-padded to the run's width (`dd` 05, `d` 5)."""
    return lambda moment, n: f"{field(moment):0{n}d}"


def _year_regex(n: int) -> str:
    return r"\d{2}" if n == 2 else r"\d{4}" if n <= 4 else rf"\d{{{n}}}"


def _year(moment: datetime, n: int) -> str:
    return f"{moment.year % 100:02d}" if n == 2 else f"{moment.year:0{n}d}"


def _month(moment: datetime, n: int) -> str:
    if n >= 3:
        return _MONTHS[3 * moment.month - 3 : 3 * moment.month]
    return f"{moment.month:0{n}d}"


def _offset_text(letter: str) -> Callable[[datetime, int], str]:
    """X/x: +HH, +HHMM, +HH:MM by width (X writes Z for UTC); Z: +HHMM, or +HH:MM at width 5."""

    def render(moment: datetime, n: int) -> str:
        offset = moment.utcoffset() or timedelta(0)
        if letter == "X" and not offset:
            return "Z"
        sign = "-" if offset < timedelta(0) else "+"
        hours, minutes = divmod(abs(int(offset.total_seconds())) // 60, 60)
        if letter != "Z" and n == 1:
            return f"{sign}{hours:02d}" + (f"{minutes:02d}" if minutes else "")
        colon = ":" if n >= (5 if letter == "Z" else 3) else ""
        return f"{sign}{hours:02d}{colon}{minutes:02d}"

    return render


def _as_written(moment: datetime, n: int) -> str:
    """A zone name the generator does not make: the run as written (the checker takes any name,
    so the value still passes its own check)."""
    return "z" * n


_LETTERS: Final[dict[str, _Letter]] = {
    "y": _Letter(_year_regex, _year),
    "u": _Letter(_year_regex, _year),
    "M": _Letter(
        lambda n: r"(?:0[1-9]|1[0-2])" if n == 2 else r"[A-Za-z]+" if n >= 3 else r"\d{1,2}", _month
    ),
    "d": _Letter(
        lambda n: r"(?:0[1-9]|[12]\d|3[01])" if n >= 2 else r"\d{1,2}", _number(lambda m: m.day)
    ),
    "D": _Letter(
        lambda n: (r"\d{1,3}", r"\d{2,3}", r"\d{3}")[min(n, 3) - 1],
        _number(lambda m: m.timetuple().tm_yday),
    ),
    "H": _Letter(
        lambda n: r"(?:[01]\d|2[0-3])" if n >= 2 else r"\d{1,2}", _number(lambda m: m.hour)
    ),
    "h": _Letter(
        lambda n: r"(?:0[1-9]|1[0-2])" if n >= 2 else r"\d{1,2}",
        _number(lambda m: (m.hour - 1) % 12 + 1),
    ),
    "m": _Letter(lambda n: r"[0-5]\d" if n >= 2 else r"\d{1,2}", _number(lambda m: m.minute)),
    "s": _Letter(lambda n: r"[0-5]\d" if n >= 2 else r"\d{1,2}", _number(lambda m: m.second)),
    "S": _Letter(lambda n: rf"\d{{{n}}}", lambda m, n: f"{m.microsecond:06d}"[:n].ljust(n, "0")),
    "X": _Letter(
        lambda n: (r"(?:Z|[+-]\d{2}(?:\d{2})?)", r"(?:Z|[+-]\d{4})", r"(?:Z|[+-]\d{2}:\d{2})")[
            min(n, 3) - 1
        ],
        _offset_text("X"),
    ),
    "x": _Letter(
        lambda n: (r"[+-]\d{2}(?:\d{2})?", r"[+-]\d{4}", r"[+-]\d{2}:\d{2}")[min(n, 3) - 1],
        _offset_text("x"),
    ),
    "Z": _Letter(lambda n: r"(?:Z|[+-]\d{2}:\d{2})" if n >= 5 else r"[+-]\d{4}", _offset_text("Z")),
    "a": _Letter(lambda n: r"(?:AM|PM|am|pm)", lambda m, n: "AM" if m.hour < 12 else "PM"),
    "E": _Letter(lambda n: r"[A-Za-z]+", lambda m, n: _DAYS[3 * m.weekday() : 3 * m.weekday() + 3]),
    "z": _Letter(lambda n: r"[A-Za-z][A-Za-z0-9/_+-]*", _as_written),
}
"""The letters apitest reads and writes; any other letter is literal text both ways."""


def _java_tokens(fmt: str) -> Iterator[tuple[str, str]]:
    """`fmt` (sample offset notations read as Java's) as (letter, run) for a run of a pattern
    letter and ("", text) for literal text."""
    for match in _JAVA_TOKEN.finditer(sample_format(fmt) or fmt):
        quoted, letter = match.group(1), match.group(2)
        if quoted is not None:
            yield "", quoted.replace("''", "'") if quoted else "'"
        elif letter is not None and letter in _LETTERS:
            yield letter, match.group(0)
        else:
            yield "", match.group(0)


def java_pattern(fmt: str) -> re.Pattern[str]:
    """A regex for a Java `DateTimeFormatter`-style pattern (`yyyy-MM-dd'T'HH:mm:ss.SSSXXX`),
    ZEST's sample offset notation (`+/-hh:mm`) read as the offset it stands for; a group
    around each letter's run, for `parse_java`."""
    return _java_fields(fmt)[0]


def render_java(fmt: str, moment: datetime) -> str:
    """`moment` written by a Java `DateTimeFormatter`-style pattern (ZSPEC.md 3, `format`):
    what `java_pattern(fmt)` matches."""
    return "".join(
        _LETTERS[letter].render(moment, len(run)) if letter else run
        for letter, run in _java_tokens(fmt)
    )


@functools.lru_cache(maxsize=256)
def _java_fields(fmt: str) -> tuple[re.Pattern[str], tuple[tuple[str, int], ...]]:
    """The regex of `fmt` (see `java_pattern`), and each of its groups' (letter, width)."""
    parts: list[str] = []
    fields: list[tuple[str, int]] = []
    for letter, run in _java_tokens(fmt):
        if letter:
            parts.append(f"({_LETTERS[letter].regex(len(run))})")
            fields.append((letter, len(run)))
        else:
            parts.append(re.escape(run))
    return re.compile("".join(parts)), tuple(fields)


def parse_java(fmt: str, text: str) -> datetime | None:
    """The moment `text` writes by the Java-style pattern `fmt`: aware where the pattern holds
    an offset, naive where it holds none. None where `text` does not match `fmt`, or says too
    little to name one moment (no year, month and day; a zone by name, not by offset)."""
    pattern, fields = _java_fields(fmt)
    match = pattern.fullmatch(text)
    if match is None:
        return None
    seen = {
        letter: (value, width)
        for (letter, width), value in zip(fields, match.groups(), strict=True)
    }
    if "z" in seen:
        return None
    try:
        return _moment_of(seen)
    except (KeyError, ValueError):
        return None


def _moment_of(seen: dict[str, tuple[str, int]]) -> datetime:
    """The datetime the matched runs of each letter name (KeyError where one is missing)."""
    year_text, year_width = seen["y"] if "y" in seen else seen["u"]
    year = int(year_text) + (2000 if year_width == 2 else 0)
    if "M" in seen:
        month_text, month_width = seen["M"]
        month = (
            _MONTHS.index(month_text[:3].title()) // 3 + 1 if month_width >= 3 else int(month_text)
        )
        day = datetime(year, month, int(seen["d"][0]))
    else:
        day = datetime(year, 1, 1) + timedelta(days=int(seen["D"][0]) - 1)
    hour = int(seen["H"][0]) if "H" in seen else 0
    if "h" in seen:
        pm = "a" in seen and seen["a"][0].upper() == "PM"
        hour = int(seen["h"][0]) % 12 + (12 if pm else 0)
    fraction = seen["S"][0] if "S" in seen else "0"
    moment = day.replace(
        hour=hour,
        minute=int(seen["m"][0]) if "m" in seen else 0,
        second=int(seen["s"][0]) if "s" in seen else 0,
        microsecond=int(fraction.ljust(6, "0")[:6]),
    )
    offset = next((seen[letter][0] for letter in "XxZ" if letter in seen), None)
    return moment if offset is None else moment.replace(tzinfo=_zone(offset))


def _zone(offset: str) -> timezone:
    """`Z`, `+05`, `+0530` or `+05:30` as the fixed zone it names."""
    if offset == "Z":
        return UTC
    digits = offset[1:].replace(":", "")
    delta = timedelta(hours=int(digits[:2]), minutes=int(digits[2:4] or 0))
    return timezone(-delta if offset[0] == "-" else delta)


# --- ordering (value-condition) ----------------------------------------------------------------
ORDER: dict[str, Callable[[Any, Any], bool]] = {
    ">": operator.gt, ">=": operator.ge, "<": operator.lt, "<=": operator.le,
}  # fmt: skip


def ordered_key(value: Any, fmt: str | None = None) -> Any:
    """`value` as something `<` compares across values of one property: a number, an aware
    date-time (written by the property's `fmt`, else ISO-8601; one without offset read as UTC;
    a date as its midnight), a long_string's digits as an int; None when it is none of these
    (a `value-condition` is then not judged)."""
    if isinstance(value, int | float) and not isinstance(value, bool):
        return value
    if not isinstance(value, str):
        return None
    if DIGITS.fullmatch(value):
        return int(value)
    moment = parse_java(fmt, value) if fmt else None
    if moment is None:
        try:
            moment = datetime.fromisoformat(value)
        except ValueError:
            return None
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)


def in_order(value: Any, op: str, other: Any, fmt: str | None = None) -> bool | None:
    """`value op other` (both read by the property's `fmt` where they are written by it), or
    None when the two cannot be compared."""
    left, right = ordered_key(value, fmt), ordered_key(other, fmt)
    if left is None or right is None or isinstance(left, datetime) != isinstance(right, datetime):
        return None
    return bool(ORDER[op](left, right))
