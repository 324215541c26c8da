"""Scalar values of one seeded stream, by type and format (ZSPEC.md 4, 8): numbers within
`range` and `decimal-place`, text within `length` or matching `regex`, 64-bit ids as digits,
moments by the property's Java `format`, uploads that fit `<file-meta>`.

Preference per value: `example-value`, then the first of `values`, then a generated one. The
stream is a `random.Random` of its own (the global `random` is never touched), so a seed
reproduces every value; bodies and argument lists are composed from it by `plan.data`.
"""

from __future__ import annotations

import hashlib
import itertools
import json
import math
import mimetypes
import random
import string
from collections.abc import Callable
from datetime import datetime, timedelta, timezone
from typing import Any, Final

import rstr

from apitest.plan._windows import float_window, int_window
from apitest.zspec.formats import render_java
from apitest.zspec.model import Bounds, Property
from apitest.zspec.values import INT32, INT64, generation_pattern, runtime_regex


class _Missing:
    """The type of `MISSING`: "no value", which JSON null (None) cannot say."""

    def __repr__(self) -> str:
        return "MISSING"


MISSING: Final = _Missing()

_FLOAT_LIMIT: Final = (-1e15, 1e15)  # keeps generated doubles exact enough to round-trip JSON
_REGEX_TRIES: Final = 50
_VARY_TRIES: Final = 20
_STRING_CAP: Final = 64
_WORDS: Final = ("apitest", "sample", "alpha", "bravo", "delta", "harbor", "maple", "quartz")
_OFFSETS: Final = (0, 60, 120, 330, 480, 540, 600, -180, -300, -420, -480)  # minutes from UTC
_WINDOW_START: Final = datetime(2027, 1, 1)
_WINDOW_MINUTES: Final = 4 * 365 * 24 * 60  # 2027-2030: never "now", so no time rule trips over it
_FILE: Final = ("apitest.txt", b"apitest upload\n", "text/plain")
ITEM_TYPES: Final = {
    "string": "string", "long_string": "long_string", "integer": "integer", "int": "integer",
    "long": "long", "double": "double", "float": "double", "number": "double",
    "boolean": "boolean", "bool": "boolean", "datetime": "datetime", "date": "date", "any": "any",
}  # fmt: skip


class _Xeger(rstr.Rstr):
    """rstr's regex expander with open repeats (`+`, `*`, `{2,}`) capped per call, not at 100, so
    a match also tends to fit the property's `length`; and with the alphabets of non-word and
    negated classes sorted, since rstr builds them from sets, whose order follows PYTHONHASHSEED."""

    repeat_cap = _STRING_CAP

    def __init__(self, rng: random.Random) -> None:
        word = set(string.ascii_letters + string.digits + "_")
        super().__init__(rng, nonword="".join(sorted(set(string.printable) - word)))

    def _handle_in(self, value: Any) -> Any:
        candidates = list(itertools.chain(*(self._handle_state(item) for item in value)))
        if candidates and candidates[0] is False:  # a negated class: printable minus the listed
            candidates = sorted(set(string.printable).difference(candidates[1:]))
        return self._random.choice(candidates)

    def _handle_repeat(self, start_range: int, end_range: int, value: str) -> str:
        return super()._handle_repeat(
            start_range, min(end_range, max(start_range, self.repeat_cap)), value
        )


