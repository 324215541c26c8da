"""The value that breaks one rule of a property, and whether any value can.

`cases.py` decides which negative cases an operation gets and names in each the bad value it
needs ("too long", "above range", "regex", ...); this module makes that value from the case's
seeded stream (`bad_value`, asked by the engine as it builds the request) and says where no
value apitest can send breaks the rule (`unbreakable`, asked by the planner, which skips such a
case). It stands apart because making a value is a concern of its own: the two questions rest
on the same makers (the past-range number, the regex miss, the length cap), and none of it
bears on which cases exist.
"""

from __future__ import annotations

import functools
import math
from collections.abc import Callable
from typing import Any, Final

from apitest._by_identity import IdentityCache
from apitest.plan.cases import MAX_CACHED_STRUCTURES
from apitest.plan.data import DataGenerator, Lookup
from apitest.plan.model import Violation
from apitest.zspec.conditions import DataPath
from apitest.zspec.model import Bounds, Property
from apitest.zspec.values import INT32, runtime_regex


def _no_records(path: DataPath) -> list[Any]:
    return []


def bad_value(violation: Violation, generator: DataGenerator, lookup: Lookup = _no_records) -> Any:
    """The value that breaks the declaration, from the case's own seeded stream; `lookup`
    gives the records that valid values come from (a wrong count of delimited values must be
    wrong in its count only)."""
    prop = violation.prop if violation.prop is not None else _arg_property(violation)
    kind = violation.value
    as_text = violation.location != "body"
    if kind in ("too many", "too few") and violation.arg is not None:
        return generator.delimited(violation.arg, _wrong_count(violation), lookup=lookup)
    if kind == "empty":
        return ""
    if kind == "null":
        return None
    if kind == "invalid":
        # A key its own regex refuses is invalid on every API; a well-formed unknown key is
        # only unknown, and an upserting PUT (Kinto's) rightly stores a record at it.
        missed = _regex_miss(prop, f"apitest {generator.hex(4)}") if prop and prop.regex else None
        return missed if missed is not None else f"apitest-invalid-{generator.hex(8)}"
    if kind == "unknown" and prop is not None:
        return unknown_key(prop, generator)
    if kind in ("type", "text"):  # text: a form field's
        return _wrong_type(prop.type if prop else "string", generator, as_text or kind == "text")
    if prop is None:
        return f"apitest-{generator.hex(6)}"
    if kind in ("too long", "too short"):
        return _wrong_length(prop, kind == "too long", generator)
    if kind == "fraction":
        return _fraction(prop)
    if kind == "outside values":
        return _outside(prop, generator)
    if kind in ("above range", "below range") and prop.range is not None:
        return _past_range(prop, kind == "above range")
    if kind == "regex":
        missed = _match_with_a_stray(prop, generator)
        if missed is None:
            missed = _regex_miss(prop, f"apitest {generator.hex(4)}")
        return missed if missed is not None else "\u2603"  # unbreakable: planned as skipped
    return f"apitest-{generator.hex(6)}"


_FAR: Final = (10**9, INT32[1])
"""Where an Unknown Key's number is drawn from, for an integer and a long alike: far above the
ids a store counts up to, and within a 32-bit column (a spec may say long of an id its store
keeps in 32 bits, where a larger key would meet its database's overflow, not the look-up)."""


def unknown_key(prop: Property, generator: DataGenerator) -> Any:
    """A well-formed key no record is likely to have: a number far above those a store counts
    up to (within a declared range: the top of one that ends below that), 18 digits for a
    long_string id, else a fresh match of its type and regex. Never the key's example or
    `values`, which a record may well hold."""
    if prop.type in ("integer", "long"):
        return _far_number(prop.range, int(generator.hex(16), 16))
    if prop.type == "long_string" and prop.regex is None and prop.length is None:
        return str(10**17 + int(generator.hex(16), 16) % (9 * 10**17))
    return generator.fresh(prop)


def _far_number(bounds: Bounds | None, draw: int) -> int:
    """A whole number in the far window and in `bounds` (their finite ends: a `range` written
    `1,1e400` reads as open above). A range that ends below the window gives its top, the key
    a store reaches last; one that starts above it moves the window past its floor."""
    floor = _whole(bounds.min if bounds is not None else None, math.ceil)
    top = _whole(bounds.max if bounds is not None else None, math.floor)
    low, high = _FAR
    if floor is not None and floor > high:
        low, high = floor + _FAR[0], floor + _FAR[1]
    if top is not None:
        high = min(high, top)
    if floor is not None:
        low = max(low, floor)
    if low > high:
        return high
    return low + draw % (high - low + 1)


def _whole(edge: float | None, rounded: Callable[[float], int]) -> int | None:
    """A range's end as a whole number, rounded inwards; None where it is open or infinite."""
    return rounded(edge) if edge is not None and math.isfinite(edge) else None


def _wrong_count(violation: Violation) -> int:
    bounds = violation.arg.length if violation.arg is not None else None
    if bounds is None:
        return 0
    if violation.value == "too many":
        return int(bounds.max or 0) + 1
    return max(0, int(bounds.min or 0) - 1)