class ValueSource:
    """Valid scalar values from one stream, made on first use from the seed and the key."""

    def __init__(self, seed: int, key: str, run: str = "") -> None:
        self._seed = seed
        self._key = key
        self._run = run
        self._unique: ValueSource | None = None
        self._stream: random.Random | None = None
        self._xeger_instance: _Xeger | None = None
        self.last_moment: datetime | None = None
        """The moment behind the last date-time made: a sibling that must follow it is placed
        relative to the moment, not to its rendering, which a Java format may have cut short."""

    @property
    def rng(self) -> random.Random:
        """Made on first use: most steps of a big run ask for no data at all."""
        if self._stream is None:
            digest = hashlib.sha256(f"{self._seed}\x00{self._key}".encode()).digest()
            self._stream = random.Random(int.from_bytes(digest[:8], "big"))
        return self._stream

    @property
    def _xeger(self) -> _Xeger:
        if self._xeger_instance is None:
            self._xeger_instance = _Xeger(self.rng)
        return self._xeger_instance

    def scalar(self, prop: Property, *, vary_from: Any = MISSING) -> Any:
        """One valid value of `prop`; with `vary_from`, one that differs from it where possible
        (an update must change what the create sent, or its verification proves nothing)."""
        if vary_from is not MISSING:
            pinned = (
                MISSING if prop.example_value is None else convert(prop.type, prop.example_value)
            )
            if pinned is not MISSING and pinned == vary_from and _has_room(prop):
                return self.marked(prop)  # text: the example marked, so the update shows
            if pinned is not MISSING:  # example-value wins, in an update too (ZSPEC.md section 8):
                return pinned  # a spec pins a value (a flag, say) that must not change
            return self._vary(prop, vary_from)
        for text in (prop.example_value, *prop.values[:1]):
            if text is not None:
                value = convert(prop.type, text)
                if value is not MISSING:
                    return value
        return self.generate(prop)

    def unique(self, prop: Property) -> Any:
        """A value no other call of the run sends, for a property the spec declares unique
        (`unique-for`): its example with a mark of its own where the example has room for one
        (`john@example.com` -> `john-3fa9c1@example.com`, `Bali` -> `Bali 3fa9c1`), else a
        fresh one. The example alone would be refused by the second create of a correct API;
        an enumeration (`values`) can only give one of its own.

        Marks and fresh values come from a stream of the run's own (`run`), not from the seed
        alone: an API keeps what an earlier run made where its delete is soft or a name stays
        taken after it, and a run with the same seed (a suite's `seed = 42`, sharded runs'
        seed 0) sent the very values it had refused, failing every create of a correct API."""
        if prop.values:
            return self.scalar(prop)
        if self._unique is None:
            self._unique = ValueSource(self._seed, f"{self._key}\x00unique\x00{self._run}")
        return self._unique.marked(prop)

    def marked(self, prop: Property) -> Any:
        """`prop`'s example with a mark from this stream where it has room, else a fresh value."""
        example = prop.example_value
        if prop.type == "string" and example and not prop.regex:
            mark = self.hex(6)
            local, at, domain = example.partition("@")
            marked = f"{local}-{mark}@{domain}" if at and local else f"{example} {mark}"
            high = prop.length.max if prop.length is not None else None
            if high is None or len(marked) <= high:
                return marked
        return self.generate(prop)

    def _vary(self, prop: Property, previous: Any) -> Any:
        """A valid value other than `previous`: another of `values`, else a regenerated one."""
        choices = [
            v for v in (convert(prop.type, text) for text in prop.values) if v is not MISSING
        ]
        if choices:
            others = [value for value in choices if value != previous]
            return self.rng.choice(others) if others else choices[0]
        value = self.generate(prop)
        for _ in range(_VARY_TRIES):
            if value != previous:
                break
            value = self.generate(prop)
        return value

    def generate(self, prop: Property) -> Any:
        """A fresh type-and-constraint-valid value (no example, no `values` preference)."""
        kind = prop.type
        if kind in ("integer", "long"):
            limit, default = (INT32, (1, 1000)) if kind == "integer" else (INT64, (1, 10**12))
            low, high = int_window(prop.range, default, limit)
            return self.rng.randint(low, high)
        if kind == "double":
            return self._double(prop)
        if kind == "boolean":
            return self.rng.random() < 0.5
        if kind in ("datetime", "date"):
            return self._moment(prop)
        if kind == "long_string":
            return self._long_string(prop)
        if kind == "collections":
            count = int_window(prop.length, (1, 1), (0, 1000))[0]
            return [self.generate(item_property(prop)) for _ in range(count)]
        if kind == "map":
            return {}
        if kind == "file":
            return self._file(prop)
        if kind in ("any", "object"):
            return f"any {self.hex(4)}"
        return self._string(prop)

    def _string(self, prop: Property) -> str:
        """Readable text within `length` (capped at 64 when open or huge), or a regex match."""
        low, high = int_window(prop.length, (1, 20), (0, 1 << 20))
        high = max(low, min(high, _STRING_CAP))
        if prop.regex:
            found = self.from_regex(prop.regex, prop.length, high)
            if found is not None:
                return found
        return self.text(low, high)

    def _long_string(self, prop: Property) -> str:
        """A 64-bit id as digits, without a leading zero (what a real id looks like). Where
        no match of the regex is one (`[^ ]+` gave 'Zbj-`"!|u', no long_string at all), an id
        that the regex also takes goes in its place."""
        found = self.from_regex(prop.regex, prop.length, 19, _is_id) if prop.regex else None
        if found is not None and _is_id(found):
            return found
        made = self._digits(prop)
        if found is None or runtime_regex(prop.regex or "").fullmatch(made):
            return made
        return found

    def _digits(self, prop: Property) -> str:
        """An id of digits within `length` (at most 19 digits: 64 bits)."""
        low, high = int_window(prop.length, (1, 19), (1, 1 << 20))
        digits = self.rng.randint(low, max(low, min(high, 19)))
        top = INT64[1] if digits == 19 else 10**digits - 1  # 19 digits may overflow 64 bits
        return str(self.rng.randint(10 ** (digits - 1), top))

    def from_regex(
        self, pattern: str, length: Bounds | None, cap: int, *extra: Callable[[str], bool]
    ) -> str | None:
        """A full match of `pattern` within `length`, else the best candidate; None if the pattern
        cannot be used at all (the caller then generates without it). A try that came out too
        long halves the repeat cap, one too short doubles it: open repeats nest (a list of
        names, `[A-Z][a-z]*( [A-Z][a-z]*)*`, repeats a repeat), so a cap of the length's
        maximum made matches of thousands of characters, and the best of them, sent as a valid
        value, was refused."""
        compiled = runtime_regex(pattern)  # the engine every check runs
        expandable = generation_pattern(pattern)  # what rstr, on Python's re, can expand
        if compiled is None or expandable is None:
            return None
        checks: tuple[Callable[[str], object], ...] = (
            compiled.fullmatch, lambda s: length is None or length.contains(len(s)), *extra,
            _not_a_dot_segment,
        )  # fmt: skip
        best: tuple[tuple[bool, ...], str] | None = None
        xeger = self._xeger
        xeger.repeat_cap = cap
        for _ in range(_REGEX_TRIES):
            try:
                candidate = xeger.xeger(expandable)
            except Exception:  # constructs rstr cannot expand (look-arounds, back references)
                break
            score = tuple(bool(check(candidate)) for check in checks)
            if all(score):
                return candidate
            if best is None or score > best[0]:
                best = (score, candidate)
            if length is not None and length.max is not None and len(candidate) > length.max:
                xeger.repeat_cap //= 2
            elif length is not None and length.min is not None and len(candidate) < length.min:
                xeger.repeat_cap = min(xeger.repeat_cap * 2 + 1, max(cap, int(length.min)) * 2)
        return None if best is None else best[1]

    def regex_match(self, pattern: str, length: Bounds) -> str | None:
        """A full match of `pattern` whose length is within `length`, or None where the tries
        found none (a negative case wants one rule broken, never the regex beside it)."""
        cap = max(1, int(length.max if length.max is not None else length.min or 1))
        found = self.from_regex(pattern, length, cap)
        if found is None or not length.contains(len(found)):
            return None
        compiled = runtime_regex(pattern)
        return found if compiled is not None and compiled.fullmatch(found) else None

    def _double(self, prop: Property) -> float:
        """A number in `range`, rounded to `decimal-place` digits, pulled back in if rounding
        pushed it out."""
        low, high = float_window(prop.range, (0.0, 1000.0), _FLOAT_LIMIT)
        places = max(0, prop.decimal_place if prop.decimal_place is not None else 2)
        scale = 10.0**places
        value = round(self.rng.uniform(low, high), places)
        if value > high:
            value = math.floor(high * scale) / scale
        if value < low:
            value = math.ceil(low * scale) / scale
        return value

    def _moment(self, prop: Property) -> str:
        """A future moment with an offset, as ISO-8601 or by the property's Java `format`."""
        offset = timezone(timedelta(minutes=self.rng.choice(_OFFSETS)))
        minutes = self.rng.randrange(_WINDOW_MINUTES)
        moment = (_WINDOW_START + timedelta(minutes=minutes)).replace(tzinfo=offset)
        return self.render_moment(prop, moment)

    def render_moment(self, prop: Property, moment: datetime) -> str:
        self.last_moment = moment
        if prop.format:
            return render_java(prop.format, moment)
        return moment.date().isoformat() if prop.type == "date" else moment.isoformat()

    def text(self, low: int, high: int) -> str:
        """Readable text such as "apitest 3fa9c1", trimmed or padded to `low..high` characters
        (negative values use it too)."""
        text = f"{self.rng.choice(_WORDS)} {self.hex(6)}"
        if len(text) < low:
            text += self.hex(low - len(text))
        text = text[:high]
        return text[:-1] + self.hex(1) if text.endswith(" ") else text

    def hex(self, count: int) -> str:
        return f"{self.rng.getrandbits(4 * count):0{count}x}" if count > 0 else ""

    def _file(self, prop: Property) -> tuple[str, bytes, str]:
        """An upload that fits `<file-meta>`: its first extension, a name matching the
        file-name regex where one is given, content within the sizes."""
        meta = prop.file_meta
        if meta is None:
            return _FILE
        ext = meta.extensions[0] if meta.extensions else None
        suffix = ext.name if ext is not None else "txt"
        name = f"apitest.{suffix}"
        if meta.file_name_regex:
            name = self.from_regex(meta.file_name_regex, None, 40) or name
        limits = [b.max for b in (meta.overall_size, ext.size if ext else None) if b and b.max]
        content = _FILE[1][: int(min(limits))] if limits else _FILE[1]
        media = mimetypes.guess_type(name)[0] or "application/octet-stream"
        return name, content, media