def _arg_property(violation: Violation) -> Property | None:
    return violation.arg.value_property if violation.arg is not None else None


def _wrong_type(type_name: str, generator: DataGenerator, as_text: bool) -> Any:
    """A value of another JSON type (in a query or header: text the type cannot parse)."""
    word = f"apitest-{generator.hex(6)}"
    if as_text:
        return word
    if type_name in ("string", "long_string", "datetime", "date"):
        return int(generator.hex(6), 16)  # a JSON number; long_string wants digits as text
    return word  # a string where a number, boolean, array or object belongs


def _fraction(prop: Property) -> float:
    """A number with a fractional part, within the property's `range` where there is room,
    so that its type is all it breaks: past the range (5000.5 for a maximum of 5000), an API
    that truncates would refuse it for the range and pass the case."""
    bounds = prop.range
    low = bounds.min if bounds is not None and bounds.min is not None else 0
    fraction = math.floor(low) + 0.5
    if bounds is not None and bounds.max is not None and fraction > bounds.max:
        fraction = math.ceil(bounds.max) - 0.5
    return fraction


LENGTH_CAP = 1_000_000
"""The longest value a Length Violation sends, in characters or list items. A bound above it
cannot be broken in a test: sending the cap instead kept the rule, a correct API rightly took
the value, and the case failed it (`unbreakable` skips such a case instead)."""
_PAST = 16
"""How far past its bound a Length Violation that must match a regex may go: the first match
at most this many characters over the maximum (or under the minimum) serves."""
_BLOCK = 4096
"""Past this many characters or items a long value repeats its first block: a value of a
million built piece by piece held the event loop for seconds, and the calls in flight beside it
timed out."""


def _wrong_length(prop: Property, too_long: bool, generator: DataGenerator) -> Any:
    """A value one past the length bound; where the property has a regex, a match of it: text
    that broke the regex too was refused for the regex by an API that never checked the length,
    and the Length Violation case passed it. Where no match of such a length exists (the regex
    fixes the length itself), text of the wrong length, which an API must refuse anyway."""
    bounds = prop.length
    assert bounds is not None
    size = int(bounds.max) + 1 if too_long and bounds.max is not None else int(bounds.min or 1) - 1
    size = max(0, min(size, LENGTH_CAP))
    if prop.regex and prop.type != "collections" and 0 < size <= _BLOCK:
        wanted = Bounds(size, size + _PAST) if too_long else Bounds(max(1, size - _PAST), size)
        matched = generator.regex_match(prop.regex, wanted)
        if matched is not None:
            return matched
    if prop.type == "collections":
        items = [generator.text(1, 10) for _ in range(min(size, _BLOCK))]
        return (items * (size // _BLOCK + 1))[:size] if size > _BLOCK else items
    digits = prop.type == "long_string"
    parts: list[str] = []
    length = 0
    while length < min(size, _BLOCK):
        part = generator.hex(16) if digits else generator.text(8, 16) + " "
        parts.append(part)
        length += len(part)
    block = "".join(parts)
    if digits:
        block = "".join(str(int(ch, 16) % 10) for ch in block)
    text = (block * (size // max(len(block), 1) + 1))[:size] if size > len(block) else block[:size]
    # A space at either end would be trimmed by the many APIs that trim text (DRF's CharField
    # does), leaving a value of a valid length that they rightly take.
    return text[:-1] + "x" if text.endswith(" ") else text


def _past_range(prop: Property, above: bool) -> float:
    """The number just outside `prop`'s range: the next whole number for an integer type, the
    edge ± 1 for a double, or the next double where ± 1 is lost in the edge's precision (1e308
    + 1 is 1e308, a value inside the range that a correct API rightly took)."""
    bounds = prop.range
    assert bounds is not None
    edge = (bounds.max if above else bounds.min) or 0
    if not math.isfinite(edge):
        return edge
    if prop.type in ("integer", "long"):
        return math.floor(edge) + 1 if above else math.ceil(edge) - 1
    moved = float(edge + (1 if above else -1))
    return moved if moved != edge else math.nextafter(float(edge), math.inf if above else -math.inf)


def unbreakable(violation: Violation) -> str | None:
    """Why no value apitest can send breaks what `violation` names, so its case is skipped,
    not sent with a value that keeps the rule (which a correct API rightly takes, failing the
    case); None where a value can. Once per violation: a structure's violations serve every
    operation that sends it."""
    return _UNBREAKABLE.get(violation, None, lambda: _unbreakable(violation))


def _unbreakable(violation: Violation) -> str | None:
    kind = violation.value
    if kind not in BOUNDED_VALUES:
        return None
    prop = violation.prop if violation.prop is not None else _arg_property(violation)
    if prop is None:
        return None
    bounds = prop.length
    if kind == "too long" and bounds is not None and (bounds.max or 0) >= LENGTH_CAP:
        unit = "items" if prop.type == "collections" else "characters"
        return (
            f"a value longer than {int(bounds.max or 0):,} {unit} is more than a test sends "
            f"(at most {LENGTH_CAP:,}): the length bound cannot be broken"
        )
    ranged = kind in ("above range", "below range") and prop.range is not None
    if ranged and not math.isfinite(_past_range(prop, kind == "above range")):
        side = "above" if kind == "above range" else "below"
        return f"no finite number lies {side} the range: it cannot be broken"
    regex = prop.regex if kind == "regex" else None
    if regex and _matches_every_candidate(regex, *_length_window(prop)):
        return (
            f"every value apitest tries matches the regex {prop.regex!r} (spaces, a line break, "
            "punctuation, non-ASCII): no value breaks it"
        )
    return None


_UNBREAKABLE: IdentityCache[Violation, str | None] = IdentityCache(4 * MAX_CACHED_STRUCTURES)
BOUNDED_VALUES: Final = frozenset({"too long", "above range", "below range", "regex"})
"""The bad values `unbreakable` may find no value for: the planner asks it of these only (it
plans 170,000 negative cases of a large catalog, and a call apiece cost 10% of that)."""


@functools.lru_cache(maxsize=1024)
def _matches_every_candidate(pattern: str, low: int, high: int | None) -> bool:
    """Whether no candidate of `_regex_miss` breaks `pattern` (a spec repeats its patterns)."""
    return _regex_miss_of(pattern, low, high, None) is None


def _outside(prop: Property, generator: DataGenerator) -> Any:
    if prop.type in ("integer", "long", "double"):
        numbers = [float(v) for v in prop.values if _is_number(v)]
        value = max(numbers, default=0) + 1
        return int(value) if prop.type != "double" else value
    while True:
        word = f"apitest-{generator.hex(6)}"
        if word not in prop.values:
            return word


def _is_number(text: str) -> bool:
    try:
        float(text)
    except ValueError:
        return False
    return True


def _regex_miss(prop: Property, word: str) -> str | None:
    """A string of an allowed length that the regex does not fully match; None where every
    candidate matches (`[\\s\\S]*` matches them all): sending one then kept the rule."""
    low, high = _length_window(prop)
    return _regex_miss_of(prop.regex or "", low, high, word)


_STRAYS: Final = ("!", "~", "\u2603")
"""What a Regex Mismatch puts beside a full match: never white space, which HTTP strips from the
ends of a header's value (leaving the match, which a correct API takes)."""


def _match_with_a_stray(prop: Property, generator: DataGenerator) -> str | None:
    """Text that holds a match of the property's regex but is none, within its `length`: a
    match, a character the regex cannot take, and the match again (`AB-123!AB-123`), so that
    it starts with a match, ends with one and holds one. An API that searches the pattern
    rather than matching it whole takes it, however it anchors: unanchored (Pydantic's,
    msgspec's, JSON Schema's `pattern` without ^...$), at the start only (marshmallow's
    `Regexp`, Python's `re.match`) or at the end only (`...$` searched); "!apitest!", which
    holds no match, was refused by each of them, and the case passed (the Litestar and APIFlask
    hunts). Where the length leaves no room for the match twice: the match and the stray,
    which an API anchored at the end only refuses as it should not. None where no such text is
    found."""
    if not prop.regex:
        return None
    pattern = runtime_regex(prop.regex)
    if pattern is None:
        return None
    low, high = _length_window(prop)
    if high is not None and high < max(1, low):
        return None
    top = None if high is None else high - 1
    half = Bounds(low // 2, None if top is None else top // 2)  # 2 * length + 1 within
    twice = half.max is None or half.max >= max(1, int(half.min or 0))
    match = generator.regex_match(prop.regex, half) if twice else None
    if not match:  # no match fits twice: one, beside the stray
        twice = False
        match = generator.regex_match(prop.regex, Bounds(max(0, low - 1), top))
    if match is None:
        return None
    for stray in _STRAYS:
        tries: tuple[str, ...] = (match + stray + match,) if twice else ()
        for text in (*tries, match + stray, stray + match):
            if not pattern.fullmatch(text):
                return text
    return None


def _length_window(prop: Property) -> tuple[int, int | None]:
    """The lengths a value may have: a regex miss of another length broke the length too, and
    an API that never checked the regex refused it for the length."""
    bounds = prop.length
    low = int(bounds.min or 1) if bounds is not None else 1
    high = int(bounds.max) if bounds is not None and bounds.max is not None else None
    return low, high if high is None or high >= low else None


def _regex_miss_of(source: str, low: int, high: int | None, word: str | None) -> str | None:
    """The first candidate `source` does not fully match, padded to `low` characters and cut to
    `high`. The plan asks without the run's seeded `word`: what it finds breakable, the run then
    breaks too."""
    pattern = runtime_regex(source)
    if pattern is None:
        return None
    candidates = ["!apitest!", "~", *([word] if word else []), " ", "0x!", "\n", "\u2603"]
    for text in candidates:
        padded = (text + "!" * max(0, low - len(text)))[:high]
        if padded and not pattern.fullmatch(padded):
            return padded
    return None