def _not_a_dot_segment(text: str) -> bool:
    """Not "." or "..": a key generated from `[A-Za-z0-9_.-]+` (Airflow's connection_id) can
    come out so, and in a URL path that is a dot segment, which clients and servers remove:
    the record's update and delete would go to the collection (one run's answered 405, most
    likely so) and the record could never be addressed. Any other text of the pattern is
    preferred."""
    return text not in (".", "..")


def convert(kind: str, text: str) -> Any:
    """`text` (an example-value or one of `values`) as a value of `kind`, or MISSING when it is
    not one, so the next preference serves instead of a crash."""
    try:
        if kind in ("integer", "long"):
            return int(text.strip())
        if kind == "double":
            number = float(text)
            return number if math.isfinite(number) else MISSING
        if kind == "boolean":
            return {"true": True, "false": False}.get(text.strip().lower(), MISSING)
        if kind in ("collections", "map"):
            parsed, wanted = json.loads(text), list if kind == "collections" else dict
            return parsed if isinstance(parsed, wanted) else MISSING
    except (ValueError, RecursionError):
        return MISSING
    return MISSING if kind == "file" else text


def item_property(prop: Property) -> Property:
    """The shape of one item of a scalar collection, from its first content type."""
    first = prop.content_types[0].strip().lower() if prop.content_types else "string"
    kind = ITEM_TYPES.get(first, "string")
    return Property(prop.loc, kind, values=prop.values, regex=prop.regex, format=prop.format)


def _is_id(text: str) -> bool:
    return text.isdigit() and text.isascii() and (text == "0" or not text.startswith("0"))


def _has_room(prop: Property) -> bool:
    """Whether an example-value is free text an update may mark (`Dune` -> `Dune 3fa9c1`): a
    string with no `values`, `regex` or `format` to keep to. Resent as it was, an update
    proved nothing of it: Directus's update that lost the title, and SAFRS's that stored
    nothing, passed. A flag, a number or an enumeration keeps its example (a spec pins
    those)."""
    return prop.type == "string" and not prop.values and not prop.regex and not prop.format
